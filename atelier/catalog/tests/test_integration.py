"""The resource library inside the platform: the organisation page links to the provider's
listings, the search page offers export, import and publishing to whom they are for, and the
export of a search holds what the search found."""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog.models import ResourceKind
from atelier.orgs.models import OrgKind
from atelier.orgs.tests.factories import make_org

from .factories import make_provider, make_resource

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


class TestOrganisationPage:
    def test_it_links_to_the_public_resources_with_their_count(self, client):
        provider = make_provider(name="温州鞋革检测中心")
        for _ in range(3):
            make_resource(provider=provider)
        make_resource(provider=provider, published=False)  # drafts are not counted
        html = client.get(reverse("orgs:detail", args=[provider.pk])).text
        link = f'href="{reverse("catalog:provider", args=[provider.pk])}"'
        assert link in html
        assert "3 项公开资源" in html

    def test_no_link_without_published_listings(self, client):
        provider = make_provider()
        make_resource(provider=provider, published=False)
        html = client.get(reverse("orgs:detail", args=[provider.pk])).text
        assert reverse("catalog:provider", args=[provider.pk]) not in html

    def test_orgs_code_does_not_import_the_catalog(self):
        # The dependency points one way (docs/architecture.md): only the template asks the tag.
        orgs = Path(__file__).resolve().parents[2] / "orgs"
        for path in orgs.glob("*.py"):
            assert "atelier.catalog" not in path.read_text(), path.name


class TestSearchPageButtons:
    def test_anonymous_visitors_get_the_export_only(self, client):
        make_resource(title="鞋底防滑性能测定")
        html = client.get("/resources/", {"q": "防滑", "kind": "service"}).text
        assert 'href="/resources/export/?q=%E9%98%B2%E6%BB%91&amp;kind=service"' in html
        assert "导出 Excel" in html
        assert reverse("catalog:import") not in html
        assert reverse("catalog:create") not in html

    def test_export_link_follows_htmx_facet_clicks(self, client):
        make_resource(title="鞋底防滑性能测定")
        fragment = client.get(
            "/resources/", {"q": "防滑", "voucher": "0"}, HTTP_HX_TARGET="search-results", **HTMX
        ).text
        assert fragment.lstrip().startswith('<div id="search-results"')
        assert "/resources/export/?q=%E9%98%B2%E6%BB%91&amp;voucher=0" in fragment
        # …and so do the filters the next query keeps.
        assert '<input type="hidden" form="search-form" name="voucher" value="0">' in fragment
        assert 'form="search-form" name="q"' not in fragment

    def test_operators_also_get_the_import(self, client):
        client.force_login(make_user(Role.OPERATOR))
        html = client.get("/resources/").text
        assert f'href="{reverse("catalog:import")}"' in html
        assert f'href="{reverse("catalog:create")}"' not in html

    def test_members_of_a_verified_publisher_may_publish(self, client):
        provider = make_provider()
        client.force_login(provider.memberships.get().user)
        html = client.get("/resources/").text
        assert f'href="{reverse("catalog:create")}"' in html
        assert reverse("catalog:import") not in html

    def test_members_of_an_unverified_organisation_may_not(self, client):
        user = make_user()
        make_org(admin=user, kind=OrgKind.PROVIDER)
        client.force_login(user)
        assert reverse("catalog:create") not in client.get("/resources/").text

    def test_no_export_button_when_nothing_is_found(self, client):
        html = client.get("/resources/", {"q": "完全不相干的词语"}).text
        assert reverse("catalog:export") not in html


class TestExportOfASearch:
    def titles(self, client, **params):
        response = client.get(reverse("catalog:export"), params)
        assert response.status_code == 200
        ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
        return {r[2] for r in list(ws.iter_rows(values_only=True))[2:]}

    def test_it_holds_what_the_search_found(self, client):
        make_resource(title="鞋底防滑性能测定", description="测量外底动摩擦系数。")
        make_resource(title="眼镜架镍释放检测", clusters=("eyewear",))
        make_resource(title="防滑鞋垫草稿", published=False)
        assert self.titles(client, q="防滑") == {"鞋底防滑性能测定"}
        assert self.titles(client) == {"鞋底防滑性能测定", "眼镜架镍释放检测"}
        assert self.titles(client, q="防滑", kind="expert") == set()

    def test_search_and_repeated_filters_combine(self, client):
        make_resource(title="鞋底防滑性能测定")
        make_resource(title="防滑专家", kind=ResourceKind.EXPERT)
        make_resource(title="防滑政策", kind=ResourceKind.POLICY)
        found = self.titles(client, q="防滑", kind=["service", "expert"])
        assert found == {"鞋底防滑性能测定", "防滑专家"}

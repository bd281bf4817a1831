import pytest
from django.urls import reverse

from atelier.portal.modules import MODULES

pytestmark = pytest.mark.django_db

SLUGS = ["labs", "chain", "ip", "talent", "brain"]


class TestComingSoon:
    @pytest.mark.parametrize("slug", SLUGS)
    def test_it_describes_each_module(self, client, slug):
        r = client.get(reverse("portal:soon", args=[slug]))
        assert r.status_code == 200
        html = r.content.decode()
        assert "即将上线" in html
        assert str(MODULES[slug].title) in html
        for feature in MODULES[slug].features:
            assert str(feature) in html

    def test_it_404s_for_an_unknown_slug(self, client):
        r = client.get(reverse("portal:soon", args=["nonsense"]))
        assert r.status_code == 404
        assert "页面不存在" in r.content.decode()

    def test_every_module_has_a_page(self):
        assert sorted(MODULES) == sorted(
            SLUGS + ["resources", "demands", "vouchers", "services", "cockpit"]
        )


def test_a_built_module_redirects_to_its_page(client):
    response = client.get(reverse("portal:soon", args=["resources"]))
    assert response.status_code == 302 and response["Location"] == reverse("catalog:list")
    response = client.get(reverse("portal:soon", args=["vouchers"]))
    assert response.status_code == 302 and response["Location"] == reverse("vouchers:list")
    response = client.get(reverse("portal:soon", args=["services"]))
    assert response.status_code == 302 and response["Location"] == reverse("orders:list")
    response = client.get(reverse("portal:soon", args=["cockpit"]))
    assert response.status_code == 302 and response["Location"] == reverse("kpi:cockpit")

import io

import pytest

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog import actions
from atelier.catalog.models import ResourceKind
from atelier.catalog.searching import Filters, search_resources
from atelier.search import engine

from .factories import make_provider, make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_synonyms():
    engine.reset_synonyms()
    yield
    engine.reset_synonyms()


@pytest.fixture
def library():
    lab = make_provider(name="国家鞋类质量检验检测中心（温州）", district="330302")
    eyewear = make_provider(name="瓯海眼镜检测中心", district="330304")
    r = {
        "slip": make_resource(
            provider=lab,
            title="鞋底防滑性能测定",
            description="依据GB/T 3903.6-2017测量外底动摩擦系数。",
        ),
        "peel": make_resource(
            provider=lab,
            title="皮鞋帮底剥离强度检验",
            description="测定鞋帮与鞋底的粘合强度，分析开胶原因。",
        ),
        "nickel": make_resource(
            provider=eyewear,
            title="眼镜架镍释放检测",
            clusters=("eyewear",),
            description="按EN 1811测定金属镜架的镍释放量。",
            voucher_eligible=True,
        ),
        "expert": make_resource(
            provider=lab,
            kind=ResourceKind.EXPERT,
            title="陈工 – 鞋类检测与标准化",
            description="擅长防滑、剥离强度等不合格原因分析。",
        ),
        "draft": make_resource(provider=lab, title="防滑鞋垫草稿", published=False),
    }
    return r


def titles(page):
    return [h.resource.title for h in page.hits]


class TestSearch:
    def test_title_match_ranks_first_and_drafts_are_hidden(self, library):
        page = search_resources("防滑")
        assert titles(page)[0] == "鞋底防滑性能测定"
        assert "防滑鞋垫草稿" not in titles(page)
        assert page.count == 2

    def test_synonyms_bridge_colloquial_words(self, library):
        # 开胶 is not in the slip listing, but 脱胶/剥离 are synonyms of the user's 开胶.
        page = search_resources("鞋子脱胶了想查一下")
        assert titles(page)[0] == "皮鞋帮底剥离强度检验"

    def test_standard_numbers_match_any_edition(self, library):
        assert titles(search_resources("GB/T 3903.6"))[0] == "鞋底防滑性能测定"
        assert titles(search_resources("gbt3903.6-2019"))[0] == "鞋底防滑性能测定"

    def test_facets_and_filters(self, library):
        page = search_resources("检测")
        kinds = {f.value: f.count for f in page.facets["kind"]}
        assert kinds["service"] >= 2 and kinds["expert"] == 1
        only = search_resources("检测", Filters(kind="expert"))
        assert titles(only) == ["陈工 – 鞋类检测与标准化"]
        # The kind facet still counts the other kinds while one is chosen.
        assert {f.value for f in only.facets["kind"]} >= {"service", "expert"}
        voucher = search_resources("检测", Filters(voucher=True))
        assert titles(voucher) == ["眼镜架镍释放检测"]
        district = search_resources("检测", Filters(district="330304"))
        assert titles(district) == ["眼镜架镍释放检测"]

    def test_highlight_is_escaped(self, library):
        make_resource(title="<script>alert(1)</script>防水测试", description="<b>防水</b>鞋面测试")
        hit = search_resources("防水").hits[0]
        assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
        assert "<mark>防水</mark>" in hit.highlight and "&lt;b&gt;" in hit.highlight

    @pytest.mark.parametrize("q", ["", "   ", "！？。…", "😀😀", "x" * 5000, "的 了 吗"])
    def test_odd_queries_never_fail(self, library, q):
        page = search_resources(q)
        assert page.count >= 0

    def test_empty_query_browses_everything_published(self, library):
        page = search_resources("")
        assert page.count == 4
        assert {f.value for f in page.facets["kind"]} == {"service", "expert"}

    def test_nothing_found_offers_suggestions_and_relaxation(self, library):
        page = search_resources("防滑", Filters(district="330381"))
        assert page.count == 0 and page.relaxed_count == 2
        page = search_resources("防华系数")  # a typo: 华 for 滑
        assert page.count == 0 or page.hits

    def test_index_follows_every_action(self, library):
        operator = make_user(Role.OPERATOR)
        slip = library["slip"]
        assert "鞋底防滑性能测定" in titles(search_resources("摩擦系数"))
        actions.resource_update(actor=operator, resource=slip, title="外底动摩擦系数测试")
        assert titles(search_resources("摩擦系数"))[0] == "外底动摩擦系数测试"
        actions.resource_archive(actor=operator, resource=slip, reason="停止服务")
        assert "外底动摩擦系数测试" not in titles(search_resources("摩擦系数"))
        draft = library["draft"]
        admin = draft.provider.memberships.get().user
        actions.resource_submit(actor=admin, resource=draft)
        assert "防滑鞋垫草稿" not in titles(search_resources("鞋垫"))
        actions.resource_publish(actor=operator, resource=draft)
        assert "防滑鞋垫草稿" in titles(search_resources("鞋垫"))

    def test_operator_synonyms_take_effect_at_once(self, library):
        operator = make_user(Role.OPERATOR)
        assert search_resources("抓地力").count == 0
        group = actions.synonym_group_save(actor=operator, words="抓地力 防滑")
        assert titles(search_resources("抓地力"))[0] == "鞋底防滑性能测定"
        actions.synonym_group_save(actor=operator, group=group, words="抓地力 摩擦系数")
        assert titles(search_resources("抓地力")) == ["鞋底防滑性能测定"]  # via 摩擦系数 now
        actions.synonym_group_delete(actor=operator, group=group)
        assert search_resources("抓地力").count == 0

    def test_only_operators_edit_synonyms(self, library):
        from atelier.core.errors import NotAllowed

        with pytest.raises(NotAllowed):
            actions.synonym_group_save(actor=make_user(), words="甲 乙")
        with pytest.raises(Exception, match="至少需要两个词"):
            actions.synonym_group_save(actor=make_user(Role.OPERATOR), words="单词")


class TestSearchPageAndApi:
    def test_results_page(self, client, library):
        response = client.get("/resources/", {"q": "防滑", "kind": "service"})
        assert response.status_code == 200
        assert "<mark>防滑</mark>" in response.text
        assert "陈工" not in response.text

    def test_results_page_htmx_fragment(self, client, library):
        response = client.get(
            "/resources/",
            {"q": "防滑"},
            headers={"HX-Request": "true", "HX-Target": "search-results"},
        )
        assert response.status_code == 200
        assert "<html" not in response.text and 'id="search-results"' in response.text

    def test_api_contract(self, client, library):
        data = client.get("/api/v1/search", {"q": "镍释放", "page_size": 5}).json()
        assert data["count"] == 1
        hit = data["results"][0]
        assert set(hit) >= {
            "id",
            "external_id",
            "kind",
            "title",
            "provider",
            "district",
            "score",
            "highlight",
        }
        assert hit["title"] == "眼镜架镍释放检测" and hit["district"] == "瓯海区"
        assert "<mark>" in hit["highlight"]
        assert {"kind", "industry", "district", "voucher"} <= set(data["facets"])

    def test_api_filters_by_name_or_code(self, client, library):
        by_name = client.get("/api/v1/search", {"q": "检测", "district": "瓯海区"}).json()
        by_code = client.get("/api/v1/search", {"q": "检测", "district": "330304"}).json()
        assert by_name["count"] == by_code["count"] == 1
        industry = client.get("/api/v1/search", {"q": "检测", "industry": "眼镜"}).json()
        assert [r["title"] for r in industry["results"]] == ["眼镜架镍释放检测"]

    def test_api_bad_filter_is_a_json_error(self, client, library):
        response = client.get("/api/v1/search", {"q": "检测", "district": "杭州"})
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_filter"

    def test_api_page_size_is_capped(self, client, library):
        data = client.get("/api/v1/search", {"q": "检测", "page_size": 5000}).json()
        assert data["page_size"] == 50


class TestReindexCommand:
    def test_it_rebuilds_the_same_results_from_the_library(self, library):
        from django.core.management import call_command

        from atelier.search.models import SearchDoc

        before = titles(search_resources("检测"))
        engine.clear()
        assert search_resources("检测").count == 0
        out = io.StringIO()
        call_command("reindex", stdout=out)
        assert "4 条资源" in out.getvalue()
        assert sorted(titles(search_resources("检测"))) == sorted(before)
        assert SearchDoc.objects.count() == 4  # published listings only

    def test_seal_merges_the_edits_made_since_the_rebuild(self, library):
        from django.core.management import call_command

        from atelier.search.models import SearchDoc

        call_command("reindex", "--workers", "0", stdout=io.StringIO())
        assert not SearchDoc.objects.filter(sealed=False).exists()
        nickel = library["nickel"]
        nickel.title = "眼镜架镍释放快速检测"
        nickel.save()
        actions.reindex([nickel])  # what every catalog action does after a change
        before = [(h.resource.title, h.score) for h in search_resources("镍释放 检测").hits]
        assert SearchDoc.objects.filter(sealed=False).count() == 1
        out = io.StringIO()
        call_command("reindex", "--seal", stdout=out)
        assert "清除 1 篇过期文档" in out.getvalue()
        assert [(h.resource.title, h.score) for h in search_resources("镍释放 检测").hits] == before
        assert not SearchDoc.objects.filter(sealed=False).exists()

import pytest
from django.urls import reverse

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.orgs.models import OrgKind
from atelier.orgs.tests.factories import make_org

pytestmark = pytest.mark.django_db

NAV_LABELS = ["首页", "资源库", "需求大厅", "创新券", "服务与预约", "数据驾驶舱", "我的工作台"]


class TestHome:
    def test_it_renders_for_anonymous_with_chinese_navigation(self, client):
        r = client.get(reverse("portal:home"))
        assert r.status_code == 200
        html = r.content.decode()
        assert '<html lang="zh-hans">' in html
        for label in NAV_LABELS:
            assert label in html
        assert "Atelier" in html and "时尚产业创新服务综合体" in html
        assert "一站式创新服务" in html and "找资源、提需求、用创新券" in html
        assert reverse("accounts:login") in html
        assert reverse("accounts:signup") in html
        assert reverse("set_language") in html
        assert "“最多跑一次”" in html

    def test_it_marks_unbuilt_modules_coming_soon(self, client):
        html = client.get(reverse("portal:home")).content.decode()
        for slug in ["labs", "chain", "ip"]:
            assert reverse("portal:soon", args=[slug]) in html
        for slug in ["resources", "vouchers", "services", "cockpit"]:  # built: links to them
            assert reverse("portal:soon", args=[slug]) not in html
        assert reverse("catalog:list") in html and reverse("vouchers:list") in html
        assert reverse("kpi:cockpit") in html
        assert "即将上线" in html
        for title in [
            "检测分析",
            "产业链图谱与招商",
            "知识产权与维权",
            "人才与招聘",
            "产业大脑应用",
        ]:
            assert title in html

    def test_it_counts_verified_organisations_only(self, client):
        make_org(verified=True, district="330302")
        make_org(verified=True, district="330304")
        make_org(verified=True, district="330304", kind=OrgKind.PROVIDER)
        make_org(verified=False, district="330381")  # pending: not counted
        r = client.get(reverse("portal:home"))
        assert r.context["counters"] == {
            "organizations": 3,
            "enterprises": 2,
            "providers": 1,
            "districts": 2,
        }
        assert r.context["district_total"] == 12

    def test_it_serves_every_asset_locally(self, client):
        html = client.get(reverse("portal:home")).content.decode()
        assert "/static/vendor/bootstrap/bootstrap.min.css" in html
        assert "/static/vendor/bootstrap/bootstrap.bundle.min.js" in html
        assert "/static/vendor/htmx/htmx.min.js" in html
        assert "/static/vendor/bootstrap-icons/bootstrap-icons.min.css" in html
        assert "cdn" not in html.lower()
        assert 'src="http' not in html and 'href="http' not in html

    def test_it_sends_the_csrf_token_with_htmx_requests(self, client):
        html = client.get(reverse("portal:home")).content.decode()
        assert 'hx-headers=\'{"X-CSRFToken": "' in html

    def test_it_shows_the_user_menu_when_logged_in(self, client):
        user = make_user(name="王小鞋")
        client.force_login(user)
        html = client.get(reverse("portal:home")).content.decode()
        assert "王小鞋" in html
        assert "企业/机构用户" in html
        assert reverse("accounts:logout") in html
        assert reverse("admin:index") not in html
        assert 'id="at-bell"' in html

    def test_it_links_the_admin_for_staff(self, client):
        client.force_login(make_user(is_staff=True))
        assert reverse("admin:index") in client.get(reverse("portal:home")).content.decode()

    def test_it_bounds_queries_for_anonymous(self, client, django_assert_max_num_queries):
        for _ in range(3):
            make_org(verified=True)
        with django_assert_max_num_queries(2):
            client.get(reverse("portal:home"))

    def test_it_bounds_queries_when_logged_in(self, client, django_assert_max_num_queries):
        for _ in range(3):
            make_org(verified=True)
        client.force_login(make_user())
        # session, user, counters, unread notifications
        with django_assert_max_num_queries(4):
            client.get(reverse("portal:home"))


class TestNavigation:
    def test_it_marks_the_current_item_active(self, client):
        client.force_login(make_user(Role.OPERATOR))
        r = client.get(reverse("kpi:cockpit"))
        items = {item["label"]: item for item in r.context["nav_items"]}
        assert [str(label) for label in items] == NAV_LABELS
        assert items["数据驾驶舱"]["active"] and not items["数据驾驶舱"]["soon"]
        assert items["数据驾驶舱"]["url"] == reverse("kpi:cockpit")
        assert not items["服务与预约"]["soon"]
        assert items["服务与预约"]["url"] == reverse("orders:list")
        # The resource library and the demand hall are built: the menu links to them.
        assert not items["资源库"]["soon"] and items["资源库"]["url"] == reverse("catalog:list")
        assert not items["需求大厅"]["soon"] and items["需求大厅"]["url"] == reverse("demands:list")
        assert not items["创新券"]["soon"] and items["创新券"]["url"] == reverse("vouchers:list")
        assert not items["首页"]["active"] and not items["首页"]["soon"]
        assert items["我的工作台"]["url"] == reverse("portal:workspace")

    def test_home_is_active_only_on_home(self, client):
        r = client.get(reverse("portal:home"))
        active = [str(i["label"]) for i in r.context["nav_items"] if i["active"]]
        assert active == ["首页"]

"""The data cockpit: who may see it, what the filters do, the JSON, the cache and its
invalidation, and the two pages."""

import re
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.demands.models import DockingStatus
from atelier.demands.tests.factories import make_demand, make_docking
from atelier.demands.tests.factories import make_enterprise as make_demand_enterprise
from atelier.kpi import cockpit
from atelier.orders import actions as order_actions
from atelier.orders import utilisation
from atelier.orders.tests.factories import at, make_booker, make_instrument, manager_of
from atelier.vouchers import stats as voucher_stats
from atelier.vouchers.models import LedgerEntry
from atelier.vouchers.tests.factories import issued_voucher, make_enterprise, make_programme

pytestmark = pytest.mark.django_db

URLS = ["kpi:cockpit", "kpi:cockpit_screen", "kpi:cockpit_data"]


@pytest.fixture(autouse=True)
def _empty_cache(monkeypatch):
    # No background thread in tests: a stale entry is recomputed in the request itself.
    monkeypatch.setattr(cockpit, "BACKGROUND_REFRESH", False)
    cache.clear()
    yield
    cache.clear()


def headline(data: dict) -> dict:
    return {k["key"]: k["value"] for k in data["headline"]}


@pytest.fixture
def vouchers():
    """Two vouchers this year: ¥20,000 to a shoe maker in 鹿城, ¥10,000 to a garment maker in
    瓯海."""
    lucheng = make_programme(district="330302")
    ouhai = make_programme(district="330304")
    shoes = make_enterprise("330302", industries=("C1952",))
    apparel = make_enterprise("330304", industries=("C1819",))
    issued_voucher(lucheng, shoes, amount="20000")
    issued_voucher(ouhai, apparel, amount="10000")
    return lucheng, ouhai


class TestAccess:
    @pytest.mark.parametrize(
        "role", [Role.OPERATOR, Role.REVIEWER, Role.FINANCE, Role.AUDITOR, Role.SYSADMIN]
    )
    @pytest.mark.parametrize("url", URLS)
    def test_staff_roles_may_look(self, client, role, url):
        client.force_login(make_user(role))
        assert client.get(reverse(url)).status_code == 200

    @pytest.mark.parametrize("role", [Role.MEMBER, Role.EXPERT, Role.BROKER])
    @pytest.mark.parametrize("url", URLS)
    def test_others_are_refused_with_a_reason(self, client, role, url):
        client.force_login(make_user(role))
        r = client.get(reverse(url))
        assert r.status_code == 403
        if url != "kpi:cockpit_data":
            assert "数据驾驶舱仅向运营方" in r.content.decode()

    def test_an_enterprise_member_is_refused(self, client):
        org = make_enterprise()
        client.force_login(org.memberships.first().user)
        r = client.get(reverse("kpi:cockpit"))
        assert r.status_code == 403 and "创新券统计" in r.content.decode()

    @pytest.mark.parametrize("url", URLS)
    def test_anonymous_goes_to_login(self, client, url):
        r = client.get(reverse(url))
        assert r.status_code == 302 and reverse("accounts:login") in r["Location"]

    def test_reviewer_defaults_to_its_district_and_may_widen(self, client, vouchers):
        client.force_login(make_user(Role.REVIEWER, district="330304"))
        data = client.get(reverse("kpi:cockpit_data")).json()
        assert data["filters"]["district"] == "330304"
        assert headline(data)["issued"] == "1.00"
        data = client.get(reverse("kpi:cockpit_data"), {"district": ""}).json()
        assert data["filters"]["district"] is None
        assert headline(data)["issued"] == "3.00"


class TestFigures:
    def test_filters_change_the_voucher_figures(self, vouchers):
        year = timezone.localdate().year
        assert headline(cockpit.build(year))["issued"] == "3.00"
        assert headline(cockpit.build(year))["enterprises"] == 2
        assert headline(cockpit.build(year, "330302"))["issued"] == "2.00"
        assert headline(cockpit.build(year, "330304"))["issued"] == "1.00"
        assert headline(cockpit.build(year, cluster="shoes"))["issued"] == "2.00"
        assert headline(cockpit.build(year, cluster="apparel"))["issued"] == "1.00"
        assert headline(cockpit.build(year, "330302", "apparel"))["issued"] == "0.00"
        assert headline(cockpit.build(year - 1))["issued"] == "0.00"

    def test_tiles_cover_every_district_and_ignore_the_district_filter(self, vouchers):
        data = cockpit.build(timezone.localdate().year, "330302")
        tiles = {t["code"]: t for t in data["tiles"]}
        assert len(tiles) == 12
        assert tiles["330302"]["issued"] == "2.00" and tiles["330304"]["issued"] == "1.00"
        assert tiles["330302"]["enterprises"] == 1 and tiles["330383"]["issued"] == "0.00"
        assert len({(t["x"], t["y"]) for t in data["tiles"]}) == 12  # no two on one tile
        clusters = {c["code"]: c for c in data["by_cluster"]}
        assert set(clusters) == {"shoes"}  # the district filter applies to the clusters
        assert clusters["shoes"]["issued"] == "2.00"

    def test_voucher_figures_agree_with_the_voucher_statistics(self, vouchers):
        year = timezone.localdate().year
        rows = {r.key: r for r in voucher_stats.by_district(year)}
        ours = cockpit.voucher_money(year, by="district")
        heads = cockpit.voucher_enterprises(year, by="district")
        assert set(rows) == set(ours)
        for code, row in rows.items():
            assert ours[code]["issued"] == row.issued_fen
            assert ours[code]["redeemed"] == row.redeemed_fen
            assert heads[code] == row.enterprises

    def test_filters_change_the_demand_funnel(self):
        shoes = make_demand_enterprise(district="330302")
        apparel = make_demand_enterprise(district="330304")
        won = make_demand(enterprise=shoes, cluster="shoes")
        make_docking(won, status=DockingStatus.WON)
        make_demand(enterprise=apparel, cluster="apparel")
        year = timezone.localdate().year

        def steps(**f):
            return {s["key"]: s["value"] for s in cockpit.build(year, **f)["funnel"]["steps"]}

        assert steps() == {"published": 2, "docked": 1, "accepted": 1, "signed": 1}
        assert steps(district="330304") == {"published": 1, "docked": 0, "accepted": 0, "signed": 0}
        assert steps(cluster="shoes")["signed"] == 1
        data = cockpit.build(year)
        assert headline(data)["demands"] == 2
        assert data["trends"]["series"][1]["values"][timezone.localdate().month - 1] == 2
        assert sum(v or 0 for v in data["trends"]["series"][2]["values"]) == 1  # signed this year
        tiles = {t["code"]: t for t in data["tiles"]}
        assert tiles["330302"]["demands"] == 1 and tiles["330302"]["signed"] == 1

    def test_machine_hours_match_the_utilisation_report(self):
        resource = make_instrument()
        user = make_booker()
        start = at(date(2030, 6, 3), 9)
        booking = order_actions.booking_create(
            actor=user, resource=resource, start=start, end=start + timedelta(hours=2),
            purpose="成鞋耐折试验", now=start - timedelta(days=1),
        )  # fmt: skip
        manager = manager_of(resource)
        order_actions.usage_start(actor=manager, booking=booking, at=start + timedelta(minutes=5))
        order_actions.usage_stop(actor=manager, booking=booking, at=start + timedelta(minutes=95))
        data = cockpit.build(2030)
        u = data["utilisation"]
        report = utilisation.report(type(resource).objects.filter(pk=resource.pk), 2030)
        assert u["effective_hours"] == "1.5" == f"{report.total.effective_hours:.1f}"
        assert u["external_hours"] == "1.5" and u["sharing_rate"] == "100.0"
        assert u["top"][0]["label"] == resource.title
        assert data["trends"]["series"][3]["values"][5] == "1.5"  # June
        assert cockpit.build(2030, district="330304")["utilisation"]["effective_hours"] == "0.0"
        assert cockpit.build(2030, cluster="eyewear")["utilisation"]["effective_hours"] == "0.0"

    def test_an_empty_year_has_zeros_not_errors(self):
        data = cockpit.build(2001)
        assert headline(data)["issued"] == "0.00" and headline(data)["demands"] == 0
        assert data["by_cluster"] == [] and data["utilisation"]["top"] == []
        assert data["utilisation"]["sharing_rate"] is None


class TestJson:
    def test_it_has_the_documented_shape(self, client, vouchers):
        client.force_login(make_user(Role.OPERATOR))
        r = client.get(reverse("kpi:cockpit_data"), {"year": timezone.localdate().year})
        assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
        assert "no-cache" in r["Cache-Control"] or "max-age=0" in r["Cache-Control"]
        data = r.json()
        assert set(data) >= {
            "filters", "headline", "tiles", "by_cluster", "funnel", "utilisation", "trends",
            "gauges", "generated_at", "served_at", "refresh_seconds",
        }  # fmt: skip
        assert data["refresh_seconds"] == 60
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", data["served_at"])
        assert {k["key"] for k in data["headline"]} == {
            "enterprises", "issued", "redeemed", "demands", "signed", "hours", "orders",
        }  # fmt: skip
        assert all({"code", "name", "x", "y", "redeemed"} <= set(t) for t in data["tiles"])
        assert [s["key"] for s in data["funnel"]["steps"]] == [
            "published", "docked", "accepted", "signed",
        ]  # fmt: skip
        assert len(data["trends"]["months"]) == 12
        assert all(len(s["values"]) == 12 for s in data["trends"]["series"])
        assert isinstance(data["gauges"], list)

    def test_bad_filters_fall_back_to_defaults(self, client):
        client.force_login(make_user(Role.OPERATOR))
        data = client.get(
            reverse("kpi:cockpit_data"), {"year": "abc", "district": "999999", "cluster": "x"}
        ).json()
        assert data["filters"]["year"] == cockpit.this_year()
        assert data["filters"]["district"] is None and data["filters"]["cluster"] is None

    def test_years_offered_include_data_years_and_this_year(self, vouchers):
        make_demand(published_at=at(date(2024, 5, 6), 10))
        years = cockpit.data_years()
        assert years[0] == cockpit.this_year() and 2024 in years
        assert years == sorted(years, reverse=True)


class TestCache:
    def test_a_write_invalidates_the_cached_figures(self, vouchers):
        year = timezone.localdate().year
        assert headline(cockpit.cached_build(year))["issued"] == "3.00"
        issued_voucher(vouchers[0], make_enterprise("330302"), amount="5000")  # signals fire
        assert headline(cockpit.cached_build(year))["issued"] == "3.50"

    def test_writes_without_signals_need_invalidate(self, vouchers):
        year = timezone.localdate().year
        before = cockpit.cached_build(year)
        entry = LedgerEntry.objects.filter(kind="grant").first()
        LedgerEntry.objects.bulk_create(  # no signal: the cache still answers
            [LedgerEntry(programme_id=entry.programme_id, voucher_id=entry.voucher_id,
                         enterprise_id=entry.enterprise_id, kind="grant", d_granted=100_000,
                         d_available=100_000, d_unallocated=-100_000, year=year)]
        )  # fmt: skip
        assert cockpit.cached_build(year) == before
        cockpit.invalidate()
        assert headline(cockpit.cached_build(year))["issued"] == "3.10"

    def test_the_key_holds_filters_and_language(self):
        key = cockpit.cache_key(2026, "330302", "shoes")
        assert "2026" in key and "330302" in key and "shoes" in key and "zh-hans" in key
        before = cockpit.version()
        cockpit.invalidate()
        assert cockpit.version() != before

    def test_stale_figures_are_served_while_recomputed(self, monkeypatch, vouchers):
        year = timezone.localdate().year
        assert headline(cockpit.cached_build(year))["issued"] == "3.00"
        started = []
        monkeypatch.setattr(cockpit, "BACKGROUND_REFRESH", True)
        monkeypatch.setattr(
            cockpit, "_refresh_in_background", lambda key, *args: started.append(key)
        )
        issued_voucher(vouchers[0], make_enterprise("330302"), amount="5000")
        assert headline(cockpit.cached_build(year))["issued"] == "3.00"  # previous figures
        assert headline(cockpit.cached_build(year))["issued"] == "3.00"  # lock held: no 2nd
        assert started == [cockpit.cache_key(year, None, None)]
        cache.delete(started[0] + ":lock")
        monkeypatch.setattr(cockpit, "BACKGROUND_REFRESH", False)
        assert headline(cockpit.cached_build(year))["issued"] == "3.50"

    def test_the_background_refresh_stores_new_figures(self, vouchers):
        year = timezone.localdate().year
        key = cockpit.cache_key(year, None, None)
        cockpit.cached_build(year)
        cache.add(key + ":lock", 1)
        with mock.patch("threading.Thread") as thread:
            cockpit._refresh_in_background(key, "v2", year, None, None, "zh-hans")
        run = thread.call_args.kwargs["target"]
        with mock.patch.object(cockpit.connections, "close_all"):
            run()  # what the thread does, here in the test's transaction
        assert cache.get(key)["version"] == "v2" and cache.get(key + ":lock") is None

    def test_a_warm_page_costs_few_queries(self, client, vouchers, django_assert_max_num_queries):
        client.force_login(make_user(Role.OPERATOR))
        client.get(reverse("kpi:cockpit"))  # warms the cache
        # session, user, the district and cluster choices of the form, the notification bell
        with django_assert_max_num_queries(6):
            r = client.get(reverse("kpi:cockpit"))
        assert r.status_code == 200


class TestPages:
    def test_the_page_uses_local_assets_only(self, client, vouchers):
        client.force_login(make_user(Role.OPERATOR))
        html = client.get(reverse("kpi:cockpit")).content.decode()
        assert "/static/vendor/echarts/echarts.min.js" in html
        assert "/static/atelier/cockpit.js" in html and "/static/atelier/cockpit.css" in html
        assert not re.search(r'(src|href)="(https?:)?//', html)
        assert "onclick" not in html and "onchange" not in html
        assert 'id="cockpit-data"' in html and 'id="cockpit-config"' in html
        for chart in ("tiles", "clusters", "funnel", "trends", "instruments"):
            assert f'id="chart-{chart}"' in html
        assert "数据驾驶舱" in html and "鹿城区" in html
        assert reverse("kpi:cockpit_screen") in html

    def test_the_big_screen_renders(self, client, vouchers):
        client.force_login(make_user(Role.AUDITOR))
        r = client.get(reverse("kpi:cockpit_screen"), {"district": "330302"})
        html = r.content.decode()
        assert r.status_code == 200
        assert 'data-bs-theme="dark"' in html and "ck-screen" in html
        assert "温州时尚产业创新服务综合体 · 数据驾驶舱" in html
        assert "/static/vendor/echarts/echarts.min.js" in html
        assert not re.search(r'(src|href)="(https?:)?//', html)
        assert 'id="ck-fullscreen"' in html and 'id="chart-tiles"' in html
        assert r.context["data"]["filters"]["district_label"] == "鹿城区"

    def test_bad_filters_say_so_on_the_page(self, client):
        client.force_login(make_user(Role.OPERATOR))
        html = client.get(reverse("kpi:cockpit"), {"year": "1700"}).content.decode()
        assert "筛选条件有误" in html

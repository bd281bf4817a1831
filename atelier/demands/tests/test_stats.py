"""The demand statistics (stats.py) on a small known data set, and the statistics page and its
xlsx export: figures, filters, time zone, who may look."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.core.i18n import compile_messages

from .. import actions, stats
from ..models import BrokerProfile, BrokerReward, Demand, DockingStatus
from .factories import make_broker, make_demand, make_docking, make_enterprise, member_of

pytestmark = pytest.mark.django_db

LUCHENG, RUIAN = "330302", "330381"


def shanghai(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def data():
    """Four published demands (two per district), three that never were, five dockings with
    known times, two brokers with rewards.

    d1 鹿城 problem/shoes 2025-01-15: declined (answered 2h, on time) + won 120,000.50 (10h, late)
    d2 鹿城 rnd/shoes 2025-02-01 04:00 Shanghai (= Jan 31 UTC): active (30h, on time) + proposed
       (deadline ahead)
    d3 瑞安 testing/eyewear 2025-03-10: proposed, never answered, deadline gone (overdue)
    d4 瑞安 problem/no cluster 2024-11-20: no docking
    """
    now = timezone.now()
    lucheng, ruian = make_enterprise(district=LUCHENG), make_enterprise(district=RUIAN)
    p1, p2 = make_broker(), make_broker()
    d1 = make_demand(
        enterprise=lucheng, type="problem", published_at=shanghai(2025, 1, 15, 10), broker=p1
    )
    d2 = make_demand(
        enterprise=lucheng, type="rnd", published_at=datetime(2025, 1, 31, 20, tzinfo=UTC),
        broker=p1,
    )  # fmt: skip
    d3 = make_demand(
        enterprise=ruian, type="testing", cluster="eyewear",
        published_at=shanghai(2025, 3, 10, 9), broker=p2,
    )  # fmt: skip
    d4 = make_demand(
        enterprise=ruian, type="problem", cluster=None, published_at=shanghai(2024, 11, 20, 9)
    )
    # Never published: a draft, one waiting for review, one closed straight from draft.
    make_demand(enterprise=lucheng, published=False)
    waiting = make_demand(enterprise=lucheng, published=False)
    actions.demand_submit(member_of(lucheng), waiting)
    closed = make_demand(enterprise=ruian, published=False)
    actions.demand_close(member_of(ruian), closed, reason="不需要了")

    t0 = now - timedelta(days=20)
    declined = make_docking(
        d1, status=DockingStatus.DECLINED, started_at=t0, responded_at=t0 + timedelta(hours=2),
        respond_by=t0 + timedelta(hours=72),
    )  # fmt: skip
    won = make_docking(
        d1, status=DockingStatus.WON, amount=Decimal("120000.50"), started_at=t0,
        responded_at=t0 + timedelta(hours=10), respond_by=t0 + timedelta(hours=5),
    )  # fmt: skip
    active = make_docking(
        d2, status=DockingStatus.ACTIVE, started_at=t0, responded_at=t0 + timedelta(hours=30),
        respond_by=t0 + timedelta(hours=72),
    )  # fmt: skip
    waiting_docking = make_docking(d2, respond_by=now + timedelta(days=2))
    overdue = make_docking(
        d3, started_at=now - timedelta(days=10), respond_by=now - timedelta(days=5)
    )
    op = make_user(Role.OPERATOR)
    actions.broker_reward(op, p1, amount="1500.50", reason="d1 签约", docking=won)
    actions.broker_reward(op, p1, amount="-200", reason="更正")
    old = actions.broker_reward(op, p1, amount="300", reason="2024 年度")
    BrokerReward.objects.filter(pk=old.pk).update(recorded_at=shanghai(2024, 6, 1, 12))
    actions.broker_reward(op, p2, amount="0.10", reason="试行")
    retired = make_broker()
    BrokerProfile.objects.filter(pk=retired.pk).update(active=False)
    return {
        "d1": d1, "d2": d2, "d3": d3, "d4": d4, "p1": p1, "p2": p2, "retired": retired,
        "won": won, "declined": declined, "active": active, "waiting": waiting_docking,
        "overdue": overdue, "now": now,
    }  # fmt: skip


def counts(rows) -> dict:
    return {r.key: r.count for r in rows}


class TestDemandsBy:
    def test_it_counts_only_demands_that_were_published(self, data):
        assert set(stats.published_demands()) == {data["d1"], data["d2"], data["d3"], data["d4"]}
        assert Demand.objects.count() == 7

    def test_by_type_lists_every_type_in_order(self, data):
        rows = stats.by_type()
        assert [r.key for r in rows] == [
            "problem", "rnd", "testing", "design", "talent", "achievement"
        ]  # fmt: skip
        assert counts(rows) == {
            "problem": 2, "rnd": 1, "testing": 1, "design": 0, "talent": 0, "achievement": 0
        }  # fmt: skip
        assert rows[0].label == "技术难题"

    def test_by_cluster_puts_demands_without_one_last(self, data):
        rows = stats.by_cluster()
        assert [(r.key, r.count) for r in rows] == [("shoes", 2), ("eyewear", 1), ("", 1)]
        assert rows[-1].label == "未注明行业"

    def test_by_district_uses_the_enterprise_district(self, data):
        rows = stats.by_district()
        assert [(r.key, r.label, r.count) for r in rows] == [
            (LUCHENG, "鹿城区", 2), (RUIAN, "瑞安市", 2)
        ]  # fmt: skip

    def test_by_month_counts_in_shanghai_time_and_fills_gaps(self, data):
        # d2 was published on Jan 31 in UTC, Feb 1 in Wenzhou: it is a February demand.
        assert [(r.key, r.count) for r in stats.by_month()] == [
            ("2024-11", 1), ("2024-12", 0), ("2025-01", 1), ("2025-02", 1), ("2025-03", 1)
        ]  # fmt: skip

    def test_by_month_with_a_year_has_twelve_months(self, data):
        rows = stats.by_month(stats.Filters(year=2025))
        assert len(rows) == 12
        assert sum(r.count for r in rows) == 3
        assert counts(rows)["2025-02"] == 1 and counts(rows)["2025-12"] == 0

    def test_filters_combine(self, data):
        assert counts(stats.by_type(stats.Filters(year=2025, district=LUCHENG)))["problem"] == 1
        assert counts(stats.by_type(stats.Filters(district=RUIAN)))["problem"] == 1
        assert counts(stats.by_cluster(stats.Filters(cluster="shoes"))) == {"shoes": 2}
        assert stats.by_district(stats.Filters(year=2024)) == [stats.Row(RUIAN, "瑞安市", 1)]

    def test_the_year_starts_at_midnight_in_wenzhou(self, data):
        # 2024-12-31 16:30 UTC is 2025-01-01 00:30 in Wenzhou.
        d = make_demand(published_at=datetime(2024, 12, 31, 16, 30, tzinfo=UTC))
        assert d in stats.published_demands(stats.Filters(year=2025))
        assert d not in stats.published_demands(stats.Filters(year=2024))
        assert stats.publication_years() == [2025, 2024]

    def test_no_demands_gives_zeros_not_errors(self, db):
        assert stats.by_month() == []
        assert stats.by_cluster() == [] and stats.by_district() == []
        f = stats.funnel()
        assert (f.published, f.signed, f.contract_total, f.rate(0)) == (0, 0, Decimal("0.00"), None)
        r = stats.response()
        assert (r.median_hours, r.on_time_rate) == (None, None)


class TestFunnel:
    def test_it_counts_demands_at_each_step(self, data):
        f = stats.funnel()
        assert (f.published, f.docked, f.accepted, f.signed) == (4, 3, 2, 1)
        assert f.contract_total == Decimal("120000.50")
        assert isinstance(f.contract_total, Decimal)
        assert f.contracts == 1
        assert [f.rate(n) for _k, _l, n in f.steps()] == [
            Decimal("100.0"), Decimal("75.0"), Decimal("50.0"), Decimal("25.0")
        ]  # fmt: skip

    def test_it_follows_the_filters(self, data):
        f = stats.funnel(stats.Filters(district=RUIAN))
        assert (f.published, f.docked, f.accepted, f.signed) == (2, 1, 0, 0)
        assert f.contract_total == Decimal("0")
        f = stats.funnel(stats.Filters(year=2025, cluster="shoes"))
        assert (f.published, f.docked, f.accepted, f.signed) == (2, 2, 2, 1)

    def test_contract_amounts_add_up_exactly(self, data):
        d = make_demand()
        make_docking(d, status=DockingStatus.WON, amount=Decimal("0.10"))
        d = make_demand()
        make_docking(d, status=DockingStatus.WON, amount=Decimal("0.20"))
        assert stats.funnel().contract_total == Decimal("120000.80")


class TestResponse:
    def test_median_and_deadlines(self, data):
        r = stats.response(now=data["now"])
        assert r.dockings == 5
        assert r.responded == 3
        assert r.median_hours == 10.0  # of 2 h, 10 h and 30 h
        # due: three answered + the one whose deadline passed unanswered; the waiting one is not
        assert (r.due, r.on_time, r.late, r.overdue_now) == (4, 2, 1, 1)
        assert r.on_time_rate == Decimal("50.0")
        assert r.overdue_rate == Decimal("25.0")

    def test_overdue_agrees_with_the_model(self, data):
        assert data["overdue"].is_overdue and not data["waiting"].is_overdue
        from ..models import Docking

        assert stats.response().overdue_now == Docking.objects.overdue().count()

    def test_median_of_an_even_number(self, data):
        r = stats.response(stats.Filters(cluster="shoes"))
        assert r.median_hours == 10.0
        r = stats.response(stats.Filters(district=LUCHENG, year=2025))
        assert r.responded == 3


class TestBrokerFigures:
    def test_figures_per_broker(self, data):
        p1, p2 = data["p1"], data["p2"]
        figures = stats.broker_figures([p1, p2])
        f1, f2 = figures[p1.pk], figures[p2.pk]
        assert (f1.assigned, f1.handled, f1.won, f1.finished) == (2, 4, 1, 2)
        assert f1.success_rate == Decimal("50.0")
        assert f1.rewards_total == Decimal("1600.50")  # 1500.50 − 200 + 300
        assert f1.rewards_fen == 160050
        assert (f2.assigned, f2.handled, f2.won, f2.finished) == (1, 1, 0, 0)
        assert f2.success_rate is None
        assert f2.rewards_total == Decimal("0.10")

    def test_rewards_follow_only_the_year(self, data):
        this_year = timezone.localdate().year
        f1 = stats.broker_figures([data["p1"]], stats.Filters(year=this_year))[data["p1"].pk]
        assert f1.rewards_total == Decimal("1300.50")
        assert f1.assigned == 0  # its demands were published in 2025
        f1 = stats.broker_figures([data["p1"]], stats.Filters(year=2024))[data["p1"].pk]
        assert f1.rewards_total == Decimal("300.00")

    def test_filters_narrow_demands_and_dockings(self, data):
        p1, p2 = data["p1"], data["p2"]
        figures = stats.broker_figures([p1, p2], stats.Filters(district=RUIAN))
        assert (figures[p1.pk].assigned, figures[p1.pk].handled) == (0, 0)
        assert (figures[p2.pk].assigned, figures[p2.pk].handled) == (1, 1)

    def test_a_broker_with_nothing_has_zeros(self, data):
        f = stats.broker_figures([data["retired"]])[data["retired"].pk]
        assert (f.assigned, f.handled, f.success_rate, f.rewards_total) == (0, 0, None, 0)

    def test_query_count_does_not_grow_with_brokers(self, data, django_assert_num_queries):
        profiles = list(BrokerProfile.objects.all())
        with django_assert_num_queries(3):
            stats.broker_figures(profiles)

    def test_report_lists_active_brokers_only(self, data):
        report = stats.report()
        assert [p for p, _f in report.brokers] == [data["p1"], data["p2"]]


# ---------------------------------------------------------------- the page and the export


def staff(role, **kw):
    return make_user(role, **kw)


class TestStatsPage:
    url = reverse("demands:stats")

    @pytest.mark.parametrize(
        "role", [Role.OPERATOR, Role.REVIEWER, Role.FINANCE, Role.AUDITOR, Role.SYSADMIN]
    )
    def test_staff_may_look(self, client, data, role):
        client.force_login(staff(role))
        response = client.get(self.url)
        assert response.status_code == 200
        assert b'id="stats-data"' in response.content

    @pytest.mark.parametrize("role", [Role.MEMBER, Role.BROKER, Role.EXPERT])
    def test_others_get_403(self, client, data, role):
        client.force_login(make_user(role))
        assert client.get(self.url).status_code == 403
        assert client.get(reverse("demands:stats_xlsx")).status_code == 403

    def test_an_enterprise_member_gets_403(self, client, data):
        client.force_login(member_of(data["d1"].enterprise))
        assert client.get(self.url).status_code == 403

    def test_anonymous_visitors_are_sent_to_login(self, client, data):
        response = client.get(self.url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]

    def test_figures_and_chart_data(self, client, data):
        client.force_login(staff(Role.OPERATOR))
        response = client.get(self.url, {"year": "2025"})
        ctx = response.context
        assert ctx["report"].funnel.published == 3
        chart = ctx["chart_data"]
        assert chart["type"]["values"] == [1, 1, 1, 0, 0, 0]
        assert chart["month"]["labels"][1] == "2025-02" and chart["month"]["values"][1] == 1
        assert [s["value"] for s in chart["funnel"]["steps"]] == [3, 3, 2, 1]
        assert "120,000.50" in response.content.decode()  # the |yuan filter
        assert "<script>" not in response.content.decode()  # no inline script: data is JSON

    def test_filters_by_district_and_industry(self, client, data):
        client.force_login(staff(Role.OPERATOR))
        response = client.get(self.url, {"district": RUIAN, "industry": "eyewear"})
        assert response.context["report"].funnel.published == 1

    def test_a_bad_filter_value_is_ignored(self, client, data):
        client.force_login(staff(Role.OPERATOR))
        response = client.get(self.url, {"year": "abc", "district": RUIAN})
        assert response.status_code == 200
        assert response.context["filters"] == stats.Filters(district=RUIAN)

    def test_a_reviewer_is_locked_to_its_district(self, client, data):
        client.force_login(staff(Role.REVIEWER, district=RUIAN))
        response = client.get(self.url, {"district": LUCHENG})
        assert response.context["filters"].district == RUIAN
        assert response.context["report"].funnel.published == 2
        assert not response.context["sees_rewards"]
        assert "奖励合计" not in response.content.decode()

    def test_query_count_is_fixed(self, client, data, django_assert_max_num_queries):
        client.force_login(staff(Role.OPERATOR))
        client.get(self.url)  # warm caches (sessions, content types)
        with django_assert_max_num_queries(25):
            client.get(self.url)


class TestStatsExport:
    url = reverse("demands:stats_xlsx")

    def workbook(self, response):
        return load_workbook(io.BytesIO(b"".join(response)), read_only=False)

    def test_it_has_one_sheet_per_table_with_the_figures(self, client, data):
        client.force_login(staff(Role.FINANCE))
        response = client.get(self.url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        wb = self.workbook(response)
        assert wb.sheetnames == [
            "概览", "对接漏斗", "按类型", "按行业", "按区县", "按月份", "技术经纪人"
        ]  # fmt: skip
        overview = {r[0]: r[1] for r in wb["概览"].iter_rows(min_row=2, values_only=True) if r[0]}
        assert overview["已发布需求"] == 4
        assert overview["签约成交"] == 1
        assert Decimal(str(overview["合同金额合计（元）"])) == Decimal("120000.50")
        assert overview["首次响应时间中位数（小时）"] == 10.0
        assert overview["当前超期未响应"] == 1
        funnel = list(wb["对接漏斗"].iter_rows(min_row=2, values_only=True))
        assert [(r[0], r[1]) for r in funnel] == [
            ("已发布需求", 4), ("已发起对接", 3), ("对接被接受", 2), ("签约成交", 1)
        ]  # fmt: skip
        types = dict(wb["按类型"].iter_rows(min_row=2, values_only=True))
        assert types == {"技术难题": 2, "委托研发": 1, "检测需求": 1, "设计需求": 0,
                         "人才需求": 0, "成果引进": 0}  # fmt: skip
        months = list(wb["按月份"].iter_rows(min_row=2, values_only=True))
        assert months[0] == ("2024-11", 1) and len(months) == 5
        brokers = list(wb["技术经纪人"].iter_rows(values_only=True))
        assert brokers[0][-1] == "奖励合计（元）"
        assert brokers[1][2:6] == (2, 4, 1, 2)
        assert Decimal(str(brokers[1][-1])) == Decimal("1600.50")

    def test_filters_apply_and_the_name_says_so(self, client, data):
        client.force_login(staff(Role.OPERATOR))
        response = client.get(self.url, {"year": "2025", "district": RUIAN})
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment; filename*=utf-8''")
        name = unquote(disposition.split("''", 1)[1])
        assert name.startswith("需求统计-2025-瑞安市-") and name.endswith(".xlsx")
        wb = self.workbook(response)
        overview = {r[0]: r[1] for r in wb["概览"].iter_rows(min_row=2, values_only=True) if r[0]}
        assert overview["已发布需求"] == 1
        assert overview["区县"] == "瑞安市"

    def test_a_reviewer_gets_no_reward_column(self, client, data):
        client.force_login(staff(Role.REVIEWER, district=RUIAN))
        wb = self.workbook(client.get(self.url))
        header = next(wb["技术经纪人"].iter_rows(values_only=True))
        assert "奖励合计（元）" not in header
        overview = {r[0]: r[1] for r in wb["概览"].iter_rows(min_row=2, values_only=True) if r[0]}
        assert overview["已发布需求"] == 2

    def test_text_that_looks_like_a_formula_is_neutralised(self, client, data):
        p = data["p1"]
        BrokerProfile.objects.filter(pk=p.pk).update(employer='=HYPERLINK("http://x")')
        client.force_login(staff(Role.OPERATOR))
        wb = self.workbook(client.get(self.url))
        employers = [r[1] for r in wb["技术经纪人"].iter_rows(min_row=2, values_only=True)]
        assert '\'=HYPERLINK("http://x")' in employers

    def test_english_pages_get_an_english_workbook(self, client, data):
        compile_messages()
        client.force_login(staff(Role.OPERATOR))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        try:
            response = client.get(self.url, {"district": RUIAN})
            wb = self.workbook(response)
        finally:
            translation.deactivate()
        assert wb.sheetnames[0] == "Overview"
        overview = {r[0]: r[1] for r in wb["Overview"].iter_rows(min_row=2, values_only=True)}
        assert overview["District"] == "Rui'an"
        assert "Rui'an" in unquote(response["Content-Disposition"])

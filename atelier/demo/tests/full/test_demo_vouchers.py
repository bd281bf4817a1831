"""The demo's innovation vouchers (atelier.demo.vouchers): seed 003's figures come out of the
statistics code, the ledger is sound, the demo accounts have live items in every state, and a
second load adds nothing.

Like test_demo.py, the base set is loaded once for the package (conftest.py) in a
transaction that is rolled back at the end; each test runs in its own savepoint on top of it.
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from atelier.core.models import AuditEntry, StatusChange
from atelier.demo import data, vouchers
from atelier.orgs.models import Organization
from atelier.vouchers import ledger, stats
from atelier.vouchers.models import (
    Application,
    ApplicationStatus,
    BatchStatus,
    Claim,
    Enrolment,
    LedgerEntry,
    Programme,
    UseStatus,
    Voucher,
    VoucherStatus,
    VoucherUse,
)

LUCHENG, OUHAI, RUIAN = "330302", "330304", "330381"


def counts() -> dict[str, int]:
    return {
        "programmes": Programme.objects.count(),
        "applications": Application.objects.count(),
        "vouchers": Voucher.objects.count(),
        "uses": VoucherUse.objects.count(),
        "claims": Claim.objects.count(),
        "ledger": LedgerEntry.objects.count(),
        "orgs": Organization.objects.count(),
        "status": StatusChange.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_the_generator_is_deterministic():
    years = range(vouchers.FIRST_YEAR, 2024)
    first, second = vouchers.generate(years, 40, set()), vouchers.generate(years, 40, set())
    assert first == second
    assert len({s.credit_code for s in first}) == len(first)
    assert len({s.name for s in first}) == len(first)


@pytest.mark.django_db
class TestSeed003:
    def test_participants_and_fashion_share_since_2015(self, demo):
        total = stats.totals()
        assert 9_000 < total.enterprises < 10_000  # 9000余家企业及单位
        assert total.fashion_enterprises > 550  # 超过550家
        assert round(total.fashion_share * 100, 1) == 6.0  # 约占 6.0%
        assert total.shoe_enterprises > total.fashion_enterprises / 2  # 鞋类相关企业超过半数
        years = stats.by_year()
        assert years[0].key == str(vouchers.FIRST_YEAR)
        assert years[-1].key == str(timezone.localdate().year)

    def test_the_three_fashion_districts(self, demo):
        rows = {r.key: r for r in stats.voucher_stats("district").rows}
        #      district: (fashion firms more than, share at least, share of the amount ≈)
        seed = {LUCHENG: (100, 0.20, 0.10), RUIAN: (180, 0.10, 0.05), OUHAI: (300, 0.17, 0.08)}
        for district, (firms, share, amount) in seed.items():
            row = rows[district]
            assert row.fashion_enterprises > firms, district
            assert row.fashion_share >= share, district
            assert row.fashion_amount_share == pytest.approx(amount, abs=0.005), district
        top = sorted(rows.values(), key=lambda r: -r.fashion_enterprises)[:3]
        assert {r.key for r in top} == {LUCHENG, RUIAN, OUHAI}  # 主要分布在三地

    def test_the_public_api_says_the_same(self, demo, client):
        body = client.get("/api/v1/stats/vouchers", {"group_by": "district"}).json()
        total = stats.totals()
        assert body["total"]["enterprises"] == total.enterprises
        assert body["total"]["fashion_enterprises"] == total.fashion_enterprises
        lucheng = next(r for r in body["rows"] if r["key"] == LUCHENG)
        assert lucheng["label"] == "鹿城区" and lucheng["fashion_enterprises"] > 100

    def test_the_ledger_is_sound(self, demo):
        assert ledger.check() == []
        b = ledger.balances()
        assert b.balanced and b.spent > 0 and b.paid > 0
        assert stats.totals().redeemed_fen == b.spent


@pytest.mark.django_db
class TestLiveItems:
    def test_the_shoe_company_has_an_item_in_every_state(self, demo):
        company = Organization.objects.get(name=data.SHOE_COMPANY)
        year = timezone.localdate().year
        apps = Application.objects.filter(enterprise=company, programme__year=year)
        assert set(apps.values_list("status", flat=True)) == {
            ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED
        }  # fmt: skip
        active = Voucher.objects.filter(enterprise=company, status=VoucherStatus.ACTIVE)
        assert active.count() == 2 and active.filter(reserved_fen__gt=0).exists()
        uses = VoucherUse.objects.filter(voucher__enterprise=company)
        assert set(uses.values_list("status", flat=True)) == {
            UseStatus.RESERVED, UseStatus.CLAIMED, UseStatus.NOTICED, UseStatus.PAID
        }  # fmt: skip
        paid = Claim.objects.get(use__voucher__enterprise=company, use__status=UseStatus.PAID)
        assert paid.batch.status == BatchStatus.PAID
        assert Claim.objects.get(use__status=UseStatus.CLAIMED, use__voucher__enterprise=company)
        lab = Organization.objects.get(name=data.TEST_LAB)
        assert Enrolment.objects.filter(provider=lab, programme__year=year).count() == 4
        assert Enrolment.objects.filter(programme__year=year, status="pending").exists()

    def test_this_years_programmes_follow_yuhuan_rules(self, demo):
        programmes = Programme.objects.filter(year=timezone.localdate().year)
        assert programmes.count() == 4
        assert set(programmes.values_list("district_id", flat=True)) == {
            LUCHENG, OUHAI, RUIAN, None
        }  # fmt: skip
        for programme in programmes:
            rules = programme.rules()
            assert rules.voucher_part(1_600_000) == 1_300_000  # 10,000 + 50 % of 6,000
            assert rules.holding_cap_fen == 5_000_000 and rules.yearly_cap_fen == 10_000_000


@pytest.mark.django_db
def test_a_second_load_adds_nothing(demo):
    assert demo.vouchers.enterprises > 9_000 and demo.vouchers.ledger_rows > 40_000
    before = counts()
    again = data.load(scale=1)
    assert not again.vouchers and not again.created_anything
    assert counts() == before


@pytest.mark.django_db
class TestKpiPlans:
    """atelier.demo.kpi: seed 004's plan with its targets, on top of the voucher history."""

    def test_seed_004_plan_carries_its_targets(self, demo):
        from atelier.demo.kpi import OUHAI_PLAN
        from atelier.kpi.models import Plan, Target

        plan = Plan.objects.get(name=OUHAI_PLAN)
        assert (plan.start_year, plan.end_year, plan.district_id) == (2019, 2021, OUHAI)
        finals = dict(
            Target.objects.filter(row__plan=plan, year=2021).values_list(
                "row__indicator__code", "value"
            )
        )
        assert {k: float(v) for k, v in finals.items()} == {
            "market_share": 34, "output_growth": 21, "enterprises_total": 780,
            "leading_enterprises": 9, "hightech_enterprises": 10, "tech_smes": 90,
            "billion_enterprises": 10, "incubated": 400, "graduated": 150,
            "renovation_investment": 9.2, "enterprises_served": 600, "coverage": 70,
        }  # fmt: skip

    def test_signed_years_and_the_open_one(self, demo):
        from atelier.demo.kpi import OUHAI_PLAN
        from atelier.kpi import progress
        from atelier.kpi.models import Assessment, Plan, ReportedValue

        plan = Plan.objects.get(name=OUHAI_PLAN)
        signed = set(
            Assessment.objects.filter(plan=plan, status="signed").values_list("year", "line")
        )
        assert signed == {
            (2019, "government"), (2019, "operator"), (2020, "government"),
            (2020, "operator"), (2021, "operator"),
        }  # fmt: skip
        pending = ReportedValue.objects.get(row__plan=plan, status="submitted")
        assert (pending.year, pending.row.indicator.code) == (2021, "incubated")
        rows = {r.indicator.code: r for r in progress.plan_rows(plan, 2020)}
        assert rows["market_share"].frozen and rows["market_share"].actual == Decimal("32.8")
        # Served enterprises come from the imported voucher history (eyewear firms of 瓯海).
        assert rows["enterprises_served"].actual > 0
        assert rows["coverage"].actual > 0

    def test_the_live_plan_covers_this_year(self, demo):
        from atelier.demo.kpi import LUCHENG_PLAN
        from atelier.kpi import progress
        from atelier.kpi.models import Plan

        plan = Plan.objects.get(name=LUCHENG_PLAN)
        year = timezone.localdate().year
        assert plan.status == "active" and plan.start_year == year
        gauges = progress.cockpit_gauges(year, district=LUCHENG)
        assert {g["plan"] for g in gauges} == {LUCHENG_PLAN}
        assert len({g["status"] for g in gauges}) >= 2  # a mix, not all green

"""The demo's KPI plans (issue 7): seed 004's plan and a live provincial-style plan.

* **瓯海眼镜产业创新服务综合体 2019–2021** from the template PlanTemplate.OUHAI_2019: the
  targets of seed 004 (34 % market share, 21 % growth, 780 enterprises … 600 enterprises served,
  ≥ 70 % coverage), scoped to 瓯海区 and the eyewear cluster. Its reported indicators get yearly
  values with a PDF evidence and the pledge, approved by `reviewer_ouhai` — these figures are
  **illustrative demo values, not official statistics**. Served enterprises and coverage are
  computed from the voucher history that atelier.demo.vouchers imported. 2019 and 2020 are
  signed on both lines; in 2021 the operator line is signed and the government line waits on a
  reported value still under review.
* **鹿城鞋业产业创新服务综合体 (this year and the next two)** from the provincial template, all
  computed indicators, with targets set from the demo's own activity (so that the cockpit shows a
  mix of on-track, at-risk and behind).

Enterprises imported with the voucher history were created at load time; their registration is
moved back to their first voucher entry (when the old systems first knew them), so coverage in
past years has a denominator.

Idempotent: each plan is matched by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F, Min, OuterRef, Subquery
from django.utils import timezone

from atelier.core.models import Cluster, District
from atelier.kpi import actions, catalogue, progress
from atelier.kpi.models import Line, Plan, PlanTemplate
from atelier.orgs.models import Organization, OrgKind
from atelier.vouchers.models import LedgerEntry

from .vouchers import _pdf

OUHAI_PLAN = "瓯海眼镜产业创新服务综合体 2019–2021 年建设考核"
LUCHENG_PLAN = "鹿城鞋业产业创新服务综合体年度评价"

# Illustrative yearly values of the reported indicators (2019, 2020, 2021) — demo data only.
OUHAI_REPORTED = {
    "market_share": ("31.5", "32.8", "34.2"),
    "output_growth": ("18.6", "-3.2", "22.4"),
    "enterprises_total": ("262", "515", "790"),
    "leading_enterprises": ("3", "6", "9"),
    "hightech_enterprises": ("4", "7", "11"),
    "tech_smes": ("35", "62", "88"),
    "billion_enterprises": ("6", "8", "10"),
    "incubated": ("310", "365", "402"),
    "graduated": ("48", "97", "152"),
    "renovation_investment": ("3.10", "5.90", "9.35"),
}
PENDING_2021 = "incubated"  # reported but not yet reviewed: keeps 2021's government line open

# Final-year target of the provincial plan = this year's pace × factor (varied on purpose).
LUCHENG_FACTORS = {
    "resources_published": Decimal("1.10"),
    "institutions": Decimal("0.95"),
    "shared_instruments": Decimal("1.30"),
    "dockings_signed": Decimal("1.05"),
    "contract_amount": Decimal("0.90"),
    "test_reports": Decimal("1.60"),
    "enterprises_served": Decimal("1.15"),
    "coverage": Decimal("1.05"),
    "voucher_redeemed": Decimal("1.40"),
    "machine_hours": Decimal("0.85"),
    "response_hours": Decimal("1.20"),
}


@dataclass
class Counts:
    plans: int = 0
    reports: int = 0
    assessments: int = 0

    def __bool__(self) -> bool:
        return bool(self.plans)


def _backdate_imported_enterprises() -> int:
    first = (
        LedgerEntry.objects.filter(enterprise=OuterRef("pk"))
        .order_by()
        .values("enterprise")
        .annotate(first=Min("at"))
        .values("first")
    )
    return (
        Organization.objects.filter(kind=OrgKind.ENTERPRISE)
        .annotate(first=Subquery(first))
        .filter(first__lt=F("created_at"))
        .update(created_at=Subquery(first))
    )


def _evidence(code: str, year: int) -> SimpleUploadedFile:
    title = f"佐证材料（演示）{code} {year}"
    return SimpleUploadedFile(f"{code}-{year}.pdf", _pdf(title), "application/pdf")


class KpiLoader:
    def __init__(self, *, account: Callable):
        self.account = account
        self.counts = Counts()

    def run(self) -> Counts:
        operator = self.account("operator")
        if operator is None:
            return self.counts
        _backdate_imported_enterprises()
        if not Plan.objects.filter(name=OUHAI_PLAN).exists():
            self.ouhai(operator, self.account("reviewer_ouhai"))
        if not Plan.objects.filter(name=LUCHENG_PLAN).exists():
            self.lucheng(operator)
        return self.counts

    def ouhai(self, operator, reviewer) -> None:
        with transaction.atomic():
            plan = catalogue.instantiate(
                PlanTemplate.OUHAI_2019,
                actor=operator,
                name=OUHAI_PLAN,
                complex_name="瓯海眼镜产业创新服务综合体",
                start_year=2019,
                end_year=2021,
                district=District.objects.get(pk="330304"),
                cluster=Cluster.objects.get(pk="eyewear"),
            )
            actions.activate_plan(actor=operator, plan=plan)
            self.counts.plans += 1
            rows = {r.indicator.code: r for r in plan.rows.select_related("indicator")}
            for code, values in OUHAI_REPORTED.items():
                for year, value in zip(plan.years, values, strict=True):
                    report = actions.report_value(
                        actor=operator,
                        row=rows[code],
                        year=year,
                        value=value,
                        as_of=date(year, 12, 31),
                        note="据区统计局、区经信局年度统计汇总（演示数据）。",
                        pledge=True,
                        files=[_evidence(code, year)],
                    )
                    self.counts.reports += 1
                    if year == 2021 and code == PENDING_2021:
                        continue
                    actions.review_report(actor=reviewer, report=report, approve=True)
            for year in (2019, 2020):
                for line in Line.values:
                    self._sign(plan, year, line, reviewer)
            self._sign(plan, 2021, Line.OPERATOR, reviewer)
            assessment = actions.assessment_for(plan, 2021, Line.GOVERNMENT)
            actions.comment_assessment(
                actor=reviewer,
                assessment=assessment,
                comments="在孵企业数待区科技局复核后签署。",
            )

    def _sign(self, plan, year, line, reviewer) -> None:
        assessment = actions.assessment_for(plan, year, line)
        comments = {
            Line.GOVERNMENT: f"{year} 年度建设目标总体按进度推进。",
            Line.OPERATOR: f"{year} 年度运营任务考核。",
        }[line]
        actions.sign_assessment(actor=reviewer, assessment=assessment, comments=comments)
        self.counts.assessments += 1

    def lucheng(self, operator) -> None:
        this = timezone.localdate().year
        with transaction.atomic():
            plan = catalogue.instantiate(
                PlanTemplate.PROVINCIAL,
                actor=operator,
                name=LUCHENG_PLAN,
                complex_name="鹿城鞋业产业创新服务综合体",
                start_year=this,
                end_year=this + 2,
                district=District.objects.get(pk="330302"),
                cluster=Cluster.objects.get(pk="shoes"),
            )
            values = progress.Values(plan, this)
            share = progress.elapsed_share(this, timezone.localdate()) or Decimal(1)
            for row in plan.rows.select_related("indicator"):
                indicator = row.indicator
                actual = values.of_code(indicator.code) or Decimal(0)
                factor = LUCHENG_FACTORS[indicator.code]
                if indicator.aggregation == "flow" and indicator.direction == "higher":
                    first = actual / share * factor
                elif indicator.direction == "lower":
                    first = max(actual, Decimal(24)) * factor
                else:
                    first = actual * factor
                places = Decimal(1).scaleb(-indicator.decimals)
                first = max(first, Decimal(1)).quantize(places)
                growth = Decimal("1.15") if indicator.direction == "higher" else Decimal("0.9")
                if indicator.unit == "%":
                    growth = Decimal(1)
                targets = {
                    year: (first * growth**i).quantize(places) for i, year in enumerate(plan.years)
                }
                actions.set_row(
                    actor=operator,
                    plan=plan,
                    indicator=indicator,
                    line=row.line,
                    section=row.section,
                    responsible_unit=row.responsible_unit,
                    weight=row.weight,
                    rule=row.rule,
                    cap=row.cap,
                    bands=row.bands,
                    targets=targets,
                )
            actions.activate_plan(actor=operator, plan=plan)
            self.counts.plans += 1


def load(*, account: Callable) -> Counts:
    return KpiLoader(account=account).run()

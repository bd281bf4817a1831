"""Actual values, pro-rated targets and progress of a plan's indicators.

`plan_rows(plan, year)` is the one read used by the plan page, the assessment, the API, the
report files and the cockpit's gauges. A signed assessment's frozen Score rows win over live
values, so a signed year never changes under the assessor's signature.

Progress during the year: the pro-rated target is what the indicator should have reached by
today — for a yearly flow the target × the elapsed share of the year; for cumulative and stock
indicators the way from last year's target to this year's; rates are not pro-rated. On track
means at least the pro-rated target, at risk at least 90 % of it, behind below that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import computations, formulas, scoring
from .models import (
    Aggregation,
    Annotation,
    Assessment,
    AssessmentStatus,
    Direction,
    Indicator,
    Line,
    Plan,
    PlanIndicator,
    PlanStatus,
    ReportedValue,
    ReportStatus,
    Source,
)

AT_RISK_SHARE = Decimal("0.9")

STATUS_LABELS = {
    "on_track": _("进度正常"),
    "at_risk": _("存在风险"),
    "behind": _("进度滞后"),
    "no_target": _("未设目标"),
    "no_data": _("暂无数据"),
}


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


def year_start(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=_tz())


def elapsed_share(year: int, today: date) -> Decimal:
    if today.year < year:
        return Decimal(0)
    if today.year > year:
        return Decimal(1)
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    return (Decimal((today - date(year, 1, 1)).days + 1) / days).quantize(Decimal("0.0001"))


class Values:
    """Actual values of indicators for one plan and year, memoised (formulas reuse them)."""

    def __init__(self, plan: Plan, year: int, *, now: datetime | None = None):
        self.plan, self.year = plan, year
        self.now = now or timezone.now()
        self.rows = {r.indicator.code: r for r in plan.rows.select_related("indicator")}
        self._memo: dict[str, Decimal | None] = {}
        self._reported = self._load_reported()

    def _load_reported(self) -> dict[int, ReportedValue]:
        latest: dict[int, ReportedValue] = {}
        qs = ReportedValue.objects.filter(
            row__plan=self.plan, year=self.year, status=ReportStatus.APPROVED
        ).order_by("as_of", "reviewed_at", "id")
        for report in qs:
            latest[report.row_id] = report  # ordered ascending: the last one wins
        return latest

    def scope(self, indicator: Indicator) -> computations.Scope:
        end = min(year_start(self.year + 1), self.now)
        if indicator.aggregation == Aggregation.CUMULATIVE:
            start = year_start(self.plan.start_year)
        elif indicator.aggregation == Aggregation.STOCK:
            start = None
        else:
            start = year_start(self.year)
        return computations.Scope(
            start=start,
            end=end,
            district=self.plan.district_id,
            cluster=self.plan.cluster_id,
        )

    def reported(self, row: PlanIndicator) -> ReportedValue | None:
        return self._reported.get(row.id)

    def of_code(self, code: str) -> Decimal | None:
        if code in self._memo:
            return self._memo[code]
        self._memo[code] = None  # a cycle resolves to "no value" instead of recursing forever
        row = self.rows.get(code)
        indicator = row.indicator if row else Indicator.objects.filter(code=code).first()
        value = self.of_indicator(indicator, row) if indicator else None
        self._memo[code] = value
        return value

    def of_indicator(self, indicator: Indicator, row: PlanIndicator | None) -> Decimal | None:
        if self.year > timezone.localdate(self.now).year:
            return None
        if indicator.source == Source.COMPUTED:
            entry = computations.REGISTRY.get(indicator.computation)
            return entry.fn(self.scope(indicator)) if entry else None
        if indicator.source == Source.FORMULA:
            value = formulas.evaluate(indicator.formula, self.of_code)
            if value is None:
                return None
            return value.quantize(Decimal(1).scaleb(-indicator.decimals), ROUND_HALF_UP)
        report = self.reported(row) if row else None
        return report.value if report else None


@dataclass
class RowStatus:
    row: PlanIndicator
    target: Decimal | None
    prorated: Decimal | None
    actual: Decimal | None
    completion: Decimal | None
    points: Decimal
    status: str
    rule_text: str
    report: ReportedValue | None = None
    pending: int = 0
    frozen: bool = False
    score: object = None  # the Score row of the assessment, if any
    annotations: list = field(default_factory=list)

    @property
    def indicator(self) -> Indicator:
        return self.row.indicator

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def final_points(self) -> Decimal:
        if self.score is not None and self.score.adjusted is not None:
            return self.score.adjusted
        return self.points


def targets_of(plan: Plan) -> dict[tuple[int, int], Decimal]:
    from .models import Target

    return {(t.row_id, t.year): t.value for t in Target.objects.filter(row__plan=plan)}


def prorate(row: PlanIndicator, year: int, targets, today: date) -> Decimal | None:
    target = targets.get((row.id, year))
    if target is None:
        return None
    share = elapsed_share(year, today)
    aggregation = row.indicator.aggregation
    if row.indicator.direction == Direction.LOWER or aggregation == Aggregation.RATE:
        return target
    if aggregation == Aggregation.FLOW:
        value = target * share
    else:
        previous = targets.get((row.id, year - 1))
        if previous is None:
            previous = Decimal(0) if aggregation == Aggregation.CUMULATIVE else target
        value = previous + (target - previous) * share
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def judge(direction: str, actual, prorated) -> str:
    if prorated is None:
        return "no_target"
    if actual is None:
        return "no_data"
    if direction == Direction.LOWER:
        if actual <= prorated:
            return "on_track"
        return "at_risk" if actual * AT_RISK_SHARE <= prorated else "behind"
    if actual >= prorated:
        return "on_track"
    return "at_risk" if actual >= prorated * AT_RISK_SHARE else "behind"


def plan_rows(
    plan: Plan, year: int, *, line: str | None = None, now: datetime | None = None
) -> list[RowStatus]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    values = Values(plan, year, now=now)
    targets = targets_of(plan)
    rows = plan.rows.select_related("indicator").order_by("line", "position", "id")
    if line:
        rows = rows.filter(line=line)
    assessments = {
        a.line: a
        for a in Assessment.objects.filter(plan=plan, year=year).prefetch_related("scores")
    }
    pending: dict[int, int] = {}
    for row_id in ReportedValue.objects.filter(
        row__plan=plan, year=year, status=ReportStatus.SUBMITTED
    ).values_list("row_id", flat=True):
        pending[row_id] = pending.get(row_id, 0) + 1
    notes: dict[int, list] = {}
    for note in Annotation.objects.filter(row__plan=plan, year=year).select_related("author"):
        notes.setdefault(note.row_id, []).append(note)

    result = []
    for row in rows:
        assessment = assessments.get(row.line)
        score = None
        if assessment is not None:
            score = next((s for s in assessment.scores.all() if s.row_id == row.id), None)
        frozen = bool(assessment and assessment.status == AssessmentStatus.SIGNED and score)
        if frozen:
            target, actual = score.target, score.actual
            prorated = target
            points = score.rule_score or Decimal("0.00")
        else:
            target = targets.get((row.id, year))
            actual = values.of_code(row.indicator.code)
            prorated = prorate(row, year, targets, today)
            points = scoring.points(row, actual, target)
        result.append(
            RowStatus(
                row=row,
                target=target,
                prorated=prorated,
                actual=actual,
                completion=scoring.completion(actual, target, row.indicator.direction),
                points=points,
                status=judge(row.indicator.direction, actual, prorated),
                rule_text=scoring.rule_text(row),
                report=values.reported(row),
                pending=pending.get(row.id, 0),
                frozen=frozen,
                score=score,
                annotations=notes.get(row.id, []),
            )
        )
    return result


def line_total(rows: list[RowStatus]) -> tuple[Decimal, Decimal]:
    """(points earned, points possible) of a list of rows."""
    earned = sum((r.final_points for r in rows), Decimal("0.00"))
    possible = sum((Decimal(r.row.weight) for r in rows), Decimal("0.00"))
    return earned, possible


def plans_for(year: int, *, district: str | None = None, cluster: str | None = None):
    qs = Plan.objects.filter(
        status__in=[PlanStatus.ACTIVE, PlanStatus.CLOSED],
        start_year__lte=year,
        end_year__gte=year,
    )
    if district:
        qs = qs.filter(district_id__in=[district]) | qs.filter(district__isnull=True)
    if cluster:
        qs = qs.filter(cluster_id__in=[cluster]) | qs.filter(cluster__isnull=True)
    return qs.distinct().order_by("-start_year", "name")


def cockpit_gauges(
    year: int, *, district: str | None = None, cluster: str | None = None
) -> list[dict]:
    """Every indicator of the active plans covering `year` (optionally for a district/cluster),
    with actual, target, completion and status — the cockpit's KPI gauges."""
    gauges = []
    for plan in plans_for(year, district=district, cluster=cluster):
        for status in plan_rows(plan, year):
            gauges.append(
                {
                    "plan": plan.name,
                    "plan_id": plan.pk,
                    "line": status.row.line,
                    "line_label": str(Line(status.row.line).label),
                    "code": status.indicator.code,
                    "name": status.indicator.name,
                    "unit": status.indicator.unit,
                    "actual": status.actual,
                    "target": status.target,
                    "prorated": status.prorated,
                    "ratio": float(status.completion) if status.completion is not None else None,
                    "status": status.status,
                    "status_label": str(status.status_label),
                }
            )
    return gauges

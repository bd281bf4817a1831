"""KPI plans over the API (DESIGN.md §4): `GET /kpi/plans` and `GET /kpi/plans/{id}` with
indicators, yearly targets, actuals and scores. Same scoping as the pages: operator, government
reviewers, finance, auditors and sysadmins. Numbers are decimal strings (never floats)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Router, Schema

from atelier.api import error

from . import progress
from .models import Assessment, Line, Plan
from .permissions import can_view_plans

router = Router(tags=["kpi"])


class PlanBrief(Schema):
    id: int
    name: str
    complex_name: str
    start_year: int
    end_year: int
    status: str
    status_label: str
    template: str
    district: str | None
    cluster: str | None
    indicators: int


class YearValue(Schema):
    year: int
    target: str | None
    actual: str | None
    completion: str | None
    points: str | None
    status: str
    frozen: bool


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    source: str
    direction: str
    aggregation: str
    line: str
    line_label: str
    section: str
    responsible_unit: str
    weight: str
    rule: str
    rule_text: str
    years: list[YearValue]


class LineScore(Schema):
    year: int
    line: str
    line_label: str
    points: str
    possible: str
    status: str
    signed_at: str | None


class PlanOut(PlanBrief):
    source_note: str
    years: list[int]
    indicators_detail: list[IndicatorOut]
    scores: list[LineScore]


def _num(value) -> str | None:
    return None if value is None else format(value.normalize(), "f") if value else "0"


def _brief(plan: Plan) -> dict:
    return {
        "id": plan.pk,
        "name": plan.name,
        "complex_name": plan.complex_name,
        "start_year": plan.start_year,
        "end_year": plan.end_year,
        "status": plan.status,
        "status_label": plan.get_status_display(),
        "template": plan.template,
        "district": plan.district_id,
        "cluster": plan.cluster_id,
        "indicators": getattr(plan, "n_rows", None) or plan.rows.count(),
    }


def _require(request):
    if not can_view_plans(request.user):
        raise PermissionDenied(_("只有运营方、主管部门、财政、审计和系统管理员可以查看考核方案。"))


@router.get("/kpi/plans", response=list[PlanBrief], summary="考核方案列表")
def plan_list(request):
    _require(request)
    return [_brief(p) for p in Plan.objects.visible_to(request.user)]


@router.get("/kpi/plans/{plan_id}", response={200: PlanOut, 404: dict}, summary="考核方案详情")
def plan_detail(request, plan_id: int):
    """Every indicator with its yearly target, actual (live, or frozen once the year's
    assessment is signed), completion, points and progress status; and the score of each line
    per year."""
    _require(request)
    plan = Plan.objects.visible_to(request.user).filter(pk=plan_id).first()
    if plan is None:
        return error(request, _("考核方案不存在。"), "not_found", 404)
    by_row: dict[int, dict] = {}
    scores = []
    signed = {(a.year, a.line): a for a in Assessment.objects.filter(plan=plan)}
    for year in plan.years:
        rows = progress.plan_rows(plan, year)
        for line in Line.values:
            line_rows = [r for r in rows if r.row.line == line]
            if not line_rows:
                continue
            earned, possible = progress.line_total(line_rows)
            assessment = signed.get((year, line))
            scores.append(
                {
                    "year": year,
                    "line": line,
                    "line_label": str(Line(line).label),
                    "points": _num(earned),
                    "possible": _num(possible),
                    "status": assessment.status if assessment else "open",
                    "signed_at": assessment.signed_at.isoformat()
                    if assessment and assessment.signed_at
                    else None,
                }
            )
        for status in rows:
            row = status.row
            entry = by_row.setdefault(
                row.pk,
                {
                    "code": row.indicator.code,
                    "name": row.indicator.name,
                    "unit": row.indicator.unit,
                    "source": row.indicator.source,
                    "direction": row.indicator.direction,
                    "aggregation": row.indicator.aggregation,
                    "line": row.line,
                    "line_label": str(Line(row.line).label),
                    "section": row.section,
                    "responsible_unit": row.responsible_unit,
                    "weight": _num(row.weight),
                    "rule": row.rule,
                    "rule_text": status.rule_text,
                    "years": [],
                },
            )
            entry["years"].append(
                {
                    "year": year,
                    "target": _num(status.target),
                    "actual": _num(status.actual),
                    "completion": _num(status.completion),
                    "points": _num(status.final_points),
                    "status": status.status,
                    "frozen": status.frozen,
                }
            )
    return {
        **_brief(plan),
        "source_note": plan.source_note,
        "years": plan.years,
        "indicators_detail": list(by_row.values()),
        "scores": scores,
    }

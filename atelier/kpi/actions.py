"""Every write to indicators, plans, reported values and assessments goes through here.

One use case = one keyword-only function, one transaction, its audit row (and status-history row
where a workflow moves) and its on-commit notifications. Bad input raises an ActionError (or
NotAllowed) with a Chinese reason before anything is written.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atelier.accounts.models import Role, User
from atelier.core import audit
from atelier.core.errors import ActionError, Conflict, NotAllowed
from atelier.core.notify import notify, platform_language
from atelier.core.uploads import validate_document
from atelier.core.workflow import Transition, Workflow

from . import computations, formulas, progress, scoring
from .models import (
    PLEDGE_TEXT,
    Aggregation,
    Annotation,
    Assessment,
    AssessmentStatus,
    Direction,
    Evidence,
    Indicator,
    Line,
    Plan,
    PlanIndicator,
    PlanStatus,
    PlanTemplate,
    ReportedValue,
    ReportStatus,
    RuleKind,
    Score,
    Source,
    Target,
)
from .permissions import (
    why_not_annotate,
    why_not_assess,
    why_not_define_indicator,
    why_not_edit_plan,
    why_not_report,
    why_not_review,
)

P, R, A = PlanStatus, ReportStatus, AssessmentStatus
PLAN_FLOW = Workflow(
    Plan,
    [
        Transition("activate", (P.DRAFT,), P.ACTIVE, gettext_lazy("启用考核方案")),
        Transition("close", (P.ACTIVE,), P.CLOSED, gettext_lazy("结束考核方案")),
    ],
)
REPORT_FLOW = Workflow(
    ReportedValue,
    [
        Transition("approve", (R.SUBMITTED,), R.APPROVED, gettext_lazy("采纳填报值")),
        Transition("reject", (R.SUBMITTED,), R.REJECTED, gettext_lazy("退回填报值"), True),
    ],
)
ASSESSMENT_FLOW = Workflow(
    Assessment,
    [
        Transition("sign", (A.OPEN,), A.SIGNED, gettext_lazy("签署年度考核")),
        Transition("reopen", (A.SIGNED,), A.OPEN, gettext_lazy("重新打开考核"), True),
    ],
)
audit.register_verbs(
    {
        "indicator.define": gettext_lazy("定义指标"),
        "plan.create": gettext_lazy("新建考核方案"),
        "plan.row": gettext_lazy("设置分解指标"),
        "plan.row_remove": gettext_lazy("移除分解指标"),
        "report.submit": gettext_lazy("填报指标值"),
        "annotation.add": gettext_lazy("为指标添加说明"),
        "score.update": gettext_lazy("评分与评语"),
        "assessment.comment": gettext_lazy("考核总体评价"),
    }
)

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def _is_operator(actor) -> bool:
    return actor.is_superuser or actor.role in (Role.OPERATOR, Role.SYSADMIN)


def _refuse(reason: str | None) -> None:
    if reason:
        raise NotAllowed(reason)


def to_decimal(value, *, label: str) -> Decimal:
    """A number typed by a person ("1,234.5", "１２", " 70 ") → Decimal, or a clear error."""
    if isinstance(value, Decimal):
        return value
    text = str(value if value is not None else "").strip().replace(",", "").replace("，", "")
    text = text.translate(str.maketrans("０１２３４５６７８９．－", "0123456789.-"))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ActionError(
            _("「%(label)s」不是有效的数字：%(value)s") % {"label": label, "value": value},
            code="bad_number",
        ) from None
    if not number.is_finite():
        raise ActionError(_("「%(label)s」不是有效的数字。") % {"label": label}, code="bad_number")
    return number


# --- Indicators -------------------------------------------------------------------------------


def define_indicator(
    *,
    actor,
    code: str,
    name: str,
    unit: str,
    source: str,
    direction: str = Direction.HIGHER,
    aggregation: str = Aggregation.FLOW,
    computation: str = "",
    formula: str = "",
    min_value=None,
    max_value=None,
    decimals: int = 0,
    description: str = "",
) -> Indicator:
    _refuse(why_not_define_indicator(actor))
    code = (code or "").strip().lower()
    if not CODE_RE.match(code):
        raise ActionError(
            _("指标代码须以小写字母开头，只含小写字母、数字和下划线（2–40 位）。"),
            code="bad_code",
        )
    if Indicator.objects.filter(code=code).exists():
        raise Conflict(_("指标代码「%(code)s」已存在。") % {"code": code})
    name, unit = (name or "").strip(), (unit or "").strip()
    if not name or not unit:
        raise ActionError(_("指标名称和单位必填。"), code="required")
    if source not in Source.values or direction not in Direction.values:
        raise ActionError(_("数据来源或方向无效。"), code="bad_choice")
    if aggregation not in Aggregation.values:
        raise ActionError(_("汇总方式无效。"), code="bad_choice")
    if source == Source.COMPUTED and computation not in computations.REGISTRY:
        raise ActionError(_("自动计算的指标须选择一个平台计算函数。"), code="unknown_computation")
    if source == Source.FORMULA:
        known = Indicator.objects.values_list("code", flat=True)
        formulas.check(formula, known, own_code=code, depends=_formula_deps)
    low = to_decimal(min_value, label=_("取值下限")) if min_value not in (None, "") else None
    high = to_decimal(max_value, label=_("取值上限")) if max_value not in (None, "") else None
    if low is not None and high is not None and low > high:
        raise ActionError(_("取值下限不能大于上限。"), code="bad_range")
    indicator = Indicator.objects.create(
        code=code,
        name=name,
        unit=unit,
        source=source,
        direction=direction,
        aggregation=aggregation,
        computation=computation if source == Source.COMPUTED else "",
        formula=formula.strip() if source == Source.FORMULA else "",
        min_value=low,
        max_value=high,
        decimals=max(0, min(int(decimals or 0), 4)),
        description=(description or "").strip(),
    )
    audit.record(actor=actor, verb="indicator.define", obj=indicator)
    return indicator


def _formula_deps(code: str) -> set[str]:
    formula = Indicator.objects.filter(code=code, source=Source.FORMULA).values_list(
        "formula", flat=True
    )
    return formulas.names(formula[0]) if formula else set()


# --- Plans ------------------------------------------------------------------------------------


def create_plan(
    *,
    actor,
    name: str,
    complex_name: str,
    start_year: int,
    end_year: int,
    district=None,
    cluster=None,
    template: str = PlanTemplate.CUSTOM,
    source_note: str = "",
) -> Plan:
    if actor is not None and not _is_operator(actor):
        raise NotAllowed(_("只有运营方可以编制考核方案。"))
    name, complex_name = (name or "").strip(), (complex_name or "").strip()
    if not name or not complex_name:
        raise ActionError(_("方案名称和综合体名称必填。"), code="required")
    try:
        start_year, end_year = int(start_year), int(end_year)
    except (TypeError, ValueError):
        raise ActionError(_("起止年度须为四位年份。"), code="bad_year") from None
    if not (2000 <= start_year <= end_year <= 2100) or end_year - start_year > 9:
        raise ActionError(
            _("起止年度须在 2000–2100 之间、结束不早于开始，且不超过 10 年。"),
            code="bad_year",
        )
    plan = Plan.objects.create(
        name=name,
        complex_name=complex_name,
        start_year=start_year,
        end_year=end_year,
        district=district,
        cluster=cluster,
        template=template,
        source_note=source_note,
        created_by=actor,
    )
    audit.record(actor=actor, verb="plan.create", obj=plan)
    return plan


def set_row(
    *,
    actor,
    plan: Plan,
    indicator: Indicator,
    line: str,
    targets: dict[int, object],
    weight=Decimal("10"),
    rule: str = RuleKind.LINEAR,
    cap=Decimal("1.00"),
    bands=None,
    section: str = "",
    responsible_unit: str = "",
    position: int | None = None,
) -> PlanIndicator:
    """Add an indicator to a draft plan, or change its row: line, weight, rule and targets."""
    if actor is not None:
        _refuse(why_not_edit_plan(actor, plan))
    elif plan.status != PlanStatus.DRAFT:
        raise NotAllowed(_("方案已启用，指标、目标和计分规则不能再修改；如需调整请新建方案。"))
    if line not in Line.values:
        raise ActionError(_("请选择考核条线。"), code="bad_line")
    if rule not in RuleKind.values:
        raise ActionError(_("计分规则无效。"), code="bad_rule")
    weight = to_decimal(weight, label=_("分值"))
    cap = to_decimal(cap, label=_("完成率封顶"))
    if weight < 0 or weight > 100:
        raise ActionError(_("分值须在 0–100 之间。"), code="bad_weight")
    if not (Decimal("0.1") <= cap <= 2):
        raise ActionError(_("完成率封顶须在 10%–200% 之间。"), code="bad_cap")
    bands = bands or []
    if rule == RuleKind.THRESHOLDS:
        bands = [[str(r), str(s)] for r, s in scoring.clean_bands(bands)]
    clean_targets, clear = {}, set()
    for year, value in (targets or {}).items():
        year = int(year)
        if year not in plan.years:
            raise ActionError(
                _("%(year)s 年不在方案年度（%(a)s–%(b)s）内。")
                % {"year": year, "a": plan.start_year, "b": plan.end_year},
                code="bad_year",
            )
        if value is None or str(value).strip() == "":
            clear.add(year)
            continue
        number = to_decimal(value, label=_("%(year)s 年目标值") % {"year": year})
        _check_range(indicator, number)
        clean_targets[year] = number
    with transaction.atomic():
        row, created = PlanIndicator.objects.get_or_create(
            plan=plan,
            indicator=indicator,
            defaults={"line": line, "position": position or plan.rows.count() + 1},
        )
        before = audit.snapshot(row, ["line", "weight", "rule", "cap", "bands"])
        row.line, row.weight, row.rule, row.cap, row.bands = line, weight, rule, cap, bands
        row.section, row.responsible_unit = section.strip(), responsible_unit.strip()
        if position is not None:
            row.position = position
        row.save()
        for year, value in clean_targets.items():
            Target.objects.update_or_create(row=row, year=year, defaults={"value": value})
        if clear:  # an emptied field removes that year's target of the draft
            row.targets.filter(year__in=clear).delete()
        after = audit.snapshot(row, ["line", "weight", "rule", "cap", "bands"])
        changes = audit.diff(before, after) if not created else after
        changes["targets"] = {str(y): str(v) for y, v in clean_targets.items()}
        changes["targets"].update({str(y): None for y in clear})
        audit.record(actor=actor, verb="plan.row", obj=row, changes=changes)
    return row


def remove_row(*, actor, row: PlanIndicator) -> None:
    _refuse(why_not_edit_plan(actor, row.plan))
    with transaction.atomic():
        audit.record(actor=actor, verb="plan.row_remove", obj=row.plan, note=row.indicator.code)
        row.delete()


def activate_plan(*, actor, plan: Plan) -> Plan:
    if actor is not None and not _is_operator(actor):
        raise NotAllowed(_("只有运营方可以启用考核方案。"))
    rows = list(plan.rows.select_related("indicator"))
    if not rows:
        raise ActionError(_("方案还没有任何指标，不能启用。"), code="empty_plan")
    have = set(Target.objects.filter(row__plan=plan).values_list("row_id", "year"))
    missing = [r.indicator.name for r in rows if not all((r.id, y) in have for y in plan.years)]
    if missing:
        raise ActionError(
            _("以下指标缺少部分年度的目标值：%(names)s") % {"names": "、".join(missing)},
            code="missing_targets",
        )
    with transaction.atomic():
        PLAN_FLOW.apply(plan, "activate", actor=actor)
    return plan


def close_plan(*, actor, plan: Plan, reason: str = "") -> Plan:
    if not _is_operator(actor):
        raise NotAllowed(_("只有运营方可以结束考核方案。"))
    with transaction.atomic():
        PLAN_FLOW.apply(plan, "close", actor=actor, reason=reason)
    return plan


def _check_range(indicator: Indicator, value: Decimal) -> None:
    low, high = indicator.min_value, indicator.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = "–".join("" if b is None else format(b.normalize(), "f") for b in (low, high))
        raise ActionError(
            _("「%(name)s」的取值须在 %(bounds)s %(unit)s 之间，填写的是 %(value)s。")
            % {
                "name": indicator.name,
                "bounds": bounds,
                "unit": indicator.unit,
                "value": format(value.normalize(), "f"),
            },
            code="out_of_range",
        )


# --- Reported values --------------------------------------------------------------------------


def period_closed(row: PlanIndicator, year: int) -> bool:
    return Assessment.objects.filter(
        plan_id=row.plan_id, year=year, line=row.line, status=AssessmentStatus.SIGNED
    ).exists()


def report_value(
    *,
    actor,
    row: PlanIndicator,
    year: int,
    value,
    as_of: date | None = None,
    note: str = "",
    pledge: bool = False,
    files=(),
) -> ReportedValue:
    plan = row.plan
    _refuse(why_not_report(actor, plan))
    indicator = row.indicator
    if indicator.source != Source.REPORTED:
        raise ActionError(
            _("「%(name)s」由平台自动计算，不能手工填报或覆盖，只能添加说明。")
            % {"name": indicator.name},
            code="computed_indicator",
        )
    year = int(year)
    if year not in plan.years:
        raise ActionError(_("%(year)s 年不在方案年度内。") % {"year": year}, code="bad_year")
    today = timezone.localdate()
    as_of = as_of or min(today, date(year, 12, 31))
    if as_of.year != year or as_of > today:
        raise ActionError(
            _("数据截至日期须在 %(year)s 年内且不晚于今天。") % {"year": year}, code="bad_date"
        )
    if period_closed(row, year):
        raise ActionError(
            _("%(year)s 年度「%(line)s」考核已签署，该期间已关闭，不能再填报。")
            % {"year": year, "line": Line(row.line).label},
            code="period_closed",
        )
    number = to_decimal(value, label=indicator.name)
    _check_range(indicator, number)
    if not pledge:
        raise ActionError(_("请勾选数据真实性承诺。"), code="pledge_required")
    files = [f for f in files if f]
    if not files:
        raise ActionError(_("填报值必须附佐证材料（PDF 或图片）。"), code="evidence_required")
    checked = []
    for upload in files:
        try:
            kind = validate_document(upload)
        except ValidationError as exc:
            raise ActionError(
                f"{upload.name}：{' '.join(exc.messages)}", code="bad_evidence"
            ) from exc
        upload.seek(0)
        digest = hashlib.sha256(upload.read()).hexdigest()
        upload.seek(0)
        checked.append((upload, kind, digest))
    with transaction.atomic():
        report = ReportedValue.objects.create(
            row=row,
            year=year,
            as_of=as_of,
            value=number,
            note=(note or "").strip(),
            pledge=str(PLEDGE_TEXT),
            submitted_by=actor,
        )
        for upload, kind, digest in checked:
            evidence = Evidence(
                report=report,
                name=upload.name[-200:],
                kind=kind,
                size=upload.size,
                sha256=digest,
            )
            evidence.file.save(upload.name[-80:], upload, save=False)
            evidence.save()
        audit.record(
            actor=actor,
            verb="report.submit",
            obj=report,
            changes={"value": str(number), "year": year, "as_of": as_of.isoformat()},
        )
        reviewers = User.objects.filter(role=Role.REVIEWER, is_active=True)
        if plan.district_id:
            reviewers = reviewers.filter(district_id=plan.district_id)
        with platform_language():
            notify(
                reviewers.exclude(pk=actor.pk),
                title=_("待审核：%(name)s %(year)s 年填报值")
                % {"name": indicator.name, "year": year},
                body=_("%(plan)s · 填报值 %(value)s %(unit)s")
                % {"plan": plan.name, "value": number, "unit": indicator.unit},
                url=reverse("kpi:reports"),
            )
    return report


def review_report(
    *, actor, report: ReportedValue, approve: bool, reason: str = ""
) -> ReportedValue:
    _refuse(why_not_review(actor, report))
    if approve and period_closed(report.row, report.year):
        raise ActionError(_("该年度考核已签署，期间已关闭。"), code="period_closed")
    with transaction.atomic():
        REPORT_FLOW.apply(
            report,
            "approve" if approve else "reject",
            actor=actor,
            reason=reason,
            updates={"reviewed_by": actor, "reviewed_at": timezone.now()},
        )
        with platform_language():
            notify(
                [report.submitted_by],
                title=(_("填报值已采纳：%(name)s") if approve else _("填报值被退回：%(name)s"))
                % {"name": report.row.indicator.name},
                body=reason,
                url=reverse("kpi:plan", args=[report.row.plan_id]) + f"?year={report.year}",
            )
    return report


def annotate(*, actor, row: PlanIndicator, year: int, text: str) -> Annotation:
    _refuse(why_not_annotate(actor, row.plan))
    text = (text or "").strip()
    if not text:
        raise ActionError(_("说明不能为空。"), code="required")
    if len(text) > 2000:
        raise ActionError(_("说明不超过 2000 字。"), code="too_long")
    if int(year) not in row.plan.years:
        raise ActionError(_("%(year)s 年不在方案年度内。") % {"year": year}, code="bad_year")
    with transaction.atomic():
        note = Annotation.objects.create(row=row, year=int(year), text=text, author=actor)
        audit.record(actor=actor, verb="annotation.add", obj=row, note=text[:200])
    return note


# --- Assessments ------------------------------------------------------------------------------


def assessment_for(plan: Plan, year: int, line: str) -> Assessment:
    """The (plan, year, line) assessment, created open on first use."""
    if int(year) not in plan.years:
        raise ActionError(_("%(year)s 年不在方案年度内。") % {"year": year}, code="bad_year")
    if line not in Line.values:
        raise ActionError(_("考核条线无效。"), code="bad_line")
    assessment, _created = Assessment.objects.get_or_create(plan=plan, year=int(year), line=line)
    return assessment


def _editable(actor, assessment: Assessment) -> None:
    _refuse(why_not_assess(actor, assessment))
    if assessment.status == AssessmentStatus.SIGNED:
        raise ActionError(
            _("考核已签署，评分不能再修改；如需更正，请先重新打开并说明原因。"),
            code="signed",
        )


def score_update(
    *,
    actor,
    assessment: Assessment,
    row: PlanIndicator,
    comment: str = "",
    adjusted=None,
    adjust_reason: str = "",
) -> Score:
    _editable(actor, assessment)
    if row.plan_id != assessment.plan_id or row.line != assessment.line:
        raise ActionError(_("该指标不属于本条线的考核。"), code="bad_row")
    value = None
    if adjusted not in (None, ""):
        value = to_decimal(adjusted, label=_("调整后得分"))
        if not (0 <= value <= Decimal(row.weight)):
            raise ActionError(
                _("调整后得分须在 0 到该指标分值（%(w)s）之间。") % {"w": row.weight},
                code="bad_score",
            )
        if not (adjust_reason or "").strip():
            raise ActionError(_("调整得分必须说明理由。"), code="reason_required")
    with transaction.atomic():
        score, _created = Score.objects.get_or_create(assessment=assessment, row=row)
        before = audit.snapshot(score, ["adjusted", "adjust_reason", "comment"])
        score.comment = (comment or "").strip()
        score.adjusted = value
        score.adjust_reason = (adjust_reason or "").strip() if value is not None else ""
        score.updated_by, score.updated_at = actor, timezone.now()
        score.save()
        after = audit.snapshot(score, ["adjusted", "adjust_reason", "comment"])
        audit.record(
            actor=actor, verb="score.update", obj=assessment, changes=audit.diff(before, after)
        )
    return score


def comment_assessment(*, actor, assessment: Assessment, comments: str) -> Assessment:
    _editable(actor, assessment)
    with transaction.atomic():
        before = assessment.comments
        assessment.comments = (comments or "").strip()
        assessment.save(update_fields=["comments"])
        audit.record(
            actor=actor,
            verb="assessment.comment",
            obj=assessment,
            changes={"comments": [before, assessment.comments]},
        )
    return assessment


def sign_assessment(*, actor, assessment: Assessment, comments: str | None = None) -> Assessment:
    """Freeze actuals, targets and scores of the line's indicators and sign."""
    _editable(actor, assessment)
    plan = assessment.plan
    if assessment.year > timezone.localdate().year:
        raise ActionError(_("考核年度尚未开始，不能签署。"), code="future_year")
    pending = ReportedValue.objects.filter(
        row__plan=plan, row__line=assessment.line, year=assessment.year, status=R.SUBMITTED
    ).count()
    if pending:
        raise ActionError(
            _("还有 %(n)s 条填报值待审核，请先审核再签署。") % {"n": pending},
            code="pending_reports",
        )
    rows = progress.plan_rows(plan, assessment.year, line=assessment.line)
    if not rows:
        raise ActionError(_("该条线没有考核指标。"), code="empty_line")
    with transaction.atomic():
        total = Decimal("0.00")
        for status in rows:
            score, _created = Score.objects.get_or_create(assessment=assessment, row=status.row)
            score.actual, score.target = status.actual, status.target
            score.rule_score = status.points
            score.save(update_fields=["actual", "target", "rule_score"])
            total += score.adjusted if score.adjusted is not None else status.points
        updates = {"signed_by": actor, "signed_at": timezone.now(), "total": total}
        if comments is not None:
            updates["comments"] = comments.strip()
        ASSESSMENT_FLOW.apply(assessment, "sign", actor=actor, updates=updates)
    return assessment


def reopen_assessment(*, actor, assessment: Assessment, reason: str) -> Assessment:
    _refuse(why_not_assess(actor, assessment))
    with transaction.atomic():
        ASSESSMENT_FLOW.apply(
            assessment,
            "reopen",
            actor=actor,
            reason=reason,
            updates={"signed_by": None, "signed_at": None, "total": None},
        )
    return assessment

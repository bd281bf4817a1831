"""Pages of the KPI plans (考核方案): the plan list and the 指标分解表 editor, the plan page with
progress per year and line, reporting a value with evidence and the pledge, the review queue,
the two-line annual assessment and the indicator catalogue.

Thin views: every read goes through `Plan.objects.visible_to(user)` and `progress`, every write
through `actions`. A refusal (NotAllowed) answers 403 with its Chinese reason; any other action
error is shown on the page and changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atelier.accounts.models import Role
from atelier.core.errors import ActionError, NotAllowed
from atelier.core.forms import apply_error
from atelier.core.workflow import history

from . import actions, catalogue, computations, permissions, progress
from .forms import (
    AnnotationForm,
    CommentsForm,
    IndicatorForm,
    PlanForm,
    ReasonForm,
    ReportForm,
    ReviewForm,
    RowForm,
    ScoreForm,
)
from .models import (
    PLEDGE_TEXT,
    Assessment,
    AssessmentStatus,
    Indicator,
    Line,
    Plan,
    PlanIndicator,
    PlanStatus,
    PlanTemplate,
    ReportedValue,
    ReportStatus,
    Source,
    Target,
)

# Which form field an action's error belongs to (by its code); the rest go on top of the form.
REPORT_FIELDS = {
    "bad_number": "value",
    "out_of_range": "value",
    "bad_date": "as_of",
    "pledge_required": "pledge",
    "evidence_required": "evidence",
    "bad_evidence": "evidence",
}
INDICATOR_FIELDS = {
    "bad_code": "code",
    "conflict": "code",
    "bad_formula": "formula",
    "unknown_computation": "computation",
    "bad_range": "min_value",
    "bad_number": None,
}
PLAN_FIELDS = {"bad_year": "start_year", "required": "name"}
ROW_FIELDS = {"bad_weight": "weight", "bad_cap": "cap", "bad_bands": "bands", "bad_line": "line"}


def error_text(exc: Exception) -> str:
    if isinstance(exc, ActionError):
        return exc.message
    return "；".join(getattr(exc, "messages", [str(exc)]))


def _put_error(form, exc: ActionError, fields: dict) -> None:
    name = fields.get(exc.code)
    if name and name in form.fields:
        form.add_error(name, exc.message)
    else:
        apply_error(form, exc)


def _require_viewer(user) -> None:
    if not permissions.can_view_plans(user):
        raise PermissionDenied(_("考核方案只对运营方、主管部门、财政、审计和系统管理员开放。"))


def _is_planner(user) -> bool:
    return permissions.why_not_define_indicator(user) is None


def get_plan_for_user(user, pk: int) -> Plan:
    _require_viewer(user)
    return get_object_or_404(
        Plan.objects.visible_to(user).select_related("district", "cluster"), pk=pk
    )


def get_row_for_user(user, pk: int) -> PlanIndicator:
    _require_viewer(user)
    return get_object_or_404(
        PlanIndicator.objects.select_related("plan", "indicator").filter(
            plan__in=Plan.objects.visible_to(user)
        ),
        pk=pk,
    )


def _refused(exc: NotAllowed):
    return PermissionDenied(exc.message)


def default_year(plan: Plan) -> int:
    """The current year if the plan covers it, else the nearest plan year."""
    return min(max(timezone.localdate().year, plan.start_year), plan.end_year)


def _plan_year(plan: Plan, raw) -> int:
    if raw in (None, ""):
        return default_year(plan)
    try:
        year = int(raw)
    except (TypeError, ValueError):
        raise Http404 from None
    if year not in plan.years:
        raise Http404
    return year


def plan_url(plan_id: int, year: int | None = None, anchor: str = "") -> str:
    url = reverse("kpi:plan", args=[plan_id])
    if year:
        url += f"?year={year}"
    return url + (f"#{anchor}" if anchor else "")


# ---------------------------------------------------------------- plans


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_viewer(user)
    plans = list(
        Plan.objects.visible_to(user)
        .select_related("district", "cluster")
        .annotate(n_rows=Count("rows", distinct=True))
    )
    order = {PlanStatus.ACTIVE: 0, PlanStatus.DRAFT: 1, PlanStatus.CLOSED: 2}
    plans.sort(key=lambda p: (order.get(p.status, 3), -p.start_year, p.name))
    pending = dict(
        ReportedValue.objects.filter(
            row__plan__in=[p.pk for p in plans], status=ReportStatus.SUBMITTED
        )
        .values_list("row__plan")
        .annotate(n=Count("id"))
    )
    for plan in plans:
        plan.pending = pending.get(plan.pk, 0)
    ctx = {"plans": plans, "can_create": _is_planner(user), "this_year": timezone.localdate().year}
    return render(request, "kpi/plan_list.html", ctx)


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_viewer(user)
    if not _is_planner(user):
        raise PermissionDenied(_("只有运营方可以编制考核方案。"))
    year = timezone.localdate().year
    form = PlanForm(request.POST or None, initial={"start_year": year, "end_year": year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {
            "actor": user,
            "name": data["name"],
            "complex_name": data["complex_name"],
            "start_year": data["start_year"],
            "end_year": data["end_year"],
            "district": data["district"],
            "cluster": data["cluster"],
        }
        try:
            if data["template"] == PlanTemplate.CUSTOM:
                plan = actions.create_plan(**common)
            else:
                targets = form.targets() if data["template"] == PlanTemplate.PROVINCIAL else {}
                plan = catalogue.instantiate(data["template"], targets=targets, **common)
        except NotAllowed as exc:
            raise _refused(exc) from exc
        except (ActionError, ValidationError) as exc:
            if isinstance(exc, ActionError):
                _put_error(form, exc, PLAN_FIELDS)
            else:
                apply_error(form, exc)
        else:
            messages.success(
                request,
                _("方案已创建（编制中）。请核对指标、分值和各年度目标，然后启用。"),
            )
            return redirect("kpi:plan_edit", plan.pk)
    status = 400 if form.errors else 200
    return render(request, "kpi/plan_new.html", {"form": form}, status=status)


def _edit_context(plan: Plan, *, bound: RowForm | None = None, add_form: RowForm | None = None):
    rows = list(
        plan.rows.select_related("indicator")
        .prefetch_related("targets")
        .order_by("line", "position", "id")
    )
    for row in rows:
        if bound is not None and bound.row is not None and bound.row.pk == row.pk:
            row.form = bound
        else:
            row.form = RowForm(plan=plan, row=row)
    lines = []
    for line in Line:
        line_rows = [r for r in rows if r.line == line]
        weight = sum((r.weight for r in line_rows), Decimal(0))
        lines.append({"line": line, "label": line.label, "rows": line_rows, "weight": weight})
    have = set(Target.objects.filter(row__plan=plan).values_list("row_id", "year"))
    missing = [r for r in rows if not all((r.pk, y) in have for y in plan.years)]
    return {
        "plan": plan,
        "lines": lines,
        "rows": rows,
        "missing": missing,
        "add_form": add_form
        or RowForm(plan=plan, add=True, exclude=[r.indicator_id for r in rows]),
        "years": plan.years,
    }


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    if reason := permissions.why_not_edit_plan(request.user, plan):
        raise PermissionDenied(reason)
    if request.method != "POST":
        return render(request, "kpi/plan_edit.html", _edit_context(plan))
    adding = request.POST.get("op") == "add"
    if adding:
        existing = plan.rows.values_list("indicator_id", flat=True)
        form = RowForm(request.POST, plan=plan, add=True, exclude=list(existing))
    else:
        row = get_object_or_404(plan.rows.select_related("indicator"), pk=request.POST.get("row"))
        form = RowForm(request.POST, plan=plan, row=row)
    if form.is_valid():
        try:
            saved = actions.set_row(actor=request.user, plan=plan, **form.values())
        except NotAllowed as exc:
            raise _refused(exc) from exc
        except ActionError as exc:
            _put_error(form, exc, ROW_FIELDS)
        else:
            if adding:
                msg = _("已添加指标「%(name)s」。") % {"name": saved.indicator.name}
            else:
                msg = _("已保存「%(name)s」。") % {"name": saved.indicator.name}
            messages.success(request, msg)
            return redirect(reverse("kpi:plan_edit", args=[plan.pk]) + f"#row-{saved.pk}")
    ctx = _edit_context(plan, bound=None if adding else form, add_form=form if adding else None)
    ctx["error_row"] = None if adding else form.row.pk
    return render(request, "kpi/plan_edit.html", ctx, status=400)


@login_required
@require_POST
def row_remove(request: HttpRequest, row: int) -> HttpResponse:
    item = get_row_for_user(request.user, row)
    try:
        actions.remove_row(actor=request.user, row=item)
    except NotAllowed as exc:
        raise _refused(exc) from exc
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已移除指标「%(name)s」。") % {"name": item.indicator.name})
    return redirect("kpi:plan_edit", item.plan_id)


@login_required
@require_POST
def plan_activate(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    try:
        actions.activate_plan(actor=request.user, plan=plan)
    except NotAllowed as exc:
        raise _refused(exc) from exc
    except ActionError as exc:
        messages.error(request, exc.message)
        if plan.status == PlanStatus.DRAFT:
            return redirect("kpi:plan_edit", plan.pk)
        return redirect("kpi:plan", plan.pk)
    messages.success(request, _("方案已启用：指标、目标和计分规则从此固定，可以开始填报。"))
    return redirect("kpi:plan", plan.pk)


@login_required
@require_POST
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        actions.close_plan(
            actor=request.user, plan=plan, reason=form.cleaned_data.get("reason", "")
        )
    except NotAllowed as exc:
        raise _refused(exc) from exc
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("方案已结束。"))
    return redirect("kpi:plan", plan.pk)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = get_plan_for_user(user, pk)
    year = _plan_year(plan, request.GET.get("year"))
    today = timezone.localdate()
    rows = progress.plan_rows(plan, year)
    assessments = {a.line: a for a in Assessment.objects.filter(plan=plan, year=year)}
    can_report = permissions.why_not_report(user, plan) is None
    can_annotate = permissions.why_not_annotate(user, plan) is None
    lines = []
    for line in Line:
        line_rows = [r for r in rows if r.row.line == line]
        assessment = assessments.get(line)
        closed = bool(assessment and assessment.is_signed)
        for r in line_rows:
            r.can_report = can_report and r.indicator.source == Source.REPORTED and not closed
            r.can_annotate = can_annotate and r.indicator.is_computed
        earned, possible = progress.line_total(line_rows)
        lines.append(
            {
                "line": line,
                "label": line.label,
                "rows": line_rows,
                "earned": earned,
                "possible": possible,
                "assessment": assessment,
                "closed": closed,
                "counts": {
                    s: sum(1 for r in line_rows if r.status == s)
                    for s in ("on_track", "at_risk", "behind", "no_data", "no_target")
                },
            }
        )
    ctx = {
        "plan": plan,
        "year": year,
        "years": plan.years,
        "lines": lines,
        "has_rows": bool(rows),
        "running": year == today.year,
        "future": year > today.year,
        "elapsed": progress.elapsed_share(year, today),
        "today": today,
        "can_edit": permissions.why_not_edit_plan(user, plan) is None,
        "can_manage": _is_planner(user),
        "can_report": can_report,
        "report_refusal": permissions.why_not_report(user, plan),
        "pending": sum(r.pending for r in rows),
        "history": list(history(plan)),
        "workflow": actions.PLAN_FLOW,
    }
    return render(request, "kpi/plan_detail.html", ctx)


# ---------------------------------------------------------------- reporting


@login_required
def report_new(request: HttpRequest, row: int, year: int) -> HttpResponse:
    item = get_row_for_user(request.user, row)
    plan = item.plan
    if year not in plan.years:
        raise Http404
    if reason := permissions.why_not_report(request.user, plan):
        raise PermissionDenied(reason)
    indicator = item.indicator
    if indicator.source != Source.REPORTED:
        messages.error(
            request,
            _("「%(name)s」由平台自动计算，不能手工填报或覆盖，只能添加说明。")
            % {"name": indicator.name},
        )
        return redirect(plan_url(plan.pk, year, f"row-{item.pk}"))
    today = timezone.localdate()
    initial = {"as_of": min(today, date(year, 12, 31))}
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.report_value(
                actor=request.user,
                row=item,
                year=year,
                value=data["value"],
                as_of=data["as_of"],
                note=data["note"],
                pledge=data["pledge"],
                files=data["evidence"],
            )
        except NotAllowed as exc:
            raise _refused(exc) from exc
        except ActionError as exc:
            _put_error(form, exc, REPORT_FIELDS)
        else:
            messages.success(
                request,
                _("已提交「%(name)s」%(year)s 年填报值，待主管部门审核后计入。")
                % {"name": indicator.name, "year": year},
            )
            return redirect(plan_url(plan.pk, year, f"row-{item.pk}"))
    target = Target.objects.filter(row=item, year=year).first()
    earlier = list(
        ReportedValue.objects.filter(row=item, year=year)
        .select_related("submitted_by")
        .order_by("-submitted_at", "-id")[:10]
    )
    ctx = {
        "form": form,
        "row": item,
        "plan": plan,
        "indicator": indicator,
        "year": year,
        "target": target,
        "earlier": earlier,
        "closed": actions.period_closed(item, year),
        "pledge_text": PLEDGE_TEXT,
    }
    return render(request, "kpi/report_form.html", ctx, status=400 if form.errors else 200)


@login_required
@require_POST
def annotate(request: HttpRequest, row: int, year: int) -> HttpResponse:
    item = get_row_for_user(request.user, row)
    if year not in item.plan.years:
        raise Http404
    form = AnnotationForm(request.POST)
    form.is_valid()
    try:
        actions.annotate(
            actor=request.user, row=item, year=year, text=form.cleaned_data.get("text", "")
        )
    except NotAllowed as exc:
        raise _refused(exc) from exc
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已为「%(name)s」添加说明。") % {"name": item.indicator.name})
    return redirect(plan_url(item.plan_id, year, f"row-{item.pk}"))


def _reports_of(user):
    return ReportedValue.objects.filter(row__plan__in=Plan.objects.visible_to(user)).select_related(
        "row__indicator", "row__plan", "submitted_by", "reviewed_by"
    )


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_viewer(user)
    reports = _reports_of(user)
    assessor = permissions.may_assess_some(user)
    scope = permissions.assessed_reports(reports, user) if assessor else reports
    pending = list(scope.filter(status=ReportStatus.SUBMITTED).order_by("submitted_at", "id"))
    for report in pending:
        report.refusal = permissions.why_not_review(user, report)
        report.evidence_count = 0
    counts = dict(
        ReportedValue.objects.filter(pk__in=[r.pk for r in pending])
        .values_list("pk")
        .annotate(n=Count("evidence"))
    )
    for report in pending:
        report.evidence_count = counts.get(report.pk, 0)
    decided = list(
        scope.exclude(status=ReportStatus.SUBMITTED).order_by("-reviewed_at", "-id")[:20]
    )
    mine = []
    if user.role == Role.OPERATOR:
        mine = list(reports.filter(submitted_by=user).order_by("-submitted_at", "-id")[:50])
    ctx = {
        "pending": pending,
        "decided": decided,
        "mine": mine,
        "assessor": assessor,
        "can_decide_any": any(r.refusal is None for r in pending),
    }
    return render(request, "kpi/report_list.html", ctx)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_viewer(user)
    report = get_object_or_404(_reports_of(user), pk=pk)
    refusal = permissions.why_not_review(user, report)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if report.status != ReportStatus.SUBMITTED:
            messages.error(request, _("该填报值已审核，不能重复审核。"))
            return redirect("kpi:report", report.pk)
        if not form.is_valid():
            raise Http404
        approve = form.cleaned_data["decision"] == "approve"
        try:
            actions.review_report(
                actor=user, report=report, approve=approve, reason=form.cleaned_data["reason"]
            )
        except NotAllowed as exc:
            raise _refused(exc) from exc
        except ActionError as exc:
            messages.error(request, exc.message)
            if request.POST.get("next") == "reports":
                return redirect("kpi:reports")
            form.add_error("reason" if exc.code == "reason_required" else None, exc.message)
            report.refresh_from_db()
        else:
            text = (
                _("已采纳：%(name)s %(year)s 年填报值。")
                if approve
                else _("已退回：%(name)s %(year)s 年填报值。")
            )
            messages.success(
                request, text % {"name": report.row.indicator.name, "year": report.year}
            )
            if request.POST.get("next") == "reports":
                return redirect("kpi:reports")
            return redirect("kpi:report", report.pk)
    ctx = {
        "report": report,
        "row": report.row,
        "plan": report.row.plan,
        "indicator": report.row.indicator,
        "evidence": list(report.evidence.all()),
        "history": list(history(report)),
        "workflow": actions.REPORT_FLOW,
        "can_review": refusal is None and report.status == ReportStatus.SUBMITTED,
        "refusal": refusal if report.status == ReportStatus.SUBMITTED else None,
        "form": form,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "kpi/report_detail.html", ctx, status=status)


@login_required
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import Evidence

    _require_viewer(request.user)
    item = get_object_or_404(
        Evidence.objects.filter(report__row__plan__in=Plan.objects.visible_to(request.user)),
        pk=pk,
    )
    content_type = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}.get(
        item.kind, "application/octet-stream"
    )
    response = FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.name, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- assessment


def _assessment_context(request, plan, year, line, assessment, *, bound=None, comments_form=None):
    user = request.user
    rows = progress.plan_rows(plan, year, line=line)
    refusal = permissions.why_not_assess(user, assessment)
    editable = refusal is None and not assessment.is_signed
    for r in rows:
        if bound is not None and bound[0] == r.row.pk:
            r.form = bound[1]
        else:
            score = r.score
            r.form = ScoreForm(
                prefix=f"s{r.row.pk}",
                initial={
                    "comment": score.comment if score else "",
                    "adjusted": format(score.adjusted.normalize(), "f")
                    if score and score.adjusted is not None
                    else "",
                    "adjust_reason": score.adjust_reason if score else "",
                },
            )
    earned, possible = progress.line_total(rows)
    pending = ReportedValue.objects.filter(
        row__plan=plan, row__line=line, year=year, status=ReportStatus.SUBMITTED
    ).count()
    return {
        "plan": plan,
        "year": year,
        "line": Line(line),
        "other_line": Line.OPERATOR if line == Line.GOVERNMENT else Line.GOVERNMENT,
        "assessment": assessment,
        "rows": rows,
        "earned": earned,
        "possible": possible,
        "refusal": refusal,
        "editable": editable,
        "can_reopen": refusal is None and assessment.is_signed,
        "pending": pending,
        "future": year > timezone.localdate().year,
        "comments_form": comments_form or CommentsForm(initial={"comments": assessment.comments}),
        "history": list(history(assessment)) if assessment.pk else [],
        "workflow": actions.ASSESSMENT_FLOW,
    }


@login_required
def assessment(request: HttpRequest, pk: int, year: int, line: str) -> HttpResponse:
    user = request.user
    plan = get_plan_for_user(user, pk)
    if line not in Line.values or year not in plan.years:
        raise Http404
    found = Assessment.objects.filter(plan=plan, year=year, line=line).first()
    current = found or Assessment(plan=plan, year=year, line=line, status=AssessmentStatus.OPEN)
    if request.method != "POST":
        ctx = _assessment_context(request, plan, year, line, current)
        return render(request, "kpi/assessment.html", ctx)

    if reason := permissions.why_not_assess(user, current):
        raise PermissionDenied(reason)
    here = reverse("kpi:assessment", args=[plan.pk, year, line])
    op = request.POST.get("op", "")
    bound = comments_form = None
    try:
        target = actions.assessment_for(plan, year, line)
        if op == "score":
            row = get_object_or_404(
                plan.rows.select_related("indicator"), pk=request.POST.get("row")
            )
            form = ScoreForm(request.POST, prefix=f"s{row.pk}")
            form.is_valid()
            bound = (row.pk, form)
            data = form.cleaned_data
            actions.score_update(
                actor=user,
                assessment=target,
                row=row,
                comment=data.get("comment", ""),
                adjusted=data.get("adjusted", ""),
                adjust_reason=data.get("adjust_reason", ""),
            )
            messages.success(
                request, _("已保存「%(name)s」的评分。") % {"name": row.indicator.name}
            )
            return redirect(here + f"#score-{row.pk}")
        if op == "comment":
            comments_form = CommentsForm(request.POST)
            comments_form.is_valid()
            actions.comment_assessment(
                actor=user,
                assessment=target,
                comments=comments_form.cleaned_data.get("comments", ""),
            )
            messages.success(request, _("已保存总体评价。"))
            return redirect(here)
        if op == "sign":
            comments_form = CommentsForm(request.POST)
            comments_form.is_valid()
            comments = comments_form.cleaned_data.get("comments")
            actions.sign_assessment(
                actor=user,
                assessment=target,
                comments=comments if "comments" in request.POST else None,
            )
            messages.success(
                request,
                _("已签署 %(year)s 年度「%(line)s」考核：实际值和得分已冻结，该期间停止填报。")
                % {"year": year, "line": Line(line).label},
            )
            return redirect(here)
        if op == "reopen":
            form = ReasonForm(request.POST)
            form.is_valid()
            actions.reopen_assessment(
                actor=user, assessment=target, reason=form.cleaned_data.get("reason", "")
            )
            messages.success(request, _("考核已重新打开，原因已记录。"))
            return redirect(here)
        raise Http404
    except NotAllowed as exc:
        raise _refused(exc) from exc
    except ActionError as exc:
        messages.error(request, exc.message)
        if bound is not None:
            bound[1].add_error(None, exc.message)
        found = Assessment.objects.filter(plan=plan, year=year, line=line).first() or current
    ctx = _assessment_context(
        request, plan, year, line, found, bound=bound, comments_form=comments_form
    )
    return render(request, "kpi/assessment.html", ctx, status=400)


# ---------------------------------------------------------------- indicators


@login_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_viewer(user)
    can_define = _is_planner(user)
    form = IndicatorForm(request.POST or None) if can_define else None
    if request.method == "POST":
        if not can_define:
            raise PermissionDenied(permissions.why_not_define_indicator(user))
        if form.is_valid():
            try:
                indicator = actions.define_indicator(actor=user, **form.cleaned_data)
            except NotAllowed as exc:
                raise _refused(exc) from exc
            except ActionError as exc:
                _put_error(form, exc, INDICATOR_FIELDS)
            else:
                messages.success(
                    request,
                    _("已定义指标「%(name)s」（%(code)s）。")
                    % {"name": indicator.name, "code": indicator.code},
                )
                return redirect(reverse("kpi:indicators") + f"#ind-{indicator.code}")
    indicators = list(
        Indicator.objects.annotate(n_plans=Count("plan_rows")).order_by("source", "code")
    )
    registry = computations.REGISTRY
    for indicator in indicators:
        entry = registry.get(indicator.computation)
        indicator.how = entry.doc if entry else ""
    groups = [
        {
            "source": source,
            "label": source.label,
            "items": [i for i in indicators if i.source == source],
        }
        for source in Source
    ]
    ctx = {"groups": groups, "form": form, "can_define": can_define, "total": len(indicators)}
    return render(
        request, "kpi/indicator_list.html", ctx, status=400 if form and form.errors else 200
    )

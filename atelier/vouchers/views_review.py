"""The reviewer's pages (主管部门审核): the application queue with the automatic checks and bulk
approval, one application, and the claim queue with risk flags. A reviewer sees its district's
programmes and the city-wide ones; operators, finance and auditors read the same pages without
buttons."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atelier.core.errors import ActionError
from atelier.core.workflow import history

from . import actions, permissions
from .forms import ReasonForm
from .models import ApplicationStatus, UseStatus, fen_to_yuan
from .views import error_text, yuanify
from .views_claims import flags

A = ApplicationStatus


def _require_reader(user) -> None:
    if not permissions.is_staff_reader(user):
        raise PermissionDenied(_("只有主管部门、运营方、财政和审计可以查看审核队列。"))


@login_required
def review(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_reader(user)
    programmes = permissions.reviewable_programmes(user)
    applications = list(
        permissions.applications_visible_to(user)
        .filter(programme__in=programmes, status=A.SUBMITTED)
        .select_related("enterprise__district", "applied_by")
        .order_by("applied_at", "pk")
    )
    yuanify(*applications)
    for a in applications:
        a.can_decide = bool(permissions.can_review_programme(user, a.programme))
    ctx = {
        "applications": applications,
        "can_bulk": any(a.can_decide for a in applications),
        "results": request.session.pop("voucher_bulk_results", None),
        "tab": "applications",
        "claims_waiting": permissions.claims_visible_to(user)
        .filter(use__status=UseStatus.CLAIMED, use__voucher__programme__in=programmes)
        .count(),
    }
    return render(request, "vouchers/review.html", ctx)


@login_required
@require_POST
def bulk_approve(request: HttpRequest) -> HttpResponse:
    """Approve the ticked applications, each through the action; report every row."""
    _require_reader(request.user)
    results = []
    for raw in request.POST.getlist("ids")[:200]:
        try:
            application = permissions.get_application_for_user(request.user, raw)
        except Http404:
            results.append({"ok": False, "label": f"#{raw}", "text": _("申领不存在或无权审核。")})
            continue
        label = _("%(org)s · %(a)s 元") % {
            "org": application.enterprise.name,
            "a": f"{fen_to_yuan(application.amount_fen):,}",
        }
        try:
            voucher = actions.application_approve(request.user, application)
        except (ValidationError, ActionError) as exc:
            results.append({"ok": False, "label": label, "text": error_text(exc)})
        else:
            text = _("已发券 %(c)s") % {"c": voucher.code}
            results.append({"ok": True, "label": label, "text": text})
    if not results:
        messages.error(request, _("请先勾选要批准的申领。"))
    else:
        ok = sum(r["ok"] for r in results)
        messages.info(
            request,
            _("批量审核：%(ok)d 项批准，%(bad)d 项未通过。") % {"ok": ok, "bad": len(results) - ok},
        )
        request.session["voucher_bulk_results"] = results
    return redirect("vouchers:review")


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = permissions.get_application_for_user(request.user, pk)
    programme = application.programme
    can_decide = application.status == A.SUBMITTED and bool(
        permissions.can_review_programme(request.user, programme)
    )
    current = None
    if can_decide:  # the caps again, as they stand now
        current = actions.eligibility(programme, application.enterprise, application.amount_fen)
    yuanify(application)
    ctx = {
        "application": application,
        "can_decide": can_decide,
        "current": current,
        "voucher": getattr(application, "voucher", None),
        "history": list(history(application)),
        "workflow": actions.APPLICATION_FLOW,
        "is_applicant": permissions.is_member(request.user, application.enterprise_id),
    }
    return render(request, "vouchers/application_detail.html", ctx)


@login_required
@require_POST
def application_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    application = permissions.get_application_for_user(request.user, pk)
    if decision not in ("approve", "reject"):
        raise Http404
    form = ReasonForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    try:
        if decision == "approve":
            voucher = actions.application_approve(request.user, application, note=reason)
            messages.success(request, _("已批准并发券：%(c)s") % {"c": voucher.code})
        else:
            actions.application_reject(request.user, application, reason=reason)
            messages.success(request, _("已驳回该申领。"))
    except (ValidationError, ActionError) as exc:
        messages.error(request, error_text(exc))
        return redirect("vouchers:application", application.pk)
    if request.POST.get("next") == "review":
        return redirect("vouchers:review")
    return redirect("vouchers:application", application.pk)


@login_required
def review_claims(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_reader(user)
    programmes = permissions.reviewable_programmes(user)
    claims = list(
        permissions.claims_visible_to(user)
        .filter(use__status=UseStatus.CLAIMED, use__voucher__programme__in=programmes)
        .prefetch_related("documents")
        .order_by("submitted_at", "pk")
    )
    yuanify(*claims)
    for c in claims:
        c.flags = flags(c)
        c.can_review = bool(permissions.can_review_programme(user, c.use.voucher.programme))
    ctx = {
        "claims": claims,
        "tab": "claims",
        "applications_waiting": permissions.applications_visible_to(user)
        .filter(programme__in=programmes, status=A.SUBMITTED)
        .count(),
    }
    return render(request, "vouchers/review_claims.html", ctx)

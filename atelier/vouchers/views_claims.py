"""Redemption (兑付): the claim form with its four documents (通兑 by the provider, 通用 by the
enterprise), one claim with its documents, risk flags and the reviewer's line-level result, the
provider's workspace and the list of claims.

Documents are served through `document`, after the claim has been fetched for the user: never
through MEDIA_URL.
"""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atelier.core.errors import ActionError
from atelier.core.forms import apply_error
from atelier.core.workflow import history

from . import actions, permissions
from .forms import ClaimForm, ReviewForm
from .models import (
    Claim,
    Enrolment,
    EnrolmentStatus,
    ProgrammeStatus,
    RedemptionMode,
    UseStatus,
    VoucherUse,
    fen_to_yuan,
)
from .views import yuanify

try:  # risk.py is written separately; until it exists reviewers see no flags
    from .risk import flags_for_claim
except ImportError:  # pragma: no cover - depends on the other module being present
    flags_for_claim = None

U = UseStatus


def flags(claim: Claim) -> list:
    if flags_for_claim is None:
        return []
    return list(flags_for_claim(claim))


def claim_mode(user, use: VoucherUse) -> str | None:
    """The mode `user` claims in: 通兑 for the provider, 通用 for the enterprise, when the rules
    the voucher was issued under allow it."""
    modes = use.voucher.application.rules.mode_list()
    if permissions.is_member(user, use.provider_id) and RedemptionMode.TONGDUI in modes:
        return RedemptionMode.TONGDUI
    if permissions.is_member(user, use.voucher.enterprise_id) and RedemptionMode.TONGYONG in modes:
        return RedemptionMode.TONGYONG
    return None


@login_required
def claim_submit(request: HttpRequest, pk: int) -> HttpResponse:
    use = permissions.get_use_for_user(request.user, pk)
    existing = Claim.objects.filter(use=use).first()
    if existing is not None:
        return redirect("vouchers:claim", existing.pk)
    mode = claim_mode(request.user, use)
    if mode is None:
        raise PermissionDenied(_("通兑由服务机构申请，通用由企业申请。"))
    if use.status != U.CONFIRMED:
        messages.info(request, _("企业确认服务完成后才能申请兑付。"))
        if mode == RedemptionMode.TONGDUI:
            return redirect("vouchers:provider")
        return redirect(use.voucher)
    if request.method == "POST":
        form = ClaimForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                claim = actions.claim_submit(
                    request.user, use, mode=mode, invoice_no=form.cleaned_data["invoice_no"],
                    documents=form.documents(),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )  # fmt: skip
            except (ValidationError, ActionError) as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("兑付申请已提交，主管部门审核后公示并拨付。"))
                return redirect("vouchers:claim", claim.pk)
    else:
        form = ClaimForm()
    yuanify(use)
    ctx = {"use": use, "form": form, "mode": RedemptionMode(mode)}
    return render(request, "vouchers/claim_form.html", ctx, status=400 if form.errors else 200)


def _claim_context(request, claim: Claim, review_form=None) -> dict:
    user = request.user
    programme = claim.use.voucher.programme
    can_review = bool(permissions.can_review_programme(user, programme))
    pending = claim.use.status == U.CLAIMED
    if review_form is None and can_review and pending:
        review_form = ReviewForm(initial={"approved": fen_to_yuan(claim.claimed_fen)})
    yuanify(claim, claim.use)
    return {
        "claim": claim,
        "use": claim.use,
        "documents": list(claim.documents.order_by("kind")),
        "flags": flags(claim) if permissions.is_staff_reader(user) else [],
        "risk_available": flags_for_claim is not None,
        "show_flags": permissions.is_staff_reader(user),
        "review_form": review_form if (can_review and pending) else None,
        "history": list(history(claim.use)),
        "workflow": actions.USE_FLOW,
        "can_open_voucher": permissions.vouchers_visible_to(user)
        .filter(pk=claim.use.voucher_id)
        .exists(),
    }


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = permissions.get_claim_for_user(request.user, pk)
    return render(request, "vouchers/claim_detail.html", _claim_context(request, claim))


@login_required
@require_POST
def claim_review(request: HttpRequest, pk: int) -> HttpResponse:
    claim = permissions.get_claim_for_user(request.user, pk)
    programme = claim.use.voucher.programme
    if not (decision := permissions.can_review_programme(request.user, programme)):
        raise PermissionDenied(decision.reason)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            actions.claim_review(
                request.user, claim, approved=form.cleaned_data["approved"],
                reasons=form.reason_list(),
            )  # fmt: skip
        except (ValidationError, ActionError) as exc:
            apply_error(form, exc)
        else:
            if claim.approved_fen:
                messages.success(
                    request,
                    _("已核定 %(a)s 元，公示至 %(d)s。")
                    % {"a": f"{fen_to_yuan(claim.approved_fen):,}", "d": claim.notice_until},
                )
            else:
                messages.success(request, _("已驳回，预占额度已退回创新券。"))
            return redirect("vouchers:review_claims")
    claim.refresh_from_db()
    claim.use.refresh_from_db()
    ctx = _claim_context(request, claim, review_form=form)
    return render(request, "vouchers/claim_detail.html", ctx, status=400)


@login_required
def document(request: HttpRequest, pk: int, did: int) -> HttpResponse:
    item = permissions.get_document_for_user(request.user, pk, did)
    content_type = mimetypes.guess_type(item.file.name)[0] or "application/octet-stream"
    response = FileResponse(item.file.open("rb"), content_type=content_type)
    ext = item.file.name.rsplit(".", 1)[-1].lower()
    response["Content-Disposition"] = f'inline; filename="claim-{pk}-{item.kind}.{ext}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- lists


@login_required
def provider(request: HttpRequest) -> HttpResponse:
    """The provider's workspace: enrolments, services waiting to be claimed, claims."""
    orgs = list(permissions.providers_of(request.user).order_by("name"))
    enrolments = list(
        Enrolment.objects.filter(provider__in=orgs)
        .select_related("programme", "provider")
        .order_by("-programme__year", "programme__name")
    )
    enrolled = {(e.programme_id, e.provider_id) for e in enrolments}
    open_programmes = [
        (p, [o for o in orgs if (p.pk, o.pk) not in enrolled])
        for p in permissions.programmes_visible_to(request.user).filter(status=ProgrammeStatus.OPEN)
    ]
    open_programmes = [(p, free) for p, free in open_programmes if free]
    uses = list(
        VoucherUse.objects.filter(provider__in=orgs, status__in=(U.RESERVED, U.CONFIRMED))
        .select_related("voucher", "voucher__enterprise", "voucher__application__rules", "provider")
        .order_by("created_at")
    )
    for use in uses:
        use.can_claim = (
            use.status == U.CONFIRMED
            and RedemptionMode.TONGDUI in use.voucher.application.rules.mode_list()
        )
    claims = list(
        Claim.objects.filter(use__provider__in=orgs)
        .select_related("use", "use__voucher", "use__voucher__enterprise", "batch")
        .order_by("-submitted_at")[:50]
    )
    yuanify(*uses, *claims)
    ctx = {
        "orgs": orgs,
        "enrolments": enrolments,
        "accepted": sum(1 for e in enrolments if e.status == EnrolmentStatus.ACCEPTED),
        "open_programmes": open_programmes,
        "uses": uses,
        "claims": claims,
    }
    return render(request, "vouchers/provider.html", ctx)


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    """Every claim the user may see, by state: the provider's own, the reviewer's district,
    everything for finance, operators and auditors."""
    qs = permissions.claims_visible_to(request.user).order_by("-submitted_at", "-pk")
    counts = dict(qs.order_by().values_list("use__status").annotate(n=Count("pk", distinct=True)))
    status = request.GET.get("status", "")
    if status in U.values:
        qs = qs.filter(use__status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    yuanify(*page.object_list)
    ctx = {
        "page": page,
        "status": status,
        "counts": [(s.value, s.label, counts[s.value]) for s in U if counts.get(s.value)],
        "total": sum(counts.values()),
        "query_base": f"status={status}&" if status else "",
    }
    return render(request, "vouchers/claim_list.html", ctx)

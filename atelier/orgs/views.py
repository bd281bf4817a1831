import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from atelier.core.errors import ActionError
from atelier.core.forms import apply_error
from atelier.core.workflow import history

from . import actions, permissions
from .forms import (
    InviteForm,
    NoteForm,
    OrganizationForm,
    OrganizationRegisterForm,
    OrgFilterForm,
    ReasonForm,
    ResubmitForm,
)
from .models import Invitation, Membership, Organization


def _fail(request: HttpRequest, exc: Exception) -> None:
    sep = pgettext("message separator", "；")
    message = exc.message if isinstance(exc, ActionError) else sep.join(exc.messages)
    messages.error(request, message)


@vary_on_headers("HX-Request")
def org_list(request: HttpRequest) -> HttpResponse:
    form = OrgFilterForm(request.GET or None)
    qs = (
        Organization.objects.visible_to(request.user)
        .select_related("district")
        .prefetch_related("industries")
        .order_by("name")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(credit_code=data["q"].upper()))
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["district"]:
            qs = qs.filter(district=data["district"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    show_status = request.user.is_authenticated and request.user.is_platform_staff
    ctx = {"form": form, "page": page, "show_status": show_status}
    template = "orgs/organization_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, ctx)


@login_required
def org_register(request: HttpRequest) -> HttpResponse:
    form = OrganizationRegisterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            org = actions.organization_register(
                actor=request.user,
                kind=data.pop("kind"),
                name=data.pop("name"),
                credit_code=data.pop("credit_code"),
                district=data.pop("district"),
                industries=data.pop("industries"),
                tags=data.pop("tags"),
                licence=data.pop("licence"),
                **data,
            )
        except (ValidationError, ActionError) as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("已提交实名认证申请，主管部门审核后会通知您。"))
            return redirect(org)
    status = 400 if request.method == "POST" else 200
    return render(request, "orgs/organization_register.html", {"form": form}, status=status)


def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = permissions.get_org_for_user(request.user, pk)
    user = request.user
    private = permissions.can_view_private_org(user, org)
    ctx = {
        "org": org,
        "private": bool(private),
        "can_edit": bool(permissions.can_edit_org(user, org)),
        "can_verify": bool(permissions.can_verify_org(user, org)),
        "can_resubmit": bool(permissions.can_resubmit_org(user, org)),
        "can_invite": bool(permissions.can_invite_member(user, org)),
        # The review panel offers the verification decision; suspension is done in the admin.
        "transitions": [
            t for t in actions.VERIFICATION.available(org) if t.event in ("verify", "reject")
        ],
        "workflow": actions.VERIFICATION,
    }
    if private:
        ctx.update(
            memberships=org.memberships.select_related("user").order_by("role", "created_at"),
            invitations=org.invitations.filter(status="pending").select_related("invited_by"),
            history=history(org),
            invite_form=InviteForm(),
            reason_form=ReasonForm(),
            resubmit_form=ResubmitForm(),
        )
    return render(request, "orgs/organization_detail.html", ctx)


@login_required
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        org = permissions.get_org_for_user(request.user, pk, write=True)
    except ActionError as exc:
        raise PermissionDenied(exc.message) from exc
    initial = {"industries": org.industries.all(), "tags": org.tags.all()}
    form = OrganizationForm(request.POST or None, instance=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in OrganizationForm.Meta.fields}
        try:
            actions.organization_update(
                actor=request.user,
                organization=Organization.objects.get(pk=org.pk),
                industries=form.cleaned_data["industries"],
                tags=form.cleaned_data["tags"],
                **data,
            )
        except (ValidationError, ActionError) as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("机构资料已保存。"))
            return redirect(org)
    status = 400 if request.method == "POST" else 200
    return render(request, "orgs/organization_edit.html", {"form": form, "org": org}, status=status)


@require_POST
@login_required
def org_transition(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    """verify / reject / resubmit (the event comes from the URL pattern)."""
    org = permissions.get_org_for_user(request.user, pk)
    try:
        if event == "verify":
            form = NoteForm(request.POST)
            form.is_valid()
            actions.organization_verify(
                actor=request.user, organization=org, note=form.cleaned_data.get("note", "")
            )
            messages.success(request, _("已认证：%(name)s") % {"name": org.name})
        elif event == "reject":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise ActionError(_("驳回必须填写原因。"), code="reason_required")
            actions.organization_reject(
                actor=request.user, organization=org, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已驳回：%(name)s") % {"name": org.name})
        elif event == "resubmit":
            form = ResubmitForm(request.POST, request.FILES)
            form.is_valid()
            actions.organization_resubmit(
                actor=request.user,
                organization=org,
                licence=form.cleaned_data.get("licence"),
                note=form.cleaned_data.get("note", ""),
            )
            messages.success(request, _("已重新提交认证申请。"))
    except (ActionError, ValidationError) as exc:
        _fail(request, exc)
    back = request.POST.get("back")
    if back == "queue":
        return redirect("orgs:review_queue")
    return redirect(org)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_operator or user.is_reviewer or user.is_superuser):
        raise PermissionDenied(_("只有运营方和主管部门审核员可以审核机构。"))
    qs = (
        Organization.objects.for_review(user)
        .select_related("district", "created_by")
        .prefetch_related("industries")
        .order_by("created_at")
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    ctx = {"page": page, "reason_form": ReasonForm()}
    return render(request, "orgs/review_queue.html", ctx)


@login_required
def org_licence(request: HttpRequest, pk: int) -> HttpResponse:
    org = permissions.get_org_for_user(request.user, pk)
    if not (decision := permissions.can_view_private_org(request.user, org)):
        raise PermissionDenied(decision.reason)
    if not org.licence:
        raise Http404(_("该机构未上传营业执照。"))
    content_type = mimetypes.guess_type(org.licence.name)[0] or "application/octet-stream"
    response = FileResponse(org.licence.open("rb"), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="licence-{org.pk}{org.licence.name[-4:]}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    org = permissions.get_org_for_user(request.user, pk)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            actions.invitation_create(
                actor=request.user,
                organization=org,
                contact=form.cleaned_data["contact"],
                role=form.cleaned_data["role"],
            )
        except (ActionError, ValidationError) as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("邀请已发出：%(c)s") % {"c": form.cleaned_data["contact"]})
    else:
        messages.error(request, _("请填写被邀请人的手机号或邮箱。"))
    return redirect(org)


@require_POST
@login_required
def invitation_transition(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    """accept / decline / revoke (the event comes from the URL pattern)."""
    invitation = get_object_or_404(Invitation.objects.select_related("organization"), pk=pk)
    try:
        if event == "accept":
            actions.invitation_accept(actor=request.user, invitation=invitation)
            messages.success(request, _("已加入 %(org)s。") % {"org": invitation.organization.name})
            return redirect(invitation.organization)
        if event == "decline":
            actions.invitation_decline(actor=request.user, invitation=invitation)
            messages.info(request, _("已拒绝邀请。"))
        if event == "revoke":
            actions.invitation_revoke(actor=request.user, invitation=invitation)
            messages.info(request, _("已撤回邀请。"))
            return redirect(invitation.organization)
    except ActionError as exc:
        if exc.status == 403:
            raise Http404(exc.message) from exc
        _fail(request, exc)
    return redirect("portal:workspace")


@require_POST
@login_required
def membership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("organization"), pk=pk)
    org = permissions.get_org_for_user(request.user, membership.organization_id)
    try:
        actions.membership_remove(actor=request.user, membership=membership)
    except ActionError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("已移除成员。"))
    return redirect(org)

"""Dockings (对接): starting one from a match, a provider's expression of interest, the list of
my dockings with overdue ones first, one docking's timeline, notes and meetings, and the outcome
buttons."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from atelier.catalog.models import Resource
from atelier.core.errors import ActionError
from atelier.core.forms import apply_error
from atelier.core.models import StatusChange
from atelier.orgs.models import Organization

from . import actions, permissions
from .forms import DockingFilterForm, DockingOutcomeForm, DockingStartForm, NoteForm
from .models import Docking, DockingStatus, NoteKind
from .views import _message

K = DockingStatus


def _resource_of(provider: Organization, resource_id):
    if not resource_id:
        return None
    return Resource.objects.filter(pk=resource_id, provider=provider).first()


@login_required
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    demand = permissions.get_demand_for_user(request.user, pk)
    form = DockingStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要对接的服务方。"))
        return redirect(demand)
    provider = Organization.objects.filter(pk=form.cleaned_data["provider"]).first()
    if provider is None:
        raise Http404(_("服务方不存在。"))
    try:
        docking = actions.docking_start(
            request.user, demand, provider=provider,
            resource=_resource_of(provider, form.cleaned_data["resource"]),
            message=form.cleaned_data["message"],
        )  # fmt: skip
    except (ValidationError, ActionError) as exc:
        messages.error(request, _message(exc))
        return redirect(demand)
    messages.success(request, _("已向 %(p)s 发起对接，等待对方响应。") % {"p": provider.name})
    return redirect(docking)


@login_required
@require_POST
def interest(request: HttpRequest, pk: int) -> HttpResponse:
    demand = permissions.get_demand_for_user(request.user, pk)
    provider = permissions.provider_orgs(request.user).filter(pk=request.POST.get("org")).first()
    if provider is None:
        messages.error(request, _("请选择以哪家机构表达意向。"))
        return redirect(demand)
    message = (request.POST.get("message") or "").strip()[:1000]
    try:
        docking = actions.docking_interest(
            request.user, demand, provider=provider,
            resource=_resource_of(provider, request.POST.get("resource")), message=message,
        )  # fmt: skip
    except (ValidationError, ActionError) as exc:
        messages.error(request, _message(exc))
        return redirect(demand)
    if demand.is_anonymous:
        messages.success(request, _("意向已提交，技术经纪人会与需求企业联系后回复您。"))
    else:
        messages.success(request, _("意向已提交，等待需求企业确认。"))
    return redirect(docking)


@login_required
def dockings(request: HttpRequest) -> HttpResponse:
    form = DockingFilterForm(request.GET or None)
    qs = Docking.objects.visible_to(request.user).for_list()
    overdue_only = False
    if form.is_valid():
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
        overdue_only = form.cleaned_data["overdue"]
    if overdue_only:
        qs = qs.overdue()
    overdue_count = Docking.objects.visible_to(request.user).overdue().count()
    page = Paginator(qs.order_by("-started_at", "-id"), 25).get_page(request.GET.get("page"))
    for d in page.object_list:
        d.shown_enterprise = permissions.enterprise_label(request.user, d.demand)
    ctx = {
        "form": form,
        "page": page,
        "overdue_only": overdue_only,
        "overdue_count": overdue_count,
        "statuses": K.choices,
        "status": form.cleaned_data.get("status") if form.is_valid() else "",
    }
    return render(request, "demands/dockings.html", ctx)


def _timeline(request, docking: Docking, sees: bool) -> list[dict]:
    """Status changes and notes in one list, oldest first. Names of the enterprise's people are
    hidden from a provider that may not know the enterprise."""
    enterprise_people = set(docking.demand.enterprise.memberships.values_list("user_id", flat=True))

    def who(user):
        if user is None:
            return _("系统")
        if not sees and user.pk in enterprise_people:
            return _("需求方")
        return user.display_name

    items = []
    for change in StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Docking), object_id=str(docking.pk)
    ).select_related("actor"):
        items.append(
            {
                "at": change.at,
                "kind": "status",
                "who": who(change.actor),
                "text": change.reason,
                "event": actions.DOCKING_FLOW.find(change.from_state, change.event),
                "to": actions.DOCKING_FLOW.state_label(change.to_state),
                "to_state": change.to_state,
            }
        )
    for note in docking.notes.select_related("author"):
        items.append(
            {
                "at": note.at,
                "kind": note.kind,
                "kind_label": NoteKind(note.kind).label,
                "who": who(note.author),
                "text": note.text,
                "meeting_at": note.meeting_at,
                "location": note.location,
            }
        )
    items.sort(key=lambda i: i["at"])
    started = {
        "at": docking.started_at,
        "kind": "start",
        "who": who(docking.started_by),
        "text": docking.message,
        "initiator": docking.get_initiator_display(),
    }
    return [started, *items]


def _docking_events(user, docking: Docking) -> list[str]:
    events = []
    if docking.is_waiting and permissions.can_respond(user, docking):
        events += ["accept", "decline"]
    if docking.status == K.ACTIVE and permissions.can_take_part(user, docking):
        events += ["sign", "lose"]
    if docking.is_live and permissions.can_cancel(user, docking):
        events.append("cancel")
    if (
        docking.is_live
        and docking.demand.is_anonymous
        and not docking.identity_revealed
        and permissions.can_reveal(user, docking)
    ):
        events.append("reveal")
    return events


@login_required
def docking(request: HttpRequest, pk: int) -> HttpResponse:
    item = permissions.get_docking_for_user(request.user, pk)
    demand = item.demand
    sees = permissions.sees_identity(request.user, demand)
    ctx = {
        "docking": item,
        "demand": demand,
        "shown_enterprise": permissions.enterprise_label(request.user, demand),
        "sees_identity": sees,
        "timeline": _timeline(request, item, sees),
        "events": _docking_events(request.user, item),
        "can_note": item.is_live and bool(permissions.can_take_part(request.user, item)),
        "is_enterprise_member": permissions.is_member(request.user, demand.enterprise_id),
        "note_form": NoteForm(),
        "today": timezone.localdate(),
    }
    return render(request, "demands/docking.html", ctx)


@login_required
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    item = permissions.get_docking_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            actions.docking_note(request.user, item, **form.cleaned_data)
        except (ValidationError, ActionError) as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("已添加到对接记录。"))
            return redirect(item)
    sees = permissions.sees_identity(request.user, item.demand)
    ctx = {
        "docking": item,
        "demand": item.demand,
        "shown_enterprise": permissions.enterprise_label(request.user, item.demand),
        "sees_identity": sees,
        "timeline": _timeline(request, item, sees),
        "events": _docking_events(request.user, item),
        "can_note": True,
        "note_form": form,
    }
    return render(request, "demands/docking.html", ctx, status=400)


DOCKING_SUCCESS = {
    "accept": gettext_lazy("已接受对接。"),
    "decline": gettext_lazy("已婉拒。"),
    "sign": gettext_lazy("已登记签约，需求已标记为已解决。"),
    "lose": gettext_lazy("已登记为未成交。"),
    "cancel": gettext_lazy("对接已撤销。"),
    "reveal": gettext_lazy("已向服务方公开企业身份。"),
}


@login_required
@require_POST
def transition(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    if event not in DOCKING_SUCCESS:
        raise Http404
    item = permissions.get_docking_for_user(request.user, pk)
    form = DockingOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("提交的内容有误：%(e)s") % {"e": form.errors.as_text()})
        return redirect(item)
    data = form.cleaned_data
    try:
        if event == "accept":
            actions.docking_accept(request.user, item, note=data["reason"])
        elif event == "decline":
            actions.docking_decline(request.user, item, reason=data["reason"])
        elif event == "sign":
            actions.docking_sign(
                request.user, item, amount=data["amount"], signed_on=data["signed_on"]
            )
        elif event == "lose":
            actions.docking_lose(request.user, item, reason=data["reason"])
        elif event == "cancel":
            actions.docking_cancel(request.user, item, reason=data["reason"])
        elif event == "reveal":
            actions.docking_reveal(request.user, item)
    except (ValidationError, ActionError) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, str(DOCKING_SUCCESS[event]))
    return redirect(item)

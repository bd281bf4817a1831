"""Pages of the innovation resource library (创新资源库): one listing, one provider's listings,
"my resources" with create and edit, the lifecycle buttons and the moderation queue.

The search page (`catalog:list`) belongs to atelier.search; import/export to importing.py.
Every write goes through `actions`; every read through `visible_to` / `get_resource_for_user`.
"""

import mimetypes
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import CharField, Count, OuterRef, Subquery
from django.db.models.functions import Cast
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from atelier.core.errors import ActionError, NotAllowed
from atelier.core.forms import apply_error
from atelier.core.models import StatusChange
from atelier.core.validators import PATENT_TYPES
from atelier.core.workflow import history
from atelier.orgs.models import Membership, Organization, OrgStatus
from atelier.orgs.permissions import get_org_for_user, membership_of

from . import actions, permissions
from .forms import (
    COMMON_FORM_FIELDS,
    TRL_LABELS,
    MineFilterForm,
    ResourceCreateForm,
    ResourceForm,
    TransitionForm,
    detail_form_class,
)
from .models import Resource, ResourceKind, ResourceStatus

S = ResourceStatus

# The reverse one-to-ones of the per-kind detail tables, for select_related on list pages.
DETAIL_RELATED = [f"{kind}_detail" for kind in ResourceKind.values]


@dataclass(frozen=True)
class KindInfo:
    value: str
    label: str
    icon: str
    blurb: str


KIND_INFO = {
    ResourceKind.SERVICE: ("briefcase", gettext_lazy("检测、设计、研发、咨询等可在线下单的服务")),
    ResourceKind.EXPERT: ("person-badge", gettext_lazy("可预约咨询的行业专家与技术人才")),
    ResourceKind.INSTRUMENT: ("cpu", gettext_lazy("可共享预约的检测仪器与试验设备")),
    ResourceKind.ACHIEVEMENT: ("lightbulb", gettext_lazy("可许可、转让或合作开发的科技成果与专利")),
    ResourceKind.POLICY: ("file-earmark-text", gettext_lazy("科技创新、技术改造、人才等扶持政策")),
    ResourceKind.PARTNER: ("globe2", gettext_lazy("高校院所、设计机构与境内外合作伙伴")),
}


def kind_icon(kind: str) -> str:
    return KIND_INFO[kind][0] if kind in KIND_INFO else "box"


def kinds() -> list[KindInfo]:
    return [
        KindInfo(kind.value, kind.label, *KIND_INFO[kind])  # type: ignore[index]
        for kind in ResourceKind
    ]


# The lifecycle buttons other than publish/reject (which carry a note/reason field).
# event: (label, icon, button class, confirmation question)
BUTTONS = {
    "submit": (gettext_lazy("提交审核"), "send", "btn-primary", ""),
    "confirm": (gettext_lazy("确认信息仍准确"), "patch-check", "btn-outline-success", ""),
    "restore": (gettext_lazy("恢复为草稿"), "arrow-counterclockwise", "btn-outline-secondary", ""),
    "archive": (
        gettext_lazy("下架"),
        "archive",
        "btn-outline-danger",
        gettext_lazy("下架后该资源将不再公开展示，确定下架吗？"),
    ),
}

SUCCESS = {
    "submit": gettext_lazy("已提交审核，运营方审核通过后即公开展示。"),
    "publish": gettext_lazy("已审核发布：%(title)s"),
    "reject": gettext_lazy("已驳回：%(title)s"),
    "archive": gettext_lazy("已下架：%(title)s"),
    "restore": gettext_lazy("已恢复为草稿：%(title)s"),
    "confirm": gettext_lazy("已确认资源信息仍准确，核实日期已更新。"),
}

TRANSITIONS = {
    "submit": actions.resource_submit,
    "publish": actions.resource_publish,
    "reject": actions.resource_reject,
    "archive": actions.resource_archive,
    "restore": actions.resource_restore,
    "confirm": actions.resource_confirm,
}


def lifecycle_events(resource: Resource, *, member: bool, admin: bool, moderator: bool) -> list:
    """The lifecycle buttons to offer (the actions check the permissions again on POST).
    `member`: belongs to the provider; `admin`: its administrator."""
    events = []
    for t in actions.LIFECYCLE.available(resource):
        if t.event == "submit" and member:
            events.append("submit")
        elif t.event in ("publish", "reject") and moderator:
            events.append(t.event)
        elif t.event in ("archive", "restore") and (admin or moderator):
            events.append(t.event)
    if resource.status == S.PUBLISHED and member:
        events.insert(0, "confirm")
    return events


def buttons(events: list[str]) -> list[dict]:
    return [
        dict(zip(("event", "label", "icon", "css", "confirm"), (e, *BUTTONS[e]), strict=True))
        for e in events
        if e in BUTTONS
    ]


def _message(exc: Exception) -> str:
    if isinstance(exc, ActionError):
        return exc.message
    return pgettext("message separator", "；").join(exc.messages)


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _patents(detail) -> list[tuple[str, str]]:
    """(number, type label) of an achievement's patents; the type is the application's 5th digit."""
    out = []
    for number in [p.strip() for p in (detail.patents or "").split(";")]:
        if number:
            digits = number.split(".")[0]
            type_digit = digits[4] if len(digits) == 12 else digits[2:3]
            out.append((number, PATENT_TYPES.get(type_digit, "")))
    return out


# ---------------------------------------------------------------------------------------------
# One listing


def _detail_context(request: HttpRequest, resource: Resource, **extra) -> dict:
    user = request.user
    membership = membership_of(user, resource.provider)
    moderator = permissions.is_moderator(user)
    can_edit = bool(permissions.can_edit_resource(user, resource))
    events = lifecycle_events(
        resource,
        member=bool(membership),
        admin=bool(permissions.can_archive_resource(user, resource)),
        moderator=moderator,
    )
    manage = can_edit or moderator
    show_history = manage or (user.is_authenticated and user.reads_everything)
    changes = list(history(resource)) if show_history else []
    last_reject = next((h for h in reversed(changes) if h.to_state == S.REJECTED), None)
    return {
        "resource": resource,
        "kind": KindInfo(resource.kind, resource.get_kind_display(), *KIND_INFO[resource.kind]),
        "manage": manage,
        "is_member": bool(membership),
        "can_edit": can_edit,
        "events": events,
        "buttons": buttons(events),
        "history": changes,
        "show_history": show_history,
        "last_reject": last_reject if resource.status == S.REJECTED else None,
        "workflow": actions.LIFECYCLE,
        **extra,
    }


@vary_on_headers("HX-Request")
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resource = permissions.get_resource_for_user(request.user, pk)
    detail = resource.detail
    ctx = _detail_context(request, resource)
    ctx.update(
        detail=detail,
        clusters=list(resource.clusters.all()),
        industries=list(resource.industries.all()),
        patents=_patents(detail) if resource.kind == ResourceKind.ACHIEVEMENT and detail else [],
        trl_levels=range(1, 10),
        trl_label=TRL_LABELS.get(getattr(detail, "trl", None)),
        standards=[
            s.strip() for s in (getattr(detail, "standards", "") or "").split(";") if s.strip()
        ],
    )
    template = "catalog/resource_detail.html"
    if request.htmx and request.GET.get("panel") == "status":
        template += "#status-panel"
    return render(request, template, ctx)


def policy_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """The policy's original document, streamed after the visibility check (media is not served
    by URL)."""
    resource = permissions.get_resource_for_user(request.user, pk)
    detail = resource.detail if resource.kind == ResourceKind.POLICY else None
    if not detail or not detail.attachment:
        raise Http404(_("该政策没有附件。"))
    content_type = mimetypes.guess_type(detail.attachment.name)[0] or "application/octet-stream"
    response = FileResponse(detail.attachment.open("rb"), content_type=content_type)
    ext = detail.attachment.name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="policy-{resource.pk}.{ext}"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------
# Create and edit


def _publishable_orgs(user):
    """The organisations `user` may create listings for (the action checks again)."""
    return (
        Organization.objects.filter(
            memberships__user=user,
            status=OrgStatus.VERIFIED,
            kind__in=permissions.PUBLISHER_KINDS,
        )
        .select_related("district")
        .order_by("name")
    )


def _apply_errors(form, detail_form, exc: Exception) -> None:
    """An action's errors onto the two forms: `detail.<field>` keys belong to the detail form."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        common = {}
        for key, errors in exc.error_dict.items():
            if key.startswith("detail."):
                name = key.removeprefix("detail.")
                detail_form.add_error(name if name in detail_form.fields else None, errors)
            else:
                common[key] = errors
        if common:
            apply_error(form, ValidationError(common))
        return
    apply_error(form, exc)


def _common_values(form) -> dict:
    return {
        name: form.cleaned_data[name]
        for name in COMMON_FORM_FIELDS
        if name in form.fields and name not in ("clusters", "industries")
    }


def _form_page(request, ctx, *, status=200) -> HttpResponse:
    form = ctx["form"]
    ctx.setdefault("category_options", form.category_options if form else [])
    return render(request, "catalog/resource_form.html", ctx, status=status)


@login_required
def resource_create(request: HttpRequest) -> HttpResponse:
    providers = _publishable_orgs(request.user)
    kind = request.GET.get("kind", "")
    if kind not in ResourceKind.values:
        ctx = {"kinds": kinds(), "has_provider": providers.exists()}
        return render(request, "catalog/resource_kind_choose.html", ctx)
    info = KindInfo(kind, ResourceKind(kind).label, *KIND_INFO[kind])
    if not providers.exists():
        return _form_page(request, {"form": None, "kind": info, "no_provider": True})

    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = ResourceCreateForm(data, kind=kind, providers=providers)
    detail_form = detail_form_class(kind)(data, files, prefix="detail")
    if request.method == "POST" and form.is_valid() & detail_form.is_valid():
        try:
            with transaction.atomic():
                resource = actions.resource_create(
                    actor=request.user,
                    provider=form.cleaned_data["provider"],
                    kind=kind,
                    clusters=form.cleaned_data["clusters"],
                    industries=form.cleaned_data["industries"],
                    detail=detail_form.values(),
                    **_common_values(form),
                )
                if "submit" in request.POST:
                    resource = actions.resource_submit(actor=request.user, resource=resource)
        except (ValidationError, ActionError) as exc:
            _apply_errors(form, detail_form, exc)
        else:
            if resource.status == S.SUBMITTED:
                messages.success(request, SUCCESS["submit"])
            else:
                messages.success(request, _("已保存为草稿。确认无误后请提交审核。"))
            return redirect(resource)
    ctx = {"form": form, "detail_form": detail_form, "kind": info}
    return _form_page(request, ctx, status=400 if request.method == "POST" else 200)


@login_required
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resource = permissions.get_resource_for_user(request.user, pk)
    if not (decision := permissions.can_edit_resource(request.user, resource)):
        raise PermissionDenied(decision.reason)
    kind = resource.kind
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = ResourceForm(data, instance=resource, kind=kind)
    detail_form = detail_form_class(kind)(data, files, instance=resource.detail, prefix="detail")
    may_submit = resource.status in (S.DRAFT, S.REJECTED)
    if request.method == "POST" and form.is_valid() & detail_form.is_valid():
        try:
            with transaction.atomic():
                # A fresh copy: the bound form has already written its values onto `resource`,
                # and the action's audit diff needs the stored ones.
                resource = actions.resource_update(
                    actor=request.user,
                    resource=Resource.objects.select_related("provider").get(pk=resource.pk),
                    clusters=form.cleaned_data["clusters"],
                    industries=form.cleaned_data["industries"],
                    detail=detail_form.values(),
                    **_common_values(form),
                )
                if may_submit and "submit" in request.POST:
                    resource = actions.resource_submit(actor=request.user, resource=resource)
        except (ValidationError, ActionError) as exc:
            _apply_errors(form, detail_form, exc)
        else:
            if resource.status == S.SUBMITTED and "submit" in request.POST:
                messages.success(request, SUCCESS["submit"])
            else:
                messages.success(request, _("资源信息已保存。"))
            return redirect(resource)
    info = KindInfo(kind, resource.get_kind_display(), *KIND_INFO[kind])
    ctx = {
        "form": form,
        "detail_form": detail_form,
        "kind": info,
        "resource": Resource.objects.select_related("provider").get(pk=resource.pk),
        "may_submit": may_submit,
    }
    return _form_page(request, ctx, status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------------------------------------
# Lifecycle buttons (detail page, "my resources" rows, moderation queue)


@require_POST
@login_required
def resource_transition(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    resource = permissions.get_resource_for_user(request.user, pk)
    form = TransitionForm(request.POST)
    error = None
    try:
        if not form.is_valid():
            raise ActionError(_("原因或备注不能超过 500 字。"))
        kwargs = {}
        if event == "reject":
            kwargs["reason"] = form.cleaned_data["reason"]
        elif event == "archive":
            kwargs["reason"] = form.cleaned_data["reason"]
        elif event == "publish":
            kwargs["note"] = form.cleaned_data["note"]
        resource = TRANSITIONS[event](actor=request.user, resource=resource, **kwargs)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except (ActionError, ValidationError) as exc:
        error = _message(exc)
        resource = permissions.get_resource_for_user(request.user, pk)  # unchanged, as stored

    if request.htmx:
        return _transition_partial(request, resource, event=event, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, SUCCESS[event] % {"title": resource.title})
    return redirect(_safe_next(request) or resource.get_absolute_url())


def _transition_partial(request, resource, *, event, error) -> HttpResponse:
    """The refreshed piece of the page the button was on."""
    panel = request.POST.get("panel", "status")
    done = None if error else SUCCESS[event] % {"title": resource.title}
    if panel == "row":
        viewer = _Viewer.of(request.user)
        resource = Resource.objects.select_related("provider", "district").get(pk=resource.pk)
        viewer.annotate([resource])
        ctx = {"r": resource, "row_error": error, "row_done": done, "next": _safe_next(request)}
        return render(request, "catalog/resource_mine.html#resource-row", ctx)
    if panel == "queue":
        item = _with_submitted_at(
            Resource.objects.select_related("provider", "district", *DETAIL_RELATED)
        ).get(pk=resource.pk)
        item.kind_icon = kind_icon(item.kind)
        ctx = {"item": item, "item_error": error, "handled": not error and event}
        if ctx["handled"]:  # the page head's count follows (out of band)
            ctx["queue_count"] = Resource.objects.filter(status=S.SUBMITTED).count()
        return render(request, "catalog/moderation_queue.html#queue-item", ctx)
    ctx = _detail_context(request, resource, panel_error=error, panel_done=done)
    return render(request, "catalog/resource_detail.html#status-panel", ctx)


# ---------------------------------------------------------------------------------------------
# My resources


@dataclass
class _Viewer:
    """The current user's organisations, loaded once for a whole list (no query per row)."""

    member_of: set[int]
    admin_of: set[int]
    moderator: bool

    @classmethod
    def of(cls, user, memberships=None) -> "_Viewer":
        if memberships is None:
            memberships = Membership.objects.filter(user=user)
        return cls(
            member_of={m.organization_id for m in memberships},
            admin_of={m.organization_id for m in memberships if m.is_admin},
            moderator=permissions.is_moderator(user),
        )

    def annotate(self, resources) -> None:
        for r in resources:
            r.events = lifecycle_events(
                r,
                member=r.provider_id in self.member_of,
                admin=r.provider_id in self.admin_of,
                moderator=self.moderator,
            )
            r.buttons = buttons(r.events)
            r.kind_icon = kind_icon(r.kind)


@login_required
@vary_on_headers("HX-Request")
def mine(request: HttpRequest) -> HttpResponse:
    memberships = list(
        Membership.objects.filter(user=request.user)
        .select_related("organization")
        .order_by("organization__name")
    )
    orgs = [m.organization for m in memberships]
    viewer = _Viewer.of(request.user, memberships)
    form = MineFilterForm(request.GET or None, orgs=orgs)
    filters = form.cleaned_data if form.is_valid() else {}

    base = Resource.objects.filter(provider_id__in=viewer.member_of)
    if filters.get("org"):
        base = base.filter(provider_id=filters["org"])
    if filters.get("kind"):
        base = base.filter(kind=filters["kind"])
    by_status = dict(base.order_by().values_list("status").annotate(n=Count("pk")))
    counts = [(s.value, s.label, by_status.get(s.value, 0)) for s in ResourceStatus]
    stale_count = base.stale().count()

    qs = base
    if filters.get("stale"):
        qs = qs.stale()
    elif filters.get("status"):
        qs = qs.filter(status=filters["status"])
    qs = qs.select_related("provider", "district").order_by("-updated_at", "-id")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    viewer.annotate(page.object_list)

    ctx = {
        "form": form,
        "filters": filters,
        "page": page,
        "orgs": orgs,
        "can_create": any(
            o.status == OrgStatus.VERIFIED and o.kind in permissions.PUBLISHER_KINDS for o in orgs
        ),
        "counts": counts,
        "total": sum(by_status.values()),
        "stale_count": stale_count,
        "query_base": _query_without(request, "status", "stale", "page"),
        "next": request.get_full_path(),
    }
    template = "catalog/resource_mine.html"
    if request.htmx:
        template += "#results"
    return render(request, template, ctx)


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    encoded = query.urlencode()
    return f"{encoded}&" if encoded else ""


# ---------------------------------------------------------------------------------------------
# Moderation queue


def _with_submitted_at(qs):
    """Annotate each resource with when it was last submitted (from the status history)."""
    last_submit = (
        StatusChange.objects.filter(
            content_type=ContentType.objects.get_for_model(Resource),
            object_id=Cast(OuterRef("pk"), CharField()),
            to_state=S.SUBMITTED,
        )
        .order_by("-at")
        .values("at")[:1]
    )
    return qs.annotate(submitted_at=Subquery(last_submit))


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    if not permissions.is_moderator(request.user):
        raise PermissionDenied(_("只有运营方可以审核资源。"))
    qs = _with_submitted_at(
        Resource.objects.filter(status=S.SUBMITTED).select_related(
            "provider", "district", *DETAIL_RELATED
        )
    ).order_by("submitted_at", "pk")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.kind_icon = kind_icon(item.kind)
    ctx = {"page": page, "queue_count": page.paginator.count}
    return render(request, "catalog/moderation_queue.html", ctx)


# ---------------------------------------------------------------------------------------------
# One provider's listings


def provider(request: HttpRequest, org_id: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_id)
    membership = membership_of(request.user, org)
    resources = list(
        Resource.objects.visible_to(request.user)
        .filter(provider=org)
        .select_related("district", *DETAIL_RELATED)
        .prefetch_related("clusters")
        .order_by("title", "pk")
    )
    groups = []
    for info in kinds():
        items = [r for r in resources if r.kind == info.value and r.status == S.PUBLISHED]
        if items:
            groups.append((info, items))
    unpublished = [r for r in resources if r.status != S.PUBLISHED]
    for r in resources:
        r.kind_icon = kind_icon(r.kind)
    ctx = {
        "org": org,
        "groups": groups,
        "published_count": sum(len(items) for _, items in groups),
        "unpublished": unpublished,
        "is_member": bool(membership),
        "can_create": bool(membership)
        and org.status == OrgStatus.VERIFIED
        and org.kind in permissions.PUBLISHER_KINDS,
    }
    return render(request, "catalog/provider.html", ctx)

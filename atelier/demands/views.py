"""Pages of the demand hall (需求大厅): the hall, posting with live matches, one demand with its
matches, translation, broker and dockings, the review queue, "my demands", the provider's
opportunities (商机) and the operator's matching weights.

Every write goes through `actions`; every read through `visible_to` / `get_demand_for_user`, and
the enterprise of an anonymous demand is shown through `permissions.enterprise_label` only.
"""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from atelier.core.errors import ActionError
from atelier.core.forms import apply_error
from atelier.core.workflow import history
from atelier.orgs.models import Organization, OrgStatus

from . import actions, matching, permissions
from .forms import (
    BrokerAssignForm,
    DemandForm,
    HallFilterForm,
    TransitionForm,
    TranslationForm,
    WeightsForm,
)
from .models import (
    HALL_STATES,
    OPEN_STATES,
    TYPE_KINDS,
    Demand,
    DemandStatus,
    DemandType,
    Docking,
    MatchWeights,
)

D = DemandStatus

SUCCESS = {
    "submit": gettext_lazy("已提交审核，运营方审核通过后即在需求大厅发布。"),
    "publish": gettext_lazy("已审核发布：%(title)s"),
    "reject": gettext_lazy("已驳回：%(title)s"),
    "close": gettext_lazy("需求已关闭。"),
    "resolve": gettext_lazy("需求已标记为已解决。"),
    "renew": gettext_lazy("需求已续期，重新在需求大厅展示。"),
}
TYPE_ICONS = {
    DemandType.PROBLEM: "question-diamond",
    DemandType.RND: "gear-wide-connected",
    DemandType.TESTING: "clipboard2-pulse",
    DemandType.DESIGN: "palette",
    DemandType.TALENT: "person-workspace",
    DemandType.ACHIEVEMENT: "lightbulb",
}


def _message(exc: Exception) -> str:
    if isinstance(exc, ActionError):
        return exc.message
    return pgettext("message separator", "；").join(exc.messages)


def _label(user, demands) -> list[Demand]:
    """Attach the enterprise name as this user may see it, and the type icon."""
    for d in demands:
        d.shown_enterprise = permissions.enterprise_label(user, d)
        d.type_icon = TYPE_ICONS.get(d.type, "megaphone")
    return demands


def _enterprises(user):
    return (
        Organization.objects.filter(memberships__user=user, status=OrgStatus.VERIFIED)
        .select_related("district")
        .order_by("name")
        .distinct()
    )


# ---------------------------------------------------------------------------------------------
# The hall


def hall(request: HttpRequest) -> HttpResponse:
    form = HallFilterForm(request.GET or None)
    qs = Demand.objects.visible_to(request.user).select_related(
        "enterprise", "enterprise__district", "cluster"
    )
    status = ""
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"]
        if data["q"]:
            words = data["q"].split()[:5]
            for w in words:
                qs = qs.filter(Q(title__icontains=w) | Q(description__icontains=w))
        if data["type"]:
            qs = qs.filter(type=data["type"])
        if data["cluster"]:
            qs = qs.filter(cluster=data["cluster"])
        if data["district"]:
            # Filtering an anonymous demand by its district would narrow down who posted it.
            qs = qs.filter(enterprise__district=data["district"], visibility="public")
    if status == "all":
        qs = qs.filter(status__in=HALL_STATES)
    elif status == D.RESOLVED:
        qs = qs.filter(status=D.RESOLVED)
    else:
        qs = qs.filter(status__in=OPEN_STATES)
    qs = qs.annotate(n_dockings=Count("dockings", distinct=True)).order_by("-published_at", "-id")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    _label(request.user, page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "form": form,
        "page": page,
        "query_base": query.urlencode() + "&" if query else "",
        "types": [(t.value, t.label, TYPE_ICONS[t]) for t in DemandType],
        "can_post": request.user.is_authenticated and _enterprises(request.user).exists(),
        "is_provider": permissions.provider_orgs(request.user).exists(),
    }
    template = "demands/hall.html"
    if request.htmx and request.htmx.target == "hall-results":
        template += "#results"
    return render(request, template, ctx)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    qs = (
        Demand.objects.filter(enterprise__memberships__user=request.user)
        .select_related("enterprise", "cluster")
        .annotate(n_dockings=Count("dockings", distinct=True))
        .distinct()
        .order_by("-created_at")
    )
    status = request.GET.get("status", "")
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk", distinct=True)))
    if status in D.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    _label(request.user, page.object_list)
    ctx = {
        "page": page,
        "status": status,
        "counts": [(s.value, s.label, counts.get(s.value, 0)) for s in D if counts.get(s.value)],
        "total": sum(counts.values()),
        "can_post": _enterprises(request.user).exists(),
        "query_base": f"status={status}&" if status else "",
    }
    return render(request, "demands/mine.html", ctx)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    if not permissions.is_operator(request.user):
        raise PermissionDenied(_("只有运营方可以审核需求。"))
    demands = _label(
        request.user,
        list(
            Demand.objects.filter(status=D.SUBMITTED)
            .select_related("enterprise", "enterprise__district", "cluster", "created_by")
            .order_by("updated_at")
        ),
    )
    return render(request, "demands/review.html", {"demands": demands})


# ---------------------------------------------------------------------------------------------
# Posting and editing, with live matches


def _match_context(matches, *, demand=None, can_dock=False) -> dict:
    return {"matches": matches, "demand": demand, "can_dock": can_dock}


@login_required
def create(request: HttpRequest) -> HttpResponse:
    enterprises = _enterprises(request.user)
    if not enterprises.exists():
        return render(request, "demands/demand_form.html", {"form": None, "no_enterprise": True})
    data = request.POST if request.method == "POST" else None
    form = DemandForm(data, request.FILES or None, enterprises=enterprises)
    if request.method == "POST" and form.is_valid():
        values = {
            k: v for k, v in form.cleaned_data.items() if k not in ("enterprise", "attachment")
        }
        upload = form.cleaned_data.get("attachment")
        try:
            demand = actions.demand_create(
                request.user,
                form.cleaned_data["enterprise"],
                values,
                attachments=[upload] if upload else [],
                submit="submit" in request.POST,
            )
        except (ValidationError, ActionError) as exc:
            apply_error(form, exc)
        else:
            if demand.status == D.SUBMITTED:
                messages.success(request, SUCCESS["submit"])
            else:
                messages.success(request, _("已保存为草稿。确认无误后请提交审核。"))
            return redirect(demand)
    status = 400 if request.method == "POST" else 200
    return render(request, "demands/demand_form.html", {"form": form}, status=status)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    demand = permissions.get_demand_for_user(request.user, pk)
    if not (decision := permissions.can_edit_demand(request.user, demand)):
        raise PermissionDenied(decision.reason)
    data = request.POST if request.method == "POST" else None
    form = DemandForm(data, request.FILES or None, instance=demand, editing=True)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "attachment"}
        upload = form.cleaned_data.get("attachment")
        try:
            with transaction.atomic():
                actions.demand_update(request.user, demand, values)
                if upload:
                    actions.demand_attach(request.user, demand, upload)
                if "submit" in request.POST:
                    actions.demand_submit(request.user, demand)
        except (ValidationError, ActionError) as exc:
            demand.refresh_from_db()
            apply_error(form, exc)
        else:
            messages.success(
                request, SUCCESS["submit"] if "submit" in request.POST else _("已保存修改。")
            )
            return redirect(demand)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "demands/demand_form.html", {"form": form, "demand": demand}, status=status
    )


def match_preview(request: HttpRequest) -> HttpResponse:
    """The best matches for what is being typed (htmx, on the posting form). Read-only and
    public, like POST /api/v1/match."""
    source = request.POST if request.method == "POST" else request.GET
    text = " ".join(source.get(k, "") for k in ("title", "description")).strip()[:2000]
    matches = []
    if len(text) >= 4:
        demand_type = source.get("type", "")
        kinds = list(TYPE_KINDS.get(demand_type, ())) or None
        cluster = source.get("cluster") or None
        matches = matching.rank(
            text,
            matching.Context(industry=cluster, demand_type=demand_type or None, kinds=kinds),
            limit=5,
        )
    return render(
        request, "demands/_matches.html", {**_match_context(matches), "preview": True, "text": text}
    )


# ---------------------------------------------------------------------------------------------
# One demand


def _events(user, demand: Demand) -> list[str]:
    events = []
    manage = bool(permissions.can_manage_demand(user, demand))
    review = bool(permissions.can_review_demand(user, demand))
    for t in actions.DEMAND_FLOW.available(demand):
        if t.event in ("publish", "reject") and review:
            events.append(t.event)
        elif t.event in ("submit", "close", "resolve", "renew") and manage:
            events.append(t.event)
    return events


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    demand = permissions.get_demand_for_user(user, pk)
    _label(user, [demand])
    sees = permissions.sees_identity(user, demand)
    is_member = permissions.is_member(user, demand.enterprise_id)
    staff = permissions.is_operator(user) or permissions.is_broker(user)
    dockings = Docking.objects.filter(demand=demand).for_list()
    if not user.is_authenticated:
        dockings = dockings.none()
    elif not (is_member or staff or permissions.reads_everything(user)):
        dockings = dockings.filter(provider__memberships__user=user)  # a provider: its own only
    can_dock = bool(permissions.can_start_docking(user, demand))
    matches = []
    if demand.status in OPEN_STATES and (is_member or staff):
        matches = matching.match_demand(demand, limit=10)
        live = set(
            demand.dockings.filter(status__in=("interested", "proposed", "active")).values_list(
                "provider_id", flat=True
            )
        )
        for m in matches:
            m.docked = m.resource.provider_id in live
    provider_orgs = list(permissions.provider_orgs(user).exclude(pk=demand.enterprise_id))
    interest_orgs = [
        o for o in provider_orgs if permissions.can_express_interest(user, demand, o)
    ] if demand.status in OPEN_STATES and not is_member else []  # fmt: skip
    show_history = is_member or staff or permissions.reads_everything(user)
    ctx = {
        "demand": demand,
        "sees_identity": sees,
        "is_member": is_member,
        "events": _events(user, demand),
        "can_edit": bool(permissions.can_edit_demand(user, demand)),
        "can_translate": bool(permissions.can_translate_demand(user, demand)),
        "can_assign": bool(permissions.can_assign_broker(user, demand)),
        "is_operator": permissions.is_operator(user),
        "translation_form": TranslationForm(instance=demand),
        "broker_form": BrokerAssignForm(initial={"broker": demand.broker_id}),
        "dockings": list(dockings),
        "attachments": list(demand.attachments.all()) if sees else [],
        "hidden_attachments": (not sees) and demand.attachments.exists(),
        **_match_context(matches, demand=demand, can_dock=can_dock),
        "interest_orgs": interest_orgs,
        "history": list(history(demand)) if show_history else [],
        "workflow": actions.DEMAND_FLOW,
        "type_kinds": TYPE_KINDS.get(demand.type, ()),
    }
    return render(request, "demands/demand_detail.html", ctx)


TRANSITIONS = {
    "submit": lambda user, d, form: actions.demand_submit(user, d),
    "publish": lambda user, d, form: actions.demand_publish(
        user, d, note=form.cleaned_data["reason"]
    ),
    "reject": lambda user, d, form: actions.demand_reject(
        user, d, reason=form.cleaned_data["reason"]
    ),
    "close": lambda user, d, form: actions.demand_close(
        user, d, reason=form.cleaned_data["reason"]
    ),
    "resolve": lambda user, d, form: actions.demand_resolve(
        user, d, note=form.cleaned_data["reason"]
    ),
    "renew": lambda user, d, form: actions.demand_renew(
        user, d, deadline=form.cleaned_data["deadline"]
    ),
}


@login_required
@require_POST
def transition(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    if event not in TRANSITIONS:
        raise Http404
    demand = permissions.get_demand_for_user(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("提交的内容有误，请检查后重试。"))
        return redirect(demand)
    try:
        TRANSITIONS[event](request.user, demand, form)
    except (ValidationError, ActionError) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, str(SUCCESS[event]) % {"title": demand.title})
    if event in ("publish", "reject") and request.POST.get("next") == "review":
        return redirect("demands:review")
    return redirect(demand)


@login_required
@require_POST
def translate(request: HttpRequest, pk: int) -> HttpResponse:
    demand = permissions.get_demand_for_user(request.user, pk)
    form = TranslationForm(request.POST, instance=Demand(pk=demand.pk))
    if form.is_valid():
        try:
            actions.demand_translate(request.user, demand, form.cleaned_data)
        except (ValidationError, ActionError) as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, _("需求翻译已保存，匹配结果已按技术表述更新。"))
    else:
        messages.error(request, _("需求翻译有误：%(e)s") % {"e": form.errors.as_text()})
    return redirect(demand)


@login_required
@require_POST
def assign_broker(request: HttpRequest, pk: int) -> HttpResponse:
    demand = permissions.get_demand_for_user(request.user, pk)
    form = BrokerAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择在册的技术经纪人。"))
        return redirect(demand)
    broker = form.cleaned_data["broker"]
    if "take" in request.POST:
        broker = request.user
    try:
        actions.demand_assign_broker(request.user, demand, broker)
    except (ValidationError, ActionError) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("技术经纪人已更新。"))
    return redirect(demand)


def attachment(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    demand = permissions.get_demand_for_user(request.user, pk)
    if not permissions.sees_identity(request.user, demand):
        raise Http404(_("附件不存在或无权查看。"))
    item = demand.attachments.filter(pk=aid).first()
    if item is None:
        raise Http404(_("附件不存在或无权查看。"))
    content_type = mimetypes.guess_type(item.file.name)[0] or "application/octet-stream"
    response = FileResponse(item.file.open("rb"), content_type=content_type)
    ext = item.file.name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="demand-{demand.pk}-{item.pk}.{ext}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------------
# Opportunities and weights


@login_required
def opportunities(request: HttpRequest) -> HttpResponse:
    orgs = list(permissions.provider_orgs(request.user))
    rows = []
    for org in orgs:
        for demand, score, terms in matching.opportunities(org, limit=20):
            rows.append({"org": org, "demand": demand, "score": round(score * 100), "terms": terms})
    rows.sort(key=lambda r: -r["score"])
    _label(request.user, [r["demand"] for r in rows])
    return render(request, "demands/opportunities.html", {"rows": rows, "orgs": orgs})


@login_required
def weights(request: HttpRequest) -> HttpResponse:
    if not (decision := permissions.can_set_weights(request.user)):
        raise PermissionDenied(decision.reason)
    current = MatchWeights.current()
    form = WeightsForm(request.POST or None, instance=MatchWeights(**current.as_floats()))
    if request.method == "POST" and form.is_valid():
        try:
            actions.weights_save(request.user, form.cleaned_data)
        except (ValidationError, ActionError) as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("匹配权重已保存，新的匹配结果立即生效。"))
            return redirect("demands:weights")
    ctx = {
        "form": form,
        "current": current,
        "saved": MatchWeights.objects.select_related("saved_by")[:10],
    }
    return render(request, "demands/weights.html", ctx, status=400 if form.errors else 200)

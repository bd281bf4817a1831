"""Pages of service orders: request one from a service product, my orders, one order with its
timeline and the buttons of each side."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atelier.catalog.models import Resource, ResourceKind, ResourceStatus
from atelier.core.errors import ActionError
from atelier.core.models import StatusChange
from atelier.orgs.models import Organization, OrgStatus
from atelier.vouchers.models import Voucher, VoucherStatus

from . import service
from .models_orders import Dispute, DisputeStatus, OrderStatus, ServiceOrder

QUOTE_ROWS = 5


def _message(exc) -> str:
    return getattr(exc, "message", None) or "；".join(exc.messages)


def _orders_for(user):
    if user.is_superuser or user.reads_everything:
        return ServiceOrder.objects.all()
    return ServiceOrder.objects.filter(
        Q(enterprise__memberships__user=user) | Q(provider__memberships__user=user)
    ).distinct()


def _get(user, pk) -> ServiceOrder:
    try:
        return (
            _orders_for(user)
            .select_related("enterprise", "provider", "resource", "voucher_use__voucher")
            .get(pk=pk)
        )
    except (ServiceOrder.DoesNotExist, ValueError, TypeError):
        raise Http404(_("订单不存在或无权查看。")) from None


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    qs = _orders_for(request.user).select_related("enterprise", "provider", "rating")
    status = request.GET.get("status", "")
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-requested_at"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/order_list.html",
        {"page": page, "status": status, "statuses": OrderStatus.choices},
    )


@login_required
def order_new(request: HttpRequest) -> HttpResponse:
    """An order from a service product (?resource=), from a docking (?docking=) or a direct
    request to a provider (?provider=)."""
    source = request.POST if request.method == "POST" else request.GET
    resource = docking = provider = None
    if source.get("docking"):
        from atelier.demands.models import Docking, DockingStatus

        docking = (
            Docking.objects.filter(
                pk=source.get("docking"),
                status__in=(DockingStatus.ACTIVE, DockingStatus.WON),
                demand__enterprise__memberships__user=request.user,
            )
            .select_related("provider", "resource", "demand")
            .first()
        )
        if docking is not None:
            provider = docking.provider
            if docking.resource and docking.resource.kind == ResourceKind.SERVICE:
                resource = docking.resource
    elif source.get("resource"):
        resource = (
            Resource.objects.filter(
                pk=source.get("resource"), kind=ResourceKind.SERVICE,
                status=ResourceStatus.PUBLISHED,
            )
            .select_related("provider")
            .first()
        )  # fmt: skip
        provider = resource.provider if resource else None
    elif source.get("provider"):
        provider = Organization.objects.filter(
            pk=source.get("provider"), status=OrgStatus.VERIFIED
        ).first()
    if provider is None:
        raise Http404(_("请从资源库的服务产品、对接或服务机构页面下单。"))
    enterprises = list(
        Organization.objects.filter(memberships__user=request.user, status=OrgStatus.VERIFIED)
        .exclude(pk=provider.pk)
        .distinct()
    )
    if docking is not None:
        enterprises = [e for e in enterprises if e.pk == docking.demand.enterprise_id]
    default_title = resource.title if resource else (docking.demand.title if docking else "")
    error = ""
    if request.method == "POST":
        enterprise = next(
            (e for e in enterprises if str(e.pk) == request.POST.get("enterprise")), None
        )
        try:
            if enterprise is None:
                raise ActionError(_("请选择以哪家企业下单。"))
            order = service.order_request(
                request.user, enterprise=enterprise, resource=resource, provider=provider,
                docking=docking, title=request.POST.get("title", ""),
                requirements=request.POST.get("requirements", ""),
            )  # fmt: skip
        except (ValidationError, ActionError) as exc:
            error = _message(exc)
        else:
            messages.success(request, _("订单已提交，等待服务机构报价。"))
            return redirect(order)
    ctx = {
        "resource": resource,
        "docking": docking,
        "provider": provider,
        "enterprises": enterprises,
        "default_title": default_title,
        "error": error,
    }
    return render(request, "orders/order_new.html", ctx, status=400 if error else 200)


def _timeline(order: ServiceOrder) -> list[dict]:
    items = [
        {
            "at": c.at,
            "who": c.actor.display_name if c.actor else _("系统"),
            "title": service.ORDER_FLOW.state_label(c.to_state),
            "text": c.reason,
            "kind": "status",
        }
        for c in StatusChange.objects.filter(
            content_type=ContentType.objects.get_for_model(ServiceOrder), object_id=str(order.pk)
        ).select_related("actor")
    ]
    for m in order.messages.select_related("author"):
        items.append(
            {
                "at": m.at,
                "who": m.author.display_name if m.author else _("系统"),
                "title": m.get_kind_display(),
                "text": m.text,
                "kind": m.kind,
                "message": m,
            }
        )
    items.sort(key=lambda i: i["at"])
    return items


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get(request.user, pk)
    who = service.side(request.user, order)
    vouchers = []
    if who == "enterprise" and order.status == OrderStatus.QUOTED:
        vouchers = list(
            Voucher.objects.filter(
                enterprise=order.enterprise, status=VoucherStatus.ACTIVE,
                use_by__gte=timezone.localdate(), available_fen__gt=0,
            )
        )  # fmt: skip
    ctx = {
        "order": order,
        "side": who,
        "lines": list(order.lines.all()),
        "timeline": _timeline(order),
        "vouchers": vouchers,
        "quote_rows": range(QUOTE_ROWS),
        "dispute": order.disputes.filter(status=DisputeStatus.OPEN).first(),
        "rating": getattr(order, "rating", None),
    }
    return render(request, "orders/order_detail.html", ctx)


@login_required
@require_POST
def order_do(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    order = _get(request.user, pk)
    post, user = request.POST, request.user
    try:
        if event == "quote":
            lines = [
                {k: post.get(f"line-{i}-{k}", "") for k in ("description", "quantity", "unit",
                                                            "unit_price")}
                for i in range(QUOTE_ROWS)
                if post.get(f"line-{i}-description", "").strip()
            ]  # fmt: skip
            days = post.get("lead_days", "").strip()
            service.order_quote(
                user, order, lines=lines, terms=post.get("terms", ""),
                lead_days=int(days) if days.isdigit() else None,
            )  # fmt: skip
        elif event == "accept":
            voucher = None
            if post.get("voucher"):
                voucher = Voucher.objects.filter(
                    pk=post["voucher"], enterprise=order.enterprise
                ).first()
            service.order_accept(user, order, voucher=voucher)
        elif event == "start":
            service.order_start(user, order)
        elif event == "deliver":
            service.order_deliver(
                user, order, note=post.get("text", ""), upload=request.FILES.get("file")
            )
        elif event == "confirm":
            service.order_confirm(user, order)
        elif event == "cancel":
            service.order_cancel(user, order, reason=post.get("reason", ""))
        elif event == "rate":
            score = post.get("score", "")
            service.order_rate(
                user, order, score=int(score) if score.isdigit() else 0,
                comment=post.get("comment", ""),
            )  # fmt: skip
        elif event == "message":
            service.order_message(user, order, text=post.get("text", ""))
        elif event == "dispute":
            service.dispute_open(user, order, reason=post.get("reason", ""))
        elif event == "resolve":
            dispute = Dispute.objects.filter(order=order, status=DisputeStatus.OPEN).first()
            if dispute is None:
                raise Http404
            service.dispute_resolve(
                user, dispute, resolution=post.get("resolution", ""),
                cancel=post.get("cancel") == "1",
            )  # fmt: skip
        else:
            raise Http404
    except (ValidationError, ActionError) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("已更新订单。"))
    return redirect(order)


@login_required
def deliverable(request: HttpRequest, pk: int, mid: int) -> HttpResponse:
    order = _get(request.user, pk)
    message = order.messages.filter(pk=mid).exclude(file="").first()
    if message is None:
        raise Http404
    response = FileResponse(message.file.open("rb"))
    response["Content-Disposition"] = f'attachment; filename="{order.code}-{message.pk}"'
    response["Cache-Control"] = "private, no-store"
    return response

"""Every write on service orders. Status changes go through ORDER_FLOW (who, when, from, to,
why); the voucher part goes through the voucher actions: acceptance reserves it, confirmation
makes it claimable, cancellation releases it — in the same transaction as the order's step, so
an order and its voucher never disagree."""

import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atelier.accounts.models import Role, User
from atelier.catalog.models import Resource, ResourceKind, ResourceStatus
from atelier.core import audit
from atelier.core.errors import ActionError, Conflict, NotAllowed
from atelier.core.notify import notify, platform_language
from atelier.core.uploads import validate_document
from atelier.core.workflow import Transition, Workflow
from atelier.orgs.models import Membership, Organization, OrgStatus
from atelier.vouchers import actions as voucher_actions
from atelier.vouchers.models import Voucher

from .models_orders import (
    Dispute,
    DisputeStatus,
    MessageKind,
    OrderLine,
    OrderMessage,
    OrderStatus,
    Rating,
    ServiceOrder,
)

OS = OrderStatus
ORDER_FLOW = Workflow(
    ServiceOrder,
    [
        Transition("quote", (OS.REQUESTED, OS.QUOTED), OS.QUOTED, "报价"),
        Transition("accept", (OS.QUOTED,), OS.ACCEPTED, "接受报价"),
        Transition("start", (OS.ACCEPTED,), OS.IN_SERVICE, "开始服务"),
        Transition("deliver", (OS.IN_SERVICE,), OS.DELIVERED, "交付"),
        Transition("confirm", (OS.DELIVERED,), OS.CONFIRMED, "确认完成"),
        Transition(
            "cancel",
            (OS.REQUESTED, OS.QUOTED, OS.ACCEPTED, OS.IN_SERVICE, OS.DELIVERED),
            OS.CANCELLED,
            "取消订单",
            requires_reason=True,
        ),  # fmt: skip
    ],
)
AUTO_CONFIRM_DAYS = 7


def _member(user, org_id) -> bool:
    return bool(
        user and user.is_authenticated
        and Membership.objects.filter(user=user, organization_id=org_id).exists()
    )  # fmt: skip


def side(user, order: ServiceOrder) -> str | None:
    if _member(user, order.enterprise_id):
        return "enterprise"
    if _member(user, order.provider_id):
        return "provider"
    if user and user.is_authenticated and (user.role == Role.OPERATOR or user.is_superuser):
        return "operator"
    return None


def _people(org_id):
    return User.objects.filter(is_active=True, memberships__organization_id=org_id).distinct()


def _tell(order: ServiceOrder, org_id, title: str, body: str = "") -> None:
    notify(_people(org_id), title=title, body=body, url=order.get_absolute_url())


def _code() -> str:
    return f"FW{timezone.localdate():%Y%m%d}{secrets.token_hex(3).upper()}"


def order_request(
    actor, *, enterprise: Organization, resource: Resource | None = None,
    provider: Organization | None = None, title: str = "", requirements: str = "", docking=None,
) -> ServiceOrder:  # fmt: skip
    """A request from a service product, a docking or directly to a provider."""
    if not _member(actor, enterprise.pk):
        raise NotAllowed(_("只能以本企业名义下单。"))
    if enterprise.status != OrgStatus.VERIFIED:
        raise ActionError(_("企业通过认证后才能下单。"), code="not_verified")
    if resource is not None:
        if resource.kind != ResourceKind.SERVICE or resource.status != ResourceStatus.PUBLISHED:
            raise ActionError(_("只能为已发布的服务产品下单。"), code="not_orderable")
        provider = resource.provider
        title = title or resource.title
    if provider is None:
        raise ValidationError({"provider": _("请选择服务机构。")})
    if provider.pk == enterprise.pk:
        raise ActionError(_("不能向本企业下单。"), code="self_order")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写服务内容。")})
    with transaction.atomic():
        order = ServiceOrder.objects.create(
            code=_code(), enterprise=enterprise, provider=provider, resource=resource,
            docking=docking, title=title[:200], requirements=(requirements or "").strip(),
            created_by=actor,
        )  # fmt: skip
        audit.record(actor=actor, verb="order.request", obj=order)
        with platform_language():
            title_text = _("新的服务订单待报价：%(t)s") % {"t": order.title}
        _tell(order, provider.pk, title_text, order.requirements)
    return order


def _parse_lines(lines: list[dict]) -> list[OrderLine]:
    if not lines:
        raise ValidationError({"lines": _("报价至少需要一项。")})
    out = []
    for i, row in enumerate(lines):
        try:
            quantity = Decimal(str(row["quantity"]))
            price = Decimal(str(row["unit_price"]).replace(",", ""))
        except (KeyError, InvalidOperation):
            raise ValidationError(
                {"lines": _("第 %(n)d 项的数量或单价格式不正确。") % {"n": i + 1}}
            ) from None
        if not quantity.is_finite() or quantity <= 0 or not price.is_finite() or price < 0:
            raise ValidationError(
                {"lines": _("第 %(n)d 项的数量须大于零，单价不能为负。") % {"n": i + 1}}
            )
        fen = price * 100
        if fen != fen.to_integral_value():
            raise ValidationError({"lines": _("第 %(n)d 项的单价最多两位小数。") % {"n": i + 1}})
        line = OrderLine(
            position=i, description=str(row.get("description", "")).strip()[:120],
            quantity=quantity.quantize(Decimal("0.01")), unit=str(row.get("unit", ""))[:20],
            unit_price_fen=int(fen),
        )  # fmt: skip
        if not line.description:
            raise ValidationError({"lines": _("第 %(n)d 项缺少项目名称。") % {"n": i + 1}})
        out.append(line)
    return out


def order_quote(actor, order: ServiceOrder, *, lines: list[dict], terms: str = "", lead_days=None):
    """The provider's quote (again, while not yet accepted). After acceptance prices are frozen:
    the transition refuses."""
    if side(actor, order) != "provider":
        raise NotAllowed(_("只有服务机构可以报价。"))
    rows = _parse_lines(lines)
    total = sum(r.amount_fen for r in rows)
    with transaction.atomic():
        ORDER_FLOW.apply(
            order, "quote", actor=actor,
            updates={"total_fen": total, "terms": (terms or "").strip(), "lead_days": lead_days},
        )  # fmt: skip
        order.lines.all().delete()
        for r in rows:
            r.order = order
        OrderLine.objects.bulk_create(rows)
        with platform_language():
            text = _("订单已报价：%(t)s，合计 %(a)s 元") % {
                "t": order.title,
                "a": f"{Decimal(total) / 100:,.2f}",
            }
        _tell(order, order.enterprise_id, text)
    return order


def order_accept(actor, order: ServiceOrder, *, voucher: Voucher | None = None) -> ServiceOrder:
    """Accept the quote: price, terms and the listing's parameters are frozen into the order; a
    voucher, if given, is reserved for its part of the price in the same step."""
    if side(actor, order) != "enterprise":
        raise NotAllowed(_("只有委托企业可以接受报价。"))
    resource = order.resource
    frozen = {
        "lines": [
            {"description": line.description, "quantity": str(line.quantity), "unit": line.unit,
             "unit_price_fen": line.unit_price_fen}
            for line in order.lines.all()
        ],
        "total_fen": order.total_fen,
        "terms": order.terms,
        "lead_days": order.lead_days,
        "resource": (
            {"id": resource.pk, "title": resource.title, "category": resource.category,
             "price": str(resource.price) if resource.price is not None else None,
             "price_unit": resource.price_unit, "description": resource.description}
            if resource else None
        ),
        "accepted_at": timezone.now().isoformat(),
    }  # fmt: skip
    with transaction.atomic():
        ORDER_FLOW.apply(order, "accept", actor=actor, updates={"frozen": frozen})
        if voucher is not None:
            if voucher.enterprise_id != order.enterprise_id:
                raise NotAllowed(_("只能使用本企业的创新券。"))
            use = voucher_actions.reserve(
                actor, voucher, provider=order.provider, price=Decimal(order.total_fen) / 100,
                service=order.title, contract_no=order.code, resource=resource,
                category=resource.category if resource else "",
            )  # fmt: skip
            ServiceOrder.objects.filter(pk=order.pk).update(voucher_use=use)
            order.voucher_use = use
        with platform_language():
            text = _("报价已被接受，请开始服务：%(t)s") % {"t": order.title}
        _tell(order, order.provider_id, text)
    return order


def order_start(actor, order: ServiceOrder) -> ServiceOrder:
    if side(actor, order) != "provider":
        raise NotAllowed(_("由服务机构开始服务。"))
    with transaction.atomic():
        ORDER_FLOW.apply(order, "start", actor=actor)
    return order


def order_message(actor, order: ServiceOrder, *, text: str, upload=None, deliverable=False):
    if side(actor, order) is None:
        raise NotAllowed(_("只有订单双方和运营方可以留言。"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写内容。")})
    if upload is not None:
        validate_document(upload)
    with transaction.atomic():
        message = OrderMessage.objects.create(
            order=order, text=text[:5000], author=actor,
            kind=MessageKind.DELIVERABLE if deliverable else MessageKind.MESSAGE,
            **({"file": upload} if upload is not None else {}),
        )  # fmt: skip
        other = order.provider_id if side(actor, order) == "enterprise" else order.enterprise_id
        with platform_language():
            title = _("订单有新留言：%(t)s") % {"t": order.title}
        _tell(order, other, title, text[:200])
    return message


def order_deliver(actor, order: ServiceOrder, *, note: str, upload=None) -> ServiceOrder:
    """Delivery with a note and, usually, the report or deliverable file."""
    if side(actor, order) != "provider":
        raise NotAllowed(_("由服务机构交付。"))
    with transaction.atomic():
        ORDER_FLOW.apply(order, "deliver", actor=actor, updates={"delivered_at": timezone.now()})
        order_message(actor, order, text=note, upload=upload, deliverable=True)
        with platform_language():
            title = _("服务已交付，请确认：%(t)s（%(n)d 天内未确认将自动确认）") % {
                "t": order.title,
                "n": AUTO_CONFIRM_DAYS,
            }
        _tell(order, order.enterprise_id, title)
    return order


def order_confirm(actor, order: ServiceOrder, *, auto: bool = False) -> ServiceOrder:
    if not auto and side(actor, order) != "enterprise":
        raise NotAllowed(_("由委托企业确认完成。"))
    with transaction.atomic():
        ORDER_FLOW.apply(
            order, "confirm", actor=None if auto else actor,
            reason=_("交付后 %(n)d 天未确认，自动确认") % {"n": AUTO_CONFIRM_DAYS} if auto else "",
            updates={"confirmed_at": timezone.now()},
        )  # fmt: skip
        if order.voucher_use_id:
            voucher_actions.use_confirm(None if auto else actor, order.voucher_use)
    return order


def orders_auto_confirm(now=None) -> int:
    now = now or timezone.now()
    due = ServiceOrder.objects.filter(
        status=OS.DELIVERED, delivered_at__lt=now - timedelta(days=AUTO_CONFIRM_DAYS)
    )
    count = 0
    for order in due.select_related("voucher_use"):
        try:
            order_confirm(None, order, auto=True)
        except ActionError:
            continue
        count += 1
    return count


def order_cancel(actor, order: ServiceOrder, *, reason: str) -> ServiceOrder:
    """Before acceptance either side may cancel; after acceptance the enterprise or the
    provider with a reason, before service starts; once in service only the operator (through
    a dispute). A reserved voucher part is released."""
    who = side(actor, order)
    allowed = {
        OS.REQUESTED: ("enterprise", "provider", "operator"),
        OS.QUOTED: ("enterprise", "provider", "operator"),
        OS.ACCEPTED: ("enterprise", "provider", "operator"),
        OS.IN_SERVICE: ("operator",),
        OS.DELIVERED: ("operator",),
    }.get(order.status, ())
    if who not in allowed:
        raise NotAllowed(_("当前状态下无权取消该订单；服务开始后请提出申诉，由运营方处理。"))
    with transaction.atomic():
        ORDER_FLOW.apply(order, "cancel", actor=actor, reason=reason)
        if order.voucher_use_id:
            voucher_actions.use_release(actor, order.voucher_use, reason=_("订单取消"))
        other = order.provider_id if who == "enterprise" else order.enterprise_id
        with platform_language():
            title = _("订单已取消：%(t)s") % {"t": order.title}
        _tell(order, other, title, reason)
    return order


def order_rate(actor, order: ServiceOrder, *, score: int, comment: str = "") -> Rating:
    if side(actor, order) != "enterprise":
        raise NotAllowed(_("由委托企业评价。"))
    if order.status != OS.CONFIRMED:
        raise ActionError(_("订单确认完成后才能评价。"), code="not_confirmed")
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"score": _("评分须为 1 到 5。")})
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                order=order, score=score, comment=(comment or "").strip()[:2000], by=actor
            )
            audit.record(actor=actor, verb="order.rate", obj=order, note=str(score))
    except IntegrityError:
        raise Conflict(_("该订单已经评价过。"), code="already_rated") from None
    return rating


def dispute_open(actor, order: ServiceOrder, *, reason: str) -> Dispute:
    who = side(actor, order)
    if who not in ("enterprise", "provider"):
        raise NotAllowed(_("只有订单双方可以申诉。"))
    if order.status not in (OS.ACCEPTED, OS.IN_SERVICE, OS.DELIVERED):
        raise ActionError(_("该状态的订单不能申诉。"), code="not_disputable")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明申诉理由。")})
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(order=order, opened_by=actor, side=who, reason=reason)
            audit.record(actor=actor, verb="order.dispute", obj=order, note=reason[:200])
            with platform_language():
                title = _("订单申诉待处理：%(t)s") % {"t": order.title}
            notify(
                User.objects.filter(is_active=True, role=Role.OPERATOR), title=title,
                body=reason[:200], url=order.get_absolute_url(),
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(_("该订单已有处理中的申诉。"), code="dispute_open") from None
    return dispute


def dispute_resolve(actor, dispute: Dispute, *, resolution: str, cancel: bool = False) -> Dispute:
    if not (
        actor and actor.is_authenticated and (actor.role == Role.OPERATOR or actor.is_superuser)
    ):
        raise NotAllowed(_("申诉由运营方处理。"))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("请写明处理结果。")})
    with transaction.atomic():
        changed = Dispute.objects.filter(pk=dispute.pk, status=DisputeStatus.OPEN).update(
            status=DisputeStatus.RESOLVED, resolution=resolution, resolved_by=actor,
            resolved_at=timezone.now(),
        )  # fmt: skip
        if not changed:
            raise Conflict(_("该申诉已处理。"), code="already_resolved")
        if cancel:
            order_cancel(actor, dispute.order, reason=_("申诉处理：%(r)s") % {"r": resolution})
        audit.record(actor=actor, verb="order.resolve", obj=dispute.order, note=resolution[:200])
        for org_id in (dispute.order.enterprise_id, dispute.order.provider_id):
            with platform_language():
                title = _("订单申诉已处理：%(t)s") % {"t": dispute.order.title}
            _tell(dispute.order, org_id, title, resolution[:200])
    dispute.refresh_from_db()
    return dispute

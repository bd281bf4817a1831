"""One-stop service orders (服务订单): requested → quoted → accepted → in service → delivered →
confirmed (→ rated), cancellable by state, with disputes resolved by the operator. Money is
integer fen; the accepted quote is frozen into the order (lines, terms and the listing's
parameters as they were), so a later change of the listing or a provider's change of price
cannot reach an accepted order."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    REQUESTED = "requested", _("待报价")
    QUOTED = "quoted", _("已报价")
    ACCEPTED = "accepted", _("已接受报价")
    IN_SERVICE = "in_service", _("服务中")
    DELIVERED = "delivered", _("已交付")
    CONFIRMED = "confirmed", _("已确认完成")
    CANCELLED = "cancelled", _("已取消")


OPEN_ORDER_STATES = (
    OrderStatus.REQUESTED,
    OrderStatus.QUOTED,
    OrderStatus.ACCEPTED,
    OrderStatus.IN_SERVICE,
    OrderStatus.DELIVERED,
)


class ServiceOrder(models.Model):
    code = models.CharField(_("订单号"), max_length=24, unique=True)
    enterprise = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="service_orders",
        verbose_name=_("委托企业"),
    )  # fmt: skip
    provider = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="provider_orders",
        verbose_name=_("服务机构"),
    )  # fmt: skip
    resource = models.ForeignKey(
        "catalog.Resource", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="orders", verbose_name=_("服务产品"),
    )  # fmt: skip
    docking = models.ForeignKey(
        "demands.Docking", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="orders", verbose_name=_("来自对接"),
    )  # fmt: skip
    title = models.CharField(_("服务内容"), max_length=200)
    requirements = models.TextField(_("需求说明"), blank=True)
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.REQUESTED
    )
    terms = models.TextField(_("服务条款"), blank=True)
    lead_days = models.PositiveSmallIntegerField(_("服务周期（工作日）"), null=True, blank=True)
    frozen = models.JSONField(_("接受报价时的约定"), default=dict, blank=True)
    total_fen = models.BigIntegerField(_("合计（分）"), default=0)
    voucher_use = models.OneToOneField(
        "vouchers.VoucherUse", null=True, blank=True, on_delete=models.PROTECT,
        related_name="order", verbose_name=_("创新券抵扣"),
    )  # fmt: skip
    requested_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("服务订单")
        verbose_name_plural = _("服务订单")
        constraints = [
            models.CheckConstraint(condition=models.Q(total_fen__gte=0), name="order_total_ge_0"),
            models.CheckConstraint(
                condition=~models.Q(enterprise=models.F("provider")), name="order_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("orders:order", args=[self.pk])

    @property
    def total_yuan(self) -> Decimal:
        return Decimal(self.total_fen) / 100


class OrderLine(models.Model):
    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(_("项目"), max_length=120)
    quantity = models.DecimalField(
        _("数量"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    unit_price_fen = models.BigIntegerField(_("单价（分）"))

    class Meta:
        ordering = ["order", "position", "id"]
        verbose_name = _("报价明细")
        verbose_name_plural = _("报价明细")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit_price_fen__gte=0, quantity__gt=0), name="line_positive"
            )
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def amount_fen(self) -> int:
        """quantity × unit price, rounded half up to the fen (Decimal, never float)."""
        return int((self.quantity * self.unit_price_fen).quantize(Decimal(1), ROUND_HALF_UP))


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("留言")
    DELIVERABLE = "deliverable", _("交付物")


def deliverable_path(instance, filename: str) -> str:
    return f"orders/{instance.order_id}/{timezone.now():%Y%m%d%H%M%S}-{filename[-60:]}"


class OrderMessage(models.Model):
    """A line on the order's timeline; never edited."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    text = models.TextField(_("内容"))
    file = models.FileField(_("附件"), upload_to=deliverable_path, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("订单留言")
        verbose_name_plural = _("订单留言")

    def __str__(self) -> str:
        return self.text[:40]


class Rating(models.Model):
    order = models.OneToOneField(ServiceOrder, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("评价"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("服务评价")
        verbose_name_plural = _("服务评价")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order.code}: {self.score}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("处理中")
    RESOLVED = "resolved", _("已处理")


class Dispute(models.Model):
    """申诉: opened by either side, resolved by the operator."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="disputes")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    side = models.CharField(max_length=10)  # enterprise | provider
    reason = models.TextField(_("申诉理由"))
    status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("订单申诉")
        verbose_name_plural = _("订单申诉")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(status="open"), name="one_open_dispute"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order.code}: {self.reason[:30]}"

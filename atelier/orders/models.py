"""Shared-instrument booking (issue 6, item 2): schedules, closures, qualifications, bookings,
recorded use, no-show violations and the waitlist. Service orders join this app later.

No two live bookings of one instrument overlap. On PostgreSQL an exclusion constraint
(`booking_no_overlap`, migration 0002) enforces it; on SQLite `actions.booking_create` serialises
writers on the instrument's schedule row before it checks and inserts (see that function).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atelier.catalog.models import Resource

# Opening hours of a new schedule: Monday to Friday, 08:30–12:00 and 13:30–17:30.
DEFAULT_HOURS = {str(d): [["08:30", "12:00"], ["13:30", "17:30"]] for d in range(5)}
LIVE_STATUSES = ("requested", "confirmed", "completed")  # the ones that hold a slot


def default_hours():
    return {k: [list(p) for p in v] for k, v in DEFAULT_HOURS.items()}


def _parse(hhmm: str) -> time:
    h, m = hhmm.split(":")
    return time(int(h), int(m))


class FeeBasis(models.TextChoices):
    HOUR = "hour", _("按机时")
    SAMPLE = "sample", _("按样品")


class PriceGroup(models.TextChoices):
    INTERNAL = "internal", _("内部")
    EXTERNAL = "external", _("外部")


class InstrumentSchedule(models.Model):
    """Booking rules of one instrument (a catalog Resource of kind "instrument")."""

    resource = models.OneToOneField(
        Resource, on_delete=models.CASCADE, related_name="schedule", verbose_name=_("仪器")
    )
    # {"0": [["08:30", "12:00"], ...], ...}: weekday (0 = Monday) → open intervals, local time.
    opening_hours = models.JSONField(_("开放时间"), default=default_hours)
    requires_approval = models.BooleanField(_("预约需管理员审批"), default=True)
    requires_qualification = models.BooleanField(_("须经培训取得上机资格"), default=False)
    fee_basis = models.CharField(
        _("收费方式"), max_length=8, choices=FeeBasis.choices, default=FeeBasis.HOUR
    )
    internal_fee_fen = models.BigIntegerField(_("内部价（分/机时或样品）"), default=0)
    external_fee_fen = models.BigIntegerField(_("外部价（分/机时或样品）"), default=0)
    no_show_minutes = models.PositiveIntegerField(_("爽约判定（分钟）"), default=60)
    violation_limit = models.PositiveIntegerField(_("违约次数上限"), default=3)
    violation_window_days = models.PositiveIntegerField(_("违约统计周期（天）"), default=90)
    block_days = models.PositiveIntegerField(_("限制预约天数"), default=30)

    class Meta:
        verbose_name = _("仪器预约规则")
        verbose_name_plural = _("仪器预约规则")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(internal_fee_fen__gte=0, external_fee_fen__gte=0),
                name="schedule_fees_non_negative",
            )
        ]

    def __str__(self) -> str:
        return str(self.resource)

    def intervals(self, day) -> list[tuple[datetime, datetime]]:
        """The open intervals of a local date as aware datetimes."""
        tz = timezone.get_current_timezone()
        out = []
        for a, b in self.opening_hours.get(str(day.weekday()), []):
            out.append(
                (
                    datetime.combine(day, _parse(a), tzinfo=tz),
                    datetime.combine(day, _parse(b), tzinfo=tz),
                )
            )
        return out

    def is_open(self, start: datetime, end: datetime) -> bool:
        """True when [start, end) lies inside one open interval of one day."""
        local = timezone.localtime(start)
        return any(a <= start and end <= b for a, b in self.intervals(local.date()))

    def fee_fen(self, group: str) -> int:
        return self.internal_fee_fen if group == PriceGroup.INTERNAL else self.external_fee_fen


class ClosureKind(models.TextChoices):
    HOLIDAY = "holiday", _("节假日")
    MAINTENANCE = "maintenance", _("维护保养")
    OUTAGE = "outage", _("故障停机")


class Closure(models.Model):
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="closures", verbose_name=_("仪器")
    )
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    kind = models.CharField(_("类型"), max_length=12, choices=ClosureKind.choices)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("停用时段")
        verbose_name_plural = _("停用时段")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="closure_span"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start:%Y-%m-%d %H:%M}"


class Qualification(models.Model):
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="qualifications", verbose_name=_("仪器")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qualifications"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("上机资格")
        verbose_name_plural = _("上机资格")
        constraints = [
            models.UniqueConstraint(fields=["resource", "user"], name="qualification_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.resource}"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    CONFIRMED = "confirmed", _("已确认")
    CANCELLED = "cancelled", _("已取消")
    VOID = "void", _("爽约作废")
    COMPLETED = "completed", _("已完成")
    MOVED = "moved", _("已改期")


class BookingQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE_STATUSES)

    def overlapping(self, resource, start, end):
        return self.live().filter(resource=resource, start__lt=end, end__gt=start)

    def for_list(self):
        return self.select_related("resource", "user", "organization", "usage")


class Booking(models.Model):
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("仪器")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("所属单位"),
    )
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    status = models.CharField(
        _("状态"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    moved_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="moved_to"
    )
    purpose = models.CharField(_("用途"), max_length=200)
    price_group = models.CharField(
        _("价格组"), max_length=8, choices=PriceGroup.choices, default=PriceGroup.EXTERNAL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("仪器预约")
        verbose_name_plural = _("仪器预约")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["resource", "start"]),
            models.Index(fields=["user", "start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="booking_span"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource} {timezone.localtime(self.start):%Y-%m-%d %H:%M}"

    @property
    def hours(self):
        return (self.end - self.start) / timedelta(hours=1)


class Usage(models.Model):
    """What actually happened, recorded by the instrument manager."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="usage")
    started_at = models.DateTimeField(_("开机时间"))
    stopped_at = models.DateTimeField(_("关机时间"), null=True, blank=True)
    samples = models.PositiveIntegerField(_("样品数"), default=0)
    fee_fen = models.BigIntegerField(_("费用（分）"), null=True, blank=True)
    # The unit price charged (per hour or per sample, of the booking's price group), kept so
    # that a later price change does not rewrite what a fee slip says was charged.
    unit_fee_fen = models.BigIntegerField(_("单价（分）"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("上机记录")
        verbose_name_plural = _("上机记录")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stopped_at__isnull=True)
                | models.Q(stopped_at__gte=models.F("started_at")),
                name="usage_span",
            )
        ]

    def __str__(self) -> str:
        return f"{self.booking}"

    @property
    def seconds(self) -> int:
        if not self.stopped_at:
            return 0
        return int((self.stopped_at - self.started_at).total_seconds())


class ViolationKind(models.TextChoices):
    NO_SHOW = "no_show", _("爽约")


class Violation(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booking_violations"
    )
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="violations")
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="violation")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(
        max_length=10, choices=ViolationKind.choices, default=ViolationKind.NO_SHOW
    )

    class Meta:
        verbose_name = _("违约记录")
        verbose_name_plural = _("违约记录")
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()}"


class WaitlistEntry(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="waitlist")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    start = models.DateTimeField(_("期望开始"))
    end = models.DateTimeField(_("期望结束"))
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("候补")
        verbose_name_plural = _("候补")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.resource}"


from .models_orders import *  # noqa: E402, F403  (service orders)

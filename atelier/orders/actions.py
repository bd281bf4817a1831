"""Booking actions: every write to a booking goes through here (architecture.md, "Writes").

Overlap is refused twice: an ordinary query gives a clear message in the common case, and the
database has the last word when two requests race —
- PostgreSQL: the exclusion constraint `booking_no_overlap` (migration 0002). The loser's INSERT
  waits for the winner's commit, then fails with an exclusion violation (an IntegrityError),
  which `booking_create` turns into a `Conflict`.
- SQLite has no such constraint, so `booking_create` first takes the database write lock with a
  no-op UPDATE of the instrument's schedule row, then checks and inserts. SQLite allows one writer
  at a time, so the check and the insert of two requests can no longer interleave. (Our SQLite
  connections already BEGIN IMMEDIATE; the UPDATE keeps the rule true without that setting.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atelier.catalog.models import Resource, ResourceKind
from atelier.core import audit
from atelier.core.errors import ActionError, Conflict, NotAllowed
from atelier.core.notify import notify, platform_language
from atelier.core.workflow import Transition, Workflow

from .models import (
    Booking,
    BookingStatus,
    Closure,
    FeeBasis,
    InstrumentSchedule,
    PriceGroup,
    Qualification,
    Usage,
    Violation,
    WaitlistEntry,
)
from .permissions import can_change_booking, can_manage_instrument

S = BookingStatus
BOOKING = Workflow(
    Booking,
    [
        Transition("approve", (S.REQUESTED,), S.CONFIRMED, gettext_lazy("批准预约")),
        Transition("reject", (S.REQUESTED,), S.CANCELLED, gettext_lazy("驳回预约"), True),
        Transition("cancel", (S.REQUESTED, S.CONFIRMED), S.CANCELLED, gettext_lazy("取消预约")),
        Transition("move", (S.REQUESTED, S.CONFIRMED), S.MOVED, gettext_lazy("改期")),
        Transition("no_show", (S.CONFIRMED,), S.VOID, gettext_lazy("爽约作废")),
        Transition("complete", (S.CONFIRMED,), S.COMPLETED, gettext_lazy("完成上机")),
    ],
)


def schedule_for(resource: Resource) -> InstrumentSchedule:
    if resource.kind != ResourceKind.INSTRUMENT:
        raise ActionError(_("只有仪器设备可以预约。"), code="not_instrument")
    schedule, _created = InstrumentSchedule.objects.get_or_create(resource=resource)
    return schedule


def blocked_until(user, resource, *, now: datetime | None = None) -> datetime | None:
    """The end of the user's booking ban on this instrument, or None: `violation_limit`
    violations within `violation_window_days` ban booking for `block_days` from the last one."""
    now = now or timezone.now()
    schedule = schedule_for(resource)
    window = timedelta(days=schedule.violation_window_days)
    block = timedelta(days=schedule.block_days)
    times = list(
        Violation.objects.filter(user=user, resource=resource, at__gte=now - window - block)
        .order_by("at")
        .values_list("at", flat=True)
    )
    until = None
    for i, at in enumerate(times):
        in_window = [t for t in times[: i + 1] if t > at - window]
        if len(in_window) >= schedule.violation_limit and at + block > now:
            until = at + block
    return until


def price_group_for(resource: Resource, organization) -> str:
    if organization is not None and organization.pk == resource.provider_id:
        return PriceGroup.INTERNAL
    return PriceGroup.EXTERNAL


def _check_slot(*, schedule, resource, user, start, end, now, ignore=None) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ActionError(_("预约时间必须带时区。"), code="naive_datetime")
    if end <= start:
        raise ActionError(_("结束时间必须晚于开始时间。"), code="bad_span", field="end")
    if start < now:
        raise ActionError(_("不能预约已经过去的时间。"), code="in_past", field="start")
    if not schedule.is_open(start, end):
        raise ActionError(_("所选时段不在该仪器的开放时间内。"), code="closed_hours", field="start")
    closure = Closure.objects.filter(resource=resource, start__lt=end, end__gt=start).first()
    if closure:
        raise Conflict(
            _("该时段仪器停用（%(kind)s%(reason)s）。")
            % {
                "kind": closure.get_kind_display(),
                "reason": f"：{closure.reason}" if closure.reason else "",
            },
            code="closure",
        )
    if (
        schedule.requires_qualification
        and not Qualification.objects.filter(resource=resource, user=user).exists()
    ):
        raise NotAllowed(
            _("该仪器须经培训取得上机资格后才能预约，请联系仪器管理员。"), code="unqualified"
        )
    until = blocked_until(user, resource, now=now)
    if until:
        raise NotAllowed(
            _("您因多次爽约，在 %(until)s 之前不能预约该仪器。")
            % {"until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")},
            code="blocked",
        )


def _insert(**fields) -> Booking:
    """Lock (SQLite), check overlap, insert; a PostgreSQL exclusion violation is a Conflict."""
    resource = fields["resource"]
    if connection.vendor != "postgresql":
        InstrumentSchedule.objects.filter(resource=resource).update(
            requires_approval=F("requires_approval")
        )
    if Booking.objects.overlapping(resource, fields["start"], fields["end"]).exists():
        raise Conflict(_("该时段已被预约，请选择其他时间。"), code="overlap")
    try:
        with transaction.atomic():
            return Booking.objects.create(**fields)
    except IntegrityError as exc:
        if "booking_no_overlap" in str(exc):
            raise Conflict(_("该时段已被预约，请选择其他时间。"), code="overlap") from exc
        raise


def _default_org(user):
    membership = user.memberships.select_related("organization").order_by("pk").first()
    return membership.organization if membership else None


@transaction.atomic
def booking_create(
    *,
    actor,
    resource: Resource,
    start: datetime,
    end: datetime,
    purpose: str,
    organization=None,
    now: datetime | None = None,
    moved_from: Booking | None = None,
) -> Booking:
    now = now or timezone.now()
    if not getattr(actor, "is_authenticated", False):
        raise NotAllowed(_("请先登录。"))
    purpose = (purpose or "").strip()
    if not purpose:
        raise ActionError(_("请填写用途。"), code="required", field="purpose")
    schedule = schedule_for(resource)
    user = moved_from.user if moved_from else actor
    _check_slot(schedule=schedule, resource=resource, user=user, start=start, end=end, now=now)
    organization = organization or (moved_from.organization if moved_from else _default_org(user))
    manager = can_manage_instrument(actor, resource)
    status = S.REQUESTED if schedule.requires_approval and not manager else S.CONFIRMED
    booking = _insert(
        resource=resource,
        user=user,
        organization=organization,
        start=start,
        end=end,
        purpose=purpose,
        status=status,
        price_group=price_group_for(resource, organization),
        moved_from=moved_from,
    )
    audit.record(
        actor=actor,
        verb="booking.create",
        obj=booking,
        changes={"start": start.isoformat(), "end": end.isoformat(), "status": status},
    )
    if status == S.REQUESTED:
        managers = [m.user for m in resource.provider.memberships.select_related("user")]
        with platform_language():
            notify(
                managers,
                title=_("新的仪器预约待审批：%(r)s") % {"r": resource.title},
                url=reverse("orders:queue"),
            )
    return booking


def _require_manager(actor, booking):
    if not can_manage_instrument(actor, booking.resource):
        raise NotAllowed(_("只有仪器管理员可以执行此操作。"))


def _tell_user(booking, title):
    with platform_language():
        notify([booking.user], title=str(title), url=reverse("orders:mine"))


@transaction.atomic
def booking_approve(*, actor, booking: Booking) -> Booking:
    _require_manager(actor, booking)
    BOOKING.apply(booking, "approve", actor=actor)
    _tell_user(booking, _("您的仪器预约已确认：%(b)s") % {"b": booking})
    return booking


@transaction.atomic
def booking_reject(*, actor, booking: Booking, reason: str) -> Booking:
    _require_manager(actor, booking)
    BOOKING.apply(booking, "reject", actor=actor, reason=reason)
    _tell_user(booking, _("您的仪器预约未获批准：%(b)s") % {"b": booking})
    _notify_waitlist(booking)
    return booking


def _notify_waitlist(booking: Booking) -> WaitlistEntry | None:
    """Tell the first person waiting for (part of) the freed slot."""
    entry = (
        WaitlistEntry.objects.filter(
            resource=booking.resource,
            notified_at__isnull=True,
            start__lt=booking.end,
            end__gt=booking.start,
        )
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    if entry is None:
        return None
    entry.notified_at = timezone.now()
    entry.save(update_fields=["notified_at"])
    with platform_language():
        notify(
            [entry.user],
            title=_("您候补的仪器时段已空出：%(b)s") % {"b": booking},
            body=_("请尽快预约，先到先得。"),
            url=reverse("orders:instrument", args=[booking.resource_id]),
        )
    return entry


@transaction.atomic
def booking_cancel(*, actor, booking: Booking, reason: str = "") -> Booking:
    if not can_change_booking(actor, booking):
        raise NotAllowed(_("只有预约人或仪器管理员可以取消预约。"))
    BOOKING.apply(booking, "cancel", actor=actor, reason=reason)
    _notify_waitlist(booking)
    return booking


@transaction.atomic
def booking_move(
    *, actor, booking: Booking, start: datetime, end: datetime, now: datetime | None = None
) -> Booking:
    """Move a booking: the old one becomes "moved", a new one links back to it."""
    if not can_change_booking(actor, booking):
        raise NotAllowed(_("只有预约人或仪器管理员可以改期。"))
    BOOKING.apply(booking, "move", actor=actor)
    new = booking_create(
        actor=actor,
        resource=booking.resource,
        start=start,
        end=end,
        purpose=booking.purpose,
        now=now,
        moved_from=booking,
    )
    _notify_waitlist(booking)
    return new


@transaction.atomic
def waitlist_join(*, actor, resource: Resource, start: datetime, end: datetime) -> WaitlistEntry:
    if end <= start:
        raise ActionError(_("结束时间必须晚于开始时间。"), code="bad_span", field="end")
    schedule_for(resource)
    return WaitlistEntry.objects.create(resource=resource, user=actor, start=start, end=end)


@transaction.atomic
def usage_start(*, actor, booking: Booking, at: datetime | None = None) -> Usage:
    _require_manager(actor, booking)
    if booking.status != S.CONFIRMED:
        raise Conflict(_("只有已确认的预约可以开机。"), code="not_confirmed")
    if Usage.objects.filter(booking=booking).exists():
        raise Conflict(_("该预约已开机。"), code="already_started")
    usage = Usage.objects.create(
        booking=booking, started_at=at or timezone.now(), recorded_by=actor
    )
    audit.record(actor=actor, verb="booking.start", obj=booking)
    return usage


def fee_fen(*, schedule: InstrumentSchedule, group: str, seconds: int, samples: int) -> int:
    """The fee in fen: per started-to-stopped hour (rounded half up to the fen) or per sample."""
    price = schedule.fee_fen(group)
    if schedule.fee_basis == FeeBasis.SAMPLE:
        return price * samples
    return (seconds * price + 1800) // 3600


@transaction.atomic
def usage_stop(*, actor, booking: Booking, samples: int = 0, at: datetime | None = None) -> Usage:
    _require_manager(actor, booking)
    usage = Usage.objects.filter(booking=booking).first()
    if usage is None:
        raise Conflict(_("该预约尚未开机。"), code="not_started")
    if usage.stopped_at:
        raise Conflict(_("该预约已关机。"), code="already_stopped")
    at = at or timezone.now()
    if at < usage.started_at:
        raise ActionError(_("关机时间不能早于开机时间。"), code="bad_span")
    if samples < 0:
        raise ActionError(_("样品数不能为负。"), code="bad_samples", field="samples")
    usage.stopped_at = at
    usage.samples = samples
    schedule = schedule_for(booking.resource)
    usage.unit_fee_fen = schedule.fee_fen(booking.price_group)
    usage.fee_fen = fee_fen(
        schedule=schedule, group=booking.price_group, seconds=usage.seconds, samples=samples
    )
    usage.save(update_fields=["stopped_at", "samples", "fee_fen", "unit_fee_fen"])
    BOOKING.apply(booking, "complete", actor=actor)
    return usage


@transaction.atomic
def booking_mark_no_show(*, actor, booking: Booking, now: datetime | None = None) -> Violation:
    """Void a confirmed booking not started within the schedule's minutes, record a violation."""
    now = now or timezone.now()
    schedule = schedule_for(booking.resource)
    if now < booking.start + timedelta(minutes=schedule.no_show_minutes):
        raise Conflict(
            _("开始后 %(n)d 分钟内未上机才算爽约。") % {"n": schedule.no_show_minutes},
            code="too_early",
        )
    if Usage.objects.filter(booking=booking).exists():
        raise Conflict(_("该预约已开机，不是爽约。"), code="already_started")
    if actor is not None:
        _require_manager(actor, booking)
    BOOKING.apply(booking, "no_show", actor=actor)
    violation = Violation.objects.create(
        user=booking.user, resource=booking.resource, booking=booking, at=now
    )
    until = blocked_until(booking.user, booking.resource, now=now)
    if until:
        title = _("您因多次爽约，在 %(until)s 之前不能预约 %(r)s。") % {
            "until": timezone.localtime(until).strftime("%Y-%m-%d"),
            "r": booking.resource.title,
        }
    else:
        title = _("您的仪器预约因未按时上机已作废：%(b)s") % {"b": booking}
    _tell_user(booking, title)
    return violation


def mark_no_shows(*, now: datetime | None = None) -> list[Violation]:
    """The scheduled job: every confirmed booking past its no-show limit without use."""
    now = now or timezone.now()
    candidates = Booking.objects.filter(
        status=S.CONFIRMED, start__lte=now, usage__isnull=True
    ).select_related("resource__schedule", "user", "resource")
    out = []
    for booking in candidates:
        schedule = getattr(booking.resource, "schedule", None)
        minutes = schedule.no_show_minutes if schedule else 60
        if now >= booking.start + timedelta(minutes=minutes):
            try:
                out.append(booking_mark_no_show(actor=None, booking=booking, now=now))
            except Conflict:  # started or moved meanwhile
                continue
    return out

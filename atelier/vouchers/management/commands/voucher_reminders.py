"""Reminders before a voucher's use-by and redeem-by dates, 7 and 1 days ahead, to the
enterprise's members; at most one per voucher and milestone (VoucherReminder records it)."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _

from atelier.accounts.models import User
from atelier.core.notify import notify, platform_language
from atelier.vouchers.models import (
    UseStatus,
    Voucher,
    VoucherReminder,
    VoucherStatus,
    VoucherUse,
    fen_to_yuan,
)

MILESTONES = (7, 1)  # days before the date, largest first
OPEN_USES = (UseStatus.RESERVED, UseStatus.CONFIRMED)


def _milestone(days_left: int) -> int | None:
    """The smallest milestone not yet passed: 5 days left → 7, 1 or 0 days left → 1."""
    due = [m for m in MILESTONES if days_left <= m]
    return min(due) if due else None


def _url(voucher: Voucher) -> str:
    try:
        return voucher.get_absolute_url()
    except NoReverseMatch:  # the voucher pages are not mounted
        return ""


def _message(voucher: Voucher, field: str, days_left: int, open_uses: int) -> tuple[str, str]:
    values = {"code": voucher.code, "date": getattr(voucher, field), "n": days_left}
    with platform_language():
        if field == "use_by":
            title = _("创新券 %(code)s 将于 %(date)s 到期（还剩 %(n)d 天）") % values
            body = _("尚有 %(a)s 元未使用，到期后将自动收回。") % {
                "a": f"{fen_to_yuan(voucher.available_fen):,.2f}"
            }
        else:
            title = _("创新券 %(code)s 的兑付截止日为 %(date)s（还剩 %(n)d 天）") % values
            body = _("有 %(n)d 项服务尚未申请兑付，逾期后预占金额将被释放。") % {"n": open_uses}
    return str(title), str(body)


def send_voucher_reminders(today: date | None = None) -> int:
    """Send the reminders due on `today`; returns how many vouchers were reminded."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=max(MILESTONES))
    open_use = VoucherUse.objects.filter(voucher=OuterRef("pk"), status__in=OPEN_USES)
    due = {
        "use_by": Voucher.objects.filter(
            status=VoucherStatus.ACTIVE, available_fen__gt=0, use_by__gte=today,
            use_by__lte=horizon,
        ),
        "redeem_by": Voucher.objects.filter(
            Exists(open_use), redeem_by__gte=today, redeem_by__lte=horizon
        ),
    }  # fmt: skip
    sent = 0
    for field, vouchers in due.items():
        for voucher in vouchers.order_by("pk"):
            days_left = (getattr(voucher, field) - today).days
            milestone = f"{field}:{_milestone(days_left)}"
            members = list(
                User.objects.filter(
                    is_active=True, memberships__organization_id=voucher.enterprise_id
                ).distinct()
            )
            try:
                with transaction.atomic():
                    VoucherReminder.objects.create(
                        voucher=voucher, milestone=milestone, recipients=len(members)
                    )
                    open_uses = voucher.uses.filter(status__in=OPEN_USES).count()
                    title, body = _message(voucher, field, days_left, open_uses)
                    notify(members, title=title, body=body, url=_url(voucher))
            except IntegrityError:
                continue  # already sent for this milestone
            sent += 1
    return sent


class Command(BaseCommand):
    help = (
        "Remind enterprises 7 and 1 days before a voucher's use-by date (unused balance) and "
        "redeem-by date (services not yet claimed); each reminder is sent once. Run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=date.fromisoformat, help="act as if today were this date (YYYY-MM-DD)"
        )

    def handle(self, *args, today=None, **options):
        count = send_voucher_reminders(today)
        self.stdout.write(f"已发送 {count} 条创新券到期提醒。")

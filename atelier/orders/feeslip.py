"""The fee slip (收费单) of a completed booking: what was used, by whom, for how long, at which
price, and the amount — a PDF rendered like the test reports (atelier/reports/pdf.py: WeasyPrint,
Debian's Noto CJK fonts, no network).

Money stays exact: the usage's fee is integer fen, shown as Decimal yuan. The unit price shown is
the one the usage record kept when the use was stopped (for older records, the instrument's
current price, with a note when it no longer gives the amount charged).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from atelier.orgs.models import Membership

from . import actions, permissions
from .models import Booking, BookingStatus, FeeBasis

HOUR = Decimal(3600)
CENT = Decimal("0.01")


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def can_view_fee_slip(user, booking: Booking) -> bool:
    """The booker, members of the booking's organisation, the lab's members (the instrument's
    provider) and platform staff who read everything."""
    if not (user and user.is_authenticated):
        return False
    if booking.user_id == user.pk or permissions.reads_all(user):
        return True
    orgs = [booking.resource.provider_id]
    if booking.organization_id:
        orgs.append(booking.organization_id)
    return Membership.objects.filter(user=user, organization_id__in=orgs).exists()


def has_fee_slip(booking: Booking) -> bool:
    usage = getattr(booking, "usage", None)
    return (
        booking.status == BookingStatus.COMPLETED
        and usage is not None
        and usage.stopped_at is not None
        and usage.fee_fen is not None
    )


@dataclass
class Slip:
    booking: Booking
    number: str
    hours: Decimal
    samples: int
    basis: str
    basis_label: str
    unit_fen: int
    amount_fen: int
    repriced: bool  # the price changed since: the amount is the one charged at the time

    @property
    def unit_yuan(self) -> Decimal:
        return yuan(self.unit_fen)

    @property
    def amount_yuan(self) -> Decimal:
        return yuan(self.amount_fen)


def slip_for(booking: Booking) -> Slip:
    usage = booking.usage
    schedule = actions.schedule_for(booking.resource)
    # The unit price charged is on the usage record; records made before it was kept fall back
    # to today's price, and the slip then says the amount was charged at the price of the day.
    unit = usage.unit_fee_fen
    if unit is None:
        unit = schedule.fee_fen(booking.price_group)
    again = actions.fee_fen(
        schedule=schedule, group=booking.price_group, seconds=usage.seconds, samples=usage.samples
    )
    repriced = usage.unit_fee_fen is None and again != usage.fee_fen
    return Slip(
        booking=booking,
        number=f"SF{timezone.localtime(usage.stopped_at):%Y%m%d}{booking.pk:07d}",
        hours=(Decimal(usage.seconds) / HOUR).quantize(CENT, ROUND_HALF_UP),
        samples=usage.samples,
        basis=schedule.fee_basis,
        basis_label="元/样" if schedule.fee_basis == FeeBasis.SAMPLE else "元/机时",
        unit_fen=unit,
        amount_fen=usage.fee_fen,
        repriced=repriced,
    )


def render(booking: Booking) -> bytes:
    from weasyprint import HTML

    slip = slip_for(booking)
    with translation.override(settings.LANGUAGE_CODE):  # the slip is a Chinese document
        html = render_to_string("orders/fee_slip_pdf.html", {"slip": slip, "b": booking})
    return HTML(string=html, base_url=None).write_pdf()

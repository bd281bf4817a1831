"""The fee slip PDF of a completed booking (see feeslip.py). Outside its readers — the booker,
their organisation, the lab, read-all staff — and for bookings without a finished use: 404."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from . import feeslip
from .models import Booking


@login_required
def fee_slip(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(
        Booking.objects.select_related(
            "resource__provider", "resource__instrument_detail", "user", "organization",
            "usage__recorded_by",
        ),
        pk=pk,
    )  # fmt: skip
    if not feeslip.can_view_fee_slip(request.user, booking) or not feeslip.has_fee_slip(booking):
        raise Http404(_("收费单不存在或无权查看。"))
    response = HttpResponse(feeslip.render(booking), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="fee-slip-{booking.pk}.pdf"'
    return response

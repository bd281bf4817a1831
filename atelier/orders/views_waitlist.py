"""Joining an instrument's waitlist and moving a booking (the actions exist in actions.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atelier.core.errors import ActionError

from . import actions
from .forms import BookForm
from .views import _instruments, get_booking_for_user


@require_POST
@login_required
def waitlist(request: HttpRequest, pk: int) -> HttpResponse:
    """The booking form's second button: wait for that slot; the first cancellation that frees
    it notifies the first in line."""
    resource = get_object_or_404(_instruments(), pk=pk)
    form = BookForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写完整的日期与时间。"))
        return redirect("orders:instrument", pk=pk)
    try:
        actions.waitlist_join(
            actor=request.user, resource=resource,
            start=form.cleaned_data["start_at"], end=form.cleaned_data["end_at"],
        )  # fmt: skip
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已加入候补；该时段空出时会通知您。"))
    return redirect("orders:instrument", pk=pk)


@require_POST
@login_required
def move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a booking: a new booking linked to the old one, which becomes "moved"."""
    booking = get_booking_for_user(request, pk)
    form = BookForm({**request.POST.dict(), "purpose": booking.purpose})
    if not form.is_valid():
        messages.error(request, _("请填写完整的日期与时间。"))
        return redirect("orders:mine")
    try:
        actions.booking_move(
            actor=request.user, booking=booking,
            start=form.cleaned_data["start_at"], end=form.cleaned_data["end_at"],
        )  # fmt: skip
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已改期，原预约已关联到新预约。"))
    return redirect("orders:mine")

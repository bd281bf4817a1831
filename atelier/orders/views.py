"""Pages of instrument booking: the instrument list, one instrument's week calendar with the
booking form, "my bookings", the manager's queue and the utilisation report.

Writes go through `actions`; single bookings through `get_booking_for_user` (404 outside scope).
"""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from atelier.catalog.models import Resource, ResourceKind
from atelier.core.errors import ActionError
from atelier.core.forms import apply_error

from . import actions, permissions
from . import utilisation as util
from .forms import BookForm, ReasonForm, StopForm
from .models import Booking, BookingStatus, Closure

HOURS = range(8, 19)  # rows of the week calendar: 08:00 … 18:00


def _instruments():
    return Resource.objects.published().filter(kind=ResourceKind.INSTRUMENT)


def instrument_list(request: HttpRequest) -> HttpResponse:
    instruments = _instruments().select_related("provider", "instrument_detail", "schedule")
    ctx = {
        "instruments": instruments.order_by("provider__name", "title"),
        "manages": permissions.managed_instruments(request.user).exists(),
    }
    return render(request, "orders/instrument_list.html", ctx)


def _monday(value: str | None) -> date:
    today = timezone.localdate()
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


def week_grid(resource: Resource, monday: date) -> list[dict]:
    """Rows of hours × 7 days, each cell free / booked / closed / past."""
    schedule = actions.schedule_for(resource)
    tz = timezone.get_current_timezone()
    lo = datetime.combine(monday, time.min, tzinfo=tz)
    hi = lo + timedelta(days=7)
    bookings = list(Booking.objects.live().filter(resource=resource, start__lt=hi, end__gt=lo))
    closures = list(Closure.objects.filter(resource=resource, start__lt=hi, end__gt=lo))
    now = timezone.now()
    rows = []
    for hour in HOURS:
        cells = []
        for d in range(7):
            day = monday + timedelta(days=d)
            a = datetime.combine(day, time(hour), tzinfo=tz)
            b = a + timedelta(hours=1)
            if any(x.start < b and x.end > a for x in bookings):
                state = "booked"
            elif any(c.start < b and c.end > a for c in closures) or not any(
                s < b and e > a for s, e in schedule.intervals(day)
            ):
                state = "closed"
            elif b <= now:
                state = "past"
            else:
                state = "free"
            cells.append({"day": day, "hour": hour, "state": state})
        rows.append({"hour": hour, "cells": cells})
    return rows


@vary_on_headers("HX-Request")
def instrument(request: HttpRequest, pk: int) -> HttpResponse:
    resource = get_object_or_404(_instruments().select_related("provider"), pk=pk)
    monday = _monday(request.GET.get("week"))
    initial = {"day": request.GET.get("day"), "start": request.GET.get("start")}
    if initial["start"]:
        try:
            initial["end"] = f"{int(initial['start'].split(':')[0]) + 1:02d}:00"
        except ValueError:
            pass
    return _instrument_page(request, resource, monday, BookForm(initial=initial))


def _instrument_page(request, resource, monday, form, status=200):
    ctx = {
        "resource": resource,
        "schedule": actions.schedule_for(resource),
        "monday": monday,
        "days": [monday + timedelta(days=d) for d in range(7)],
        "prev_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
        "rows": week_grid(resource, monday),
        "form": form,
        "manages": permissions.can_manage_instrument(request.user, resource),
    }
    template = "orders/instrument.html"
    if request.htmx and request.method == "GET":
        template += "#week"
    return render(request, template, ctx, status=status)


@require_POST
@login_required
def book(request: HttpRequest, pk: int) -> HttpResponse:
    resource = get_object_or_404(_instruments().select_related("provider"), pk=pk)
    form = BookForm(request.POST)
    if form.is_valid():
        try:
            booking = actions.booking_create(
                actor=request.user,
                resource=resource,
                start=form.cleaned_data["start_at"],
                end=form.cleaned_data["end_at"],
                purpose=form.cleaned_data["purpose"],
            )
        except ActionError as exc:
            apply_error(form, exc)
        else:
            if booking.status == BookingStatus.REQUESTED:
                messages.success(request, _("预约已提交，等待仪器管理员审批。"))
            else:
                messages.success(request, _("预约成功。"))
            return redirect("orders:mine")
    monday = _monday(request.POST.get("day"))
    return _instrument_page(request, resource, monday, form, status=400)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    bookings = Booking.objects.filter(user=request.user).for_list().order_by("-start")[:200]
    return render(request, "orders/mine.html", {"bookings": bookings})


def get_booking_for_user(request, pk: int, *, manage: bool = False) -> Booking:
    booking = get_object_or_404(Booking.objects.select_related("resource__provider"), pk=pk)
    is_manager = permissions.can_manage_instrument(request.user, booking.resource)
    if not is_manager and booking.user_id != request.user.pk:
        raise Http404
    if manage and not is_manager:
        raise PermissionDenied
    return booking


@require_POST
@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_booking_for_user(request, pk)
    try:
        actions.booking_cancel(actor=request.user, booking=booking)
        messages.success(request, _("预约已取消。"))
    except ActionError as exc:
        messages.error(request, exc.message)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "orders:mine"  # never redirect to a URL another site handed in
    return redirect(target)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    instruments = permissions.managed_instruments(request.user)
    if not instruments.exists():
        raise PermissionDenied
    horizon = timezone.now() - timedelta(days=2)
    base = Booking.objects.filter(resource__in=instruments).for_list()
    ctx = {
        "requested": base.filter(status=BookingStatus.REQUESTED).order_by("start"),
        "confirmed": base.filter(status=BookingStatus.CONFIRMED, end__gte=horizon).order_by(
            "start"
        ),
        "stop_form": StopForm(),
        "reason_form": ReasonForm(),
    }
    return render(request, "orders/queue.html", ctx)


@require_POST
@login_required
def manage(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    booking = get_booking_for_user(request, pk, manage=True)
    try:
        if event == "approve":
            actions.booking_approve(actor=request.user, booking=booking)
        elif event == "reject":
            form = ReasonForm(request.POST)
            form.is_valid()
            reason = form.cleaned_data.get("reason", "")
            actions.booking_reject(actor=request.user, booking=booking, reason=reason)
        elif event == "start":
            actions.usage_start(actor=request.user, booking=booking)
        elif event == "stop":
            form = StopForm(request.POST)
            samples = (form.cleaned_data.get("samples") or 0) if form.is_valid() else 0
            actions.usage_stop(actor=request.user, booking=booking, samples=samples)
        elif event == "no_show":
            actions.booking_mark_no_show(actor=request.user, booking=booking)
        else:
            raise Http404
        messages.success(request, _("已处理：%(b)s") % {"b": booking})
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("orders:queue")


@login_required
def utilisation(request: HttpRequest) -> HttpResponse:
    instruments = permissions.utilisation_instruments(request.user)
    if not permissions.reads_all(request.user) and not instruments.exists():
        raise PermissionDenied
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or this_year)
    except ValueError:
        year = this_year
    rep = util.report(instruments, year)
    if request.GET.get("format") == "xlsx":
        from atelier.catalog.exporting import XLSX_TYPE

        response = HttpResponse(util.to_xlsx(rep), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="utilisation-{year}.xlsx"'
        return response
    ctx = {
        "report": rep,
        "years": range(this_year, this_year - 5, -1),
        "hours_bands": util.HOURS_BANDS,
        "national": util.NATIONAL_REFERENCE,
        "sharing_bands": util.SHARING_BANDS,
    }
    return render(request, "orders/utilisation.html", ctx)

"""Month calendars: one instrument's bookings and closures per day, and a lab's (the provider
organisation's) instruments' bookings per day. Like the week view they are public: anyone sees
when an instrument is taken; the lab's members also see by whom and for what."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from atelier.orgs.models import Membership, Organization

from . import actions, permissions
from .models import Booking, Closure
from .views import _instruments

SHOWN_PER_DAY = 4  # in the lab's month, further bookings of a day fold into "N more"


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    is_open: bool = True
    closed: bool = False  # not open at all, or closed for all its opening hours
    bookings: list = field(default_factory=list)
    closures: list = field(default_factory=list)

    @property
    def shown(self):
        return self.bookings[:SHOWN_PER_DAY]

    @property
    def folded(self):
        return self.bookings[SHOWN_PER_DAY:]


def first_of_month(value: str | None) -> date:
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in (value or "").split("-")[:2])
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def month_weeks(first: date) -> list[list[date]]:
    """Monday-to-Sunday weeks covering the month of `first`."""
    start = first - timedelta(days=first.weekday())
    next_first = (first + timedelta(days=32)).replace(day=1)
    weeks = []
    while start < next_first:
        weeks.append([start + timedelta(days=d) for d in range(7)])
        start += timedelta(days=7)
    return weeks


def _span(weeks):
    tz = timezone.get_current_timezone()
    lo = datetime.combine(weeks[0][0], time.min, tzinfo=tz)
    return lo, lo + timedelta(days=7 * len(weeks))


def calendar(first: date, bookings, closures=(), schedule=None) -> list[list[Day]]:
    weeks = month_weeks(first)
    today = timezone.localdate()
    days = {
        d: Day(day=d, in_month=d.month == first.month, is_today=d == today)
        for week in weeks
        for d in week
    }
    for b in bookings:
        day = days.get(timezone.localdate(b.start))
        if day:
            day.bookings.append(b)
    for c in closures:
        d, last = timezone.localdate(c.start), timezone.localdate(c.end - timedelta(seconds=1))
        while d <= last:
            if d in days:
                days[d].closures.append(c)
            d += timedelta(days=1)
    if schedule is not None:
        for day in days.values():
            hours = schedule.intervals(day.day)
            day.is_open = bool(hours)
            day.closed = not hours or all(
                any(c.start <= a and c.end >= b for c in day.closures) for a, b in hours
            )
    return [[days[d] for d in week] for week in weeks]


def _nav(first: date) -> dict:
    return {
        "first": first,
        "prev_month": (first - timedelta(days=1)).replace(day=1),
        "next_month": (first + timedelta(days=32)).replace(day=1),
        "weekdays": month_weeks(first)[0],
    }


@vary_on_headers("HX-Request")
def instrument_month(request: HttpRequest, pk: int) -> HttpResponse:
    resource = get_object_or_404(_instruments().select_related("provider"), pk=pk)
    first = first_of_month(request.GET.get("month"))
    lo, hi = _span(month_weeks(first))
    manages = permissions.can_manage_instrument(request.user, resource)
    bookings = Booking.objects.live().filter(resource=resource, start__lt=hi, end__gt=lo)
    if manages:
        bookings = bookings.select_related("user", "organization")
    closures = Closure.objects.filter(resource=resource, start__lt=hi, end__gt=lo)
    schedule = actions.schedule_for(resource)
    ctx = {
        "resource": resource,
        "manages": manages,
        "weeks": calendar(first, bookings.order_by("start"), closures, schedule),
        **_nav(first),
    }
    template = "orders/instrument_month.html"
    if request.htmx:
        template += "#month"
    return render(request, template, ctx)


@vary_on_headers("HX-Request")
def lab_month(request: HttpRequest, pk: int) -> HttpResponse:
    lab = get_object_or_404(Organization, pk=pk)
    instruments = list(_instruments().filter(provider=lab).order_by("title"))
    if not instruments:
        raise Http404(_("该机构没有可预约的仪器。"))
    first = first_of_month(request.GET.get("month"))
    lo, hi = _span(month_weeks(first))
    user = request.user
    manages = user.is_authenticated and (
        user.is_superuser or Membership.objects.filter(user=user, organization=lab).exists()
    )
    bookings = (
        Booking.objects.live()
        .filter(resource__in=instruments, start__lt=hi, end__gt=lo)
        .select_related("resource", *(("user", "organization") if manages else ()))
        .order_by("start", "resource__title")
    )
    ctx = {
        "lab": lab,
        "instruments": instruments,
        "manages": manages,
        "weeks": calendar(first, bookings),
        **_nav(first),
    }
    template = "orders/lab_month.html"
    if request.htmx:
        template += "#month"
    return render(request, template, ctx)

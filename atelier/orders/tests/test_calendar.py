"""Month calendars: the right days (Monday-first weeks covering the month), bookings on their
day, closures, who booked shown to the lab only; the lab's month lists all its instruments."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from atelier.catalog.tests.factories import make_resource

from .. import actions
from ..models import Closure, ClosureKind
from ..views_calendar import SHOWN_PER_DAY, calendar, first_of_month, month_weeks
from .factories import MONDAY, at, make_booker, make_instrument, manager_of

pytestmark = pytest.mark.django_db

JUNE = date(2030, 6, 1)  # a Saturday; MONDAY is June 3


def test_month_weeks_cover_the_month_from_monday():
    weeks = month_weeks(JUNE)
    assert weeks[0][0] == date(2030, 5, 27) and weeks[-1][-1] == date(2030, 6, 30)
    assert len(weeks) == 5 and all(len(w) == 7 for w in weeks)
    assert month_weeks(date(2030, 9, 1))[-1][-1] == date(2030, 10, 6)  # six weeks
    assert month_weeks(date(2021, 2, 1))[-1][-1] == date(2021, 2, 28)  # exactly four weeks
    assert first_of_month("2030-06") == JUNE
    assert first_of_month("nonsense").day == 1


def book(resource, day, start, hours=1, user=None):
    user = user or make_booker()
    begin = at(day, start)
    return actions.booking_create(
        actor=user, resource=resource, start=begin, end=begin + timedelta(hours=hours),
        purpose="鞋底耐磨测试", now=begin - timedelta(days=30),
    )  # fmt: skip


def test_instrument_month(client):
    resource = make_instrument()
    first = book(resource, MONDAY, 9)
    book(resource, MONDAY + timedelta(days=3), 14, hours=2)
    cancelled = book(resource, MONDAY + timedelta(days=1), 9)
    actions.booking_cancel(actor=cancelled.user, booking=cancelled)
    book(resource, date(2030, 5, 31), 10)  # last month, shown in the leading week
    day = date(2030, 6, 12)
    Closure.objects.create(resource=resource, kind=ClosureKind.MAINTENANCE,
                           reason="年度计量校准", start=at(day, 8), end=at(day, 12))  # fmt: skip
    url = reverse("orders:instrument_month", args=[resource.pk])
    r = client.get(url, {"month": "2030-06"})
    assert r.status_code == 200
    weeks = r.context["weeks"]
    days = {d.day: d for week in weeks for d in week}
    assert [b.pk for b in days[MONDAY].bookings] == [first.pk]
    assert days[date(2030, 6, 6)].bookings[0].start == at(date(2030, 6, 6), 14)
    assert days[date(2030, 6, 4)].bookings == []  # the cancelled one is not shown
    assert days[date(2030, 5, 31)].bookings and not days[date(2030, 5, 31)].in_month
    assert days[date(2030, 6, 12)].closures and not days[date(2030, 6, 8)].is_open
    html = r.content.decode()
    assert "09:00–10:00" in html and "14:00–16:00" in html and "年度计量校准" in html
    assert first.user.name not in html  # the public sees when, not who
    assert reverse("orders:instrument", args=[resource.pk]) + "?week=2030-06-03" in html
    client.force_login(manager_of(resource))
    assert first.user.name in client.get(url, {"month": "2030-06"}).content.decode()
    r = client.get(url, {"month": "2030-06"}, headers={"HX-Request": "true"})
    assert "<html" not in r.content.decode() and "09:00–10:00" in r.content.decode()


def test_lab_month_lists_every_instrument(client, django_assert_max_num_queries):
    resource = make_instrument()
    other = make_instrument(provider=resource.provider)
    other.title = "成鞋耐折试验机"
    other.save()
    make_resource(provider=resource.provider)  # not an instrument
    for hour in (9, 10, 11):
        book(resource, MONDAY, hour)
    for hour in (9, 14, 15):
        book(other, MONDAY, hour)
    url = reverse("orders:lab_month", args=[resource.provider_id])
    with django_assert_max_num_queries(12):
        r = client.get(url, {"month": "2030-06"})
    assert r.status_code == 200
    days = {d.day: d for week in r.context["weeks"] for d in week}
    monday = days[MONDAY]
    assert len(monday.bookings) == 6 and len(monday.shown) == SHOWN_PER_DAY
    assert [timezone.localtime(b.start).hour for b in monday.bookings] == [9, 9, 10, 11, 14, 15]
    html = r.content.decode()
    assert "成鞋耐折试验机" in html and "三维足型扫描仪" in html and "<details>" in html
    assert client.get(reverse("orders:lab_month", args=[make_booker().pk])).status_code == 404


def test_the_week_view_links_to_the_months(client):
    resource = make_instrument()
    html = client.get(
        reverse("orders:instrument", args=[resource.pk]), {"week": MONDAY.isoformat()}
    ).content.decode()
    assert reverse("orders:instrument_month", args=[resource.pk]) + "?month=2030-06" in html
    assert reverse("orders:lab_month", args=[resource.provider_id]) + "?month=2030-06" in html


def test_calendar_spreads_a_holiday_over_its_days():
    resource = make_instrument()
    holiday = Closure(resource=resource, kind=ClosureKind.HOLIDAY, reason="端午节",
                      start=at(date(2030, 6, 5), 0), end=at(date(2030, 6, 8), 0))  # fmt: skip
    days = {d.day: d for w in calendar(JUNE, [], [holiday]) for d in w}
    assert [d for d, v in days.items() if v.closures] == [date(2030, 6, d) for d in (5, 6, 7)]

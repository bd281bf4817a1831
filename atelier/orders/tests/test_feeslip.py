"""The fee slip (收费单): a real PDF with Chinese text and the exact amount, readable by the
booker, their organisation, the lab and read-all staff; 404 for everyone else and for bookings
without a finished use."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.orgs.models import Membership

from .. import actions, feeslip
from ..models import FeeBasis
from .factories import at, make_booker, make_instrument, manager_of

pytestmark = pytest.mark.django_db

DAY = date(2030, 6, 3)


def completed_booking(**schedule):
    resource = make_instrument(external_fee_fen=33_333, **schedule)
    user = make_booker()
    start = at(DAY, 9)
    now = start - timedelta(days=1)
    booking = actions.booking_create(
        actor=user, resource=resource, start=start, end=start + timedelta(hours=2),
        purpose="成鞋耐折试验", now=now,
    )  # fmt: skip
    manager = manager_of(resource)
    actions.usage_start(actor=manager, booking=booking, at=start + timedelta(minutes=5))
    actions.usage_stop(actor=manager, booking=booking, samples=3, at=start + timedelta(minutes=95))
    booking.refresh_from_db()
    return booking


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_slip_shows_the_exact_amount_in_chinese(client):
    booking = completed_booking()
    # 1.5 h × ¥333.33 = ¥499.995 → 49,999.5 fen, rounded half up to 50,000 fen.
    assert booking.usage.fee_fen == 50_000
    slip = feeslip.slip_for(booking)
    assert slip.amount_yuan == Decimal("500.00") and slip.hours == Decimal("1.50")
    assert slip.unit_yuan == Decimal("333.33") and not slip.repriced
    client.force_login(booking.user)
    r = client.get(reverse("orders:fee_slip", args=[booking.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    for words in ("应收金额", "500.00", "333.33", "1.50", "三维足型扫描仪", "外部", "成鞋耐折试验",
                  booking.resource.provider.name, booking.organization.name):  # fmt: skip
        assert words in text, words


def test_per_sample_and_a_changed_price():
    booking = completed_booking(fee_basis=FeeBasis.SAMPLE)
    assert booking.usage.fee_fen == 3 * 33_333
    schedule = booking.resource.schedule
    schedule.external_fee_fen = 40_000
    schedule.save()
    # The usage kept the unit price it was charged at: the slip still shows ¥333.33.
    slip = feeslip.slip_for(booking)
    assert slip.amount_yuan == Decimal("999.99") and slip.unit_yuan == Decimal("333.33")
    assert not slip.repriced
    # A record from before the unit price was kept falls back to today's price, with a note.
    type(booking.usage).objects.filter(pk=booking.usage.pk).update(unit_fee_fen=None)
    booking.usage.refresh_from_db()
    slip = feeslip.slip_for(booking)
    assert slip.amount_yuan == Decimal("999.99") and slip.repriced
    assert "上机时的单价" in pdf_text(feeslip.render(booking))


def test_who_may_read_it(client):
    booking = completed_booking()
    url = reverse("orders:fee_slip", args=[booking.pk])
    colleague = make_user()
    Membership.objects.create(user=colleague, organization=booking.organization)
    readers = [booking.user, colleague, manager_of(booking.resource), make_user(Role.AUDITOR)]
    for user in readers:
        client.force_login(user)
        assert client.get(url).status_code == 200, user
    for user in (make_booker(), make_user()):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_no_slip_before_the_use_is_finished(client):
    resource = make_instrument()
    user = make_booker()
    start = at(DAY, 9)
    booking = actions.booking_create(
        actor=user, resource=resource, start=start, end=start + timedelta(hours=1),
        purpose="足型测量", now=start - timedelta(days=1),
    )  # fmt: skip
    client.force_login(user)
    url = reverse("orders:fee_slip", args=[booking.pk])
    assert client.get(url).status_code == 404
    actions.usage_start(actor=manager_of(resource), booking=booking, at=start)
    assert client.get(url).status_code == 404
    r = client.get(reverse("orders:mine"))
    assert url not in r.content.decode()


def test_the_booking_row_links_to_the_slip(client):
    booking = completed_booking()
    client.force_login(booking.user)
    html = client.get(reverse("orders:mine")).content.decode()
    assert reverse("orders:fee_slip", args=[booking.pk]) in html and "收费单" in html

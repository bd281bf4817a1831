import pytest
from django.urls import reverse
from django.utils import timezone

from ..models import Booking
from .factories import MONDAY, make_booker, make_instrument, manager_of

pytestmark = pytest.mark.django_db

POST = {"day": MONDAY.isoformat(), "start": "09:00", "end": "10:00", "purpose": "足型测量"}


def test_instrument_page_and_htmx_week(client):
    resource = make_instrument()
    assert client.get(reverse("orders:list")).status_code == 200
    url = reverse("orders:instrument", args=[resource.pk])
    r = client.get(url, {"week": MONDAY.isoformat()})
    html = r.content.decode()
    assert r.status_code == 200 and "空闲" in html and "不开放" in html and "<html" in html
    r = client.get(url, {"week": MONDAY.isoformat()}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.content.decode()


def test_book_mine_cancel_and_queue(client):
    resource = make_instrument(requires_approval=True)
    user = make_booker()
    client.force_login(user)
    r = client.post(reverse("orders:book", args=[resource.pk]), POST)
    assert r.status_code == 302
    booking = Booking.objects.get()
    assert booking.status == "requested"
    r = client.post(reverse("orders:book", args=[resource.pk]), POST)
    assert r.status_code == 400 and "该时段已被预约" in r.content.decode()
    assert "三维足型扫描仪" in client.get(reverse("orders:mine")).content.decode()
    assert client.get(reverse("orders:queue")).status_code == 403
    client.force_login(manager_of(resource))
    assert "足型测量" in client.get(reverse("orders:queue")).content.decode()
    client.post(reverse("orders:manage", args=[booking.pk, "approve"]))
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    client.force_login(make_booker())  # an outsider: 404, nothing changes
    assert client.post(reverse("orders:cancel", args=[booking.pk])).status_code == 404
    client.force_login(user)
    client.post(reverse("orders:cancel", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_waitlist_move_and_a_safe_redirect_after_cancel(client):
    from ..models import WaitlistEntry

    resource = make_instrument()
    first, second = make_booker(), make_booker()
    client.force_login(first)
    client.post(reverse("orders:book", args=[resource.pk]), POST)
    booking = Booking.objects.get()
    # The slot is taken: the second user waits for it.
    client.force_login(second)
    client.post(reverse("orders:waitlist", args=[resource.pk]), POST)
    assert WaitlistEntry.objects.filter(user=second, resource=resource).count() == 1
    # The first user moves to 10:00–11:00: a new booking linked to the old one.
    client.force_login(first)
    client.post(
        reverse("orders:move", args=[booking.pk]),
        {"day": MONDAY.isoformat(), "start": "10:00", "end": "11:00"},
    )
    booking.refresh_from_db()
    moved = Booking.objects.get(moved_from=booking)
    assert booking.status == "moved" and timezone.localtime(moved.start).hour == 10
    # Someone else cannot move it, and cancelling never redirects off-site.
    client.force_login(second)
    assert client.post(reverse("orders:move", args=[moved.pk]), POST).status_code == 404
    client.force_login(first)
    r = client.post(reverse("orders:cancel", args=[moved.pk]), {"next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == reverse("orders:mine")

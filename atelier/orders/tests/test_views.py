import pytest
from django.urls import reverse

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

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog.models import Resource

from .. import actions, utilisation
from .factories import MONDAY, at, make_booker, make_instrument, manager_of

pytestmark = pytest.mark.django_db


def use(resource, user, day, start_h, minutes, samples=0):
    start, end = at(day, start_h), at(day, start_h + 1)
    b = actions.booking_create(
        actor=user, resource=resource, start=start, end=end, purpose="检测", now=at(MONDAY, 0)
    )
    manager = manager_of(resource)
    actions.usage_start(actor=manager, booking=b, at=at(day, start_h))
    actions.usage_stop(actor=manager, booking=b, samples=samples,
                       at=at(day, start_h) + timedelta(minutes=minutes))  # fmt: skip
    return b


@pytest.fixture
def known():
    """Scanner: 2 h internal + 1.5 h + 0.5 h external (¥100 / ¥200 per hour).
    Tester (same lab): 1 h internal. Another year's use must not count."""
    scanner = make_instrument()
    tester = make_instrument(provider=scanner.provider)
    staff, outsider = manager_of(scanner), make_booker()
    use(scanner, staff, MONDAY, 9, 120)
    use(scanner, outsider, MONDAY, 14, 90)
    use(scanner, outsider, MONDAY + timedelta(days=1), 9, 30)
    use(tester, staff, MONDAY, 9, 60)
    use(scanner, outsider, MONDAY + timedelta(days=365), 9, 60)
    return scanner, tester


def test_figures_are_exact(known):
    scanner, tester = known
    rep = utilisation.report(Resource.objects.filter(pk__in=[scanner.pk, tester.pk]), 2030)
    s = next(f for f in rep.instruments if f.resource_id == scanner.pk)
    assert (s.effective_hours, s.external_hours) == (Decimal("4.00"), Decimal("2.00"))
    assert s.sharing_rate == Decimal("0.5000") and s.income_fen == 20_000 + 30_000 + 10_000
    (lab,) = rep.labs
    assert lab.effective_hours == Decimal("5.00") and lab.external_hours == Decimal("2.00")
    assert lab.sharing_rate == Decimal("0.4000") and lab.income_fen == 70_000
    assert rep.total.income_yuan == Decimal("700")
    assert str(s.sharing_grade) == "优秀" and str(lab.sharing_grade) == "良好"
    assert str(s.hours_grade) == "较差"
    later = utilisation.report(Resource.objects.filter(pk=scanner.pk), 2031)
    assert later.total.effective_hours == Decimal("1.00")


def test_page_and_xlsx_for_the_lab_and_not_for_outsiders(client, known):
    scanner, _ = known
    client.force_login(manager_of(scanner))
    r = client.get(reverse("orders:utilisation"), {"year": 2030})
    assert r.status_code == 200 and "4.00" in r.content.decode()
    r = client.get(reverse("orders:utilisation"), {"year": 2030, "format": "xlsx"})
    ws = load_workbook(BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "层级" and rows[-1][0] == "合计" and rows[-1][3] == 5
    client.force_login(make_booker())
    assert client.get(reverse("orders:utilisation")).status_code == 403
    client.force_login(make_user(Role.OPERATOR))
    assert client.get(reverse("orders:utilisation"), {"year": 2030}).status_code == 200


def test_the_page_shows_the_national_reference_figures(client):
    from django.urls import reverse

    from atelier.accounts.models import Role
    from atelier.accounts.tests.factories import make_user

    client.force_login(make_user(Role.OPERATOR))
    page = client.get(reverse("orders:utilisation")).content.decode()
    assert "1599" in page and "273" in page and "16%" in page

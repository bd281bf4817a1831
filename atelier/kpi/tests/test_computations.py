"""Every computed indicator on a small set of known records (one test each, plus scoping)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from atelier.catalog.tests.factories import make_provider, make_resource
from atelier.demands import actions as demand_actions
from atelier.demands.models import DockingStatus
from atelier.demands.tests.factories import make_demand, make_docking
from atelier.orders.models import Booking, BookingStatus, Usage
from atelier.orders.models_orders import OrderStatus, ServiceOrder
from atelier.orders.tests.factories import make_instrument
from atelier.orgs.models import OrgKind
from atelier.orgs.tests.factories import make_org
from atelier.reports.models import TestReport
from atelier.vouchers.models import Entry, LedgerEntry
from atelier.vouchers.tests.factories import make_programme

from .. import computations as c
from .factories import operator

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
THIS = timezone.localdate().year
EYEWEAR, SHOES = ("C3587",), ("C1952",)


def mid(year=THIS) -> datetime:
    """A moment inside `year` that is already past (the window ends at now for this year)."""
    moment = datetime(year, 1, 15, 10, tzinfo=TZ)
    return min(moment, timezone.now() - timedelta(hours=1))


def scope(**kw) -> c.Scope:
    return c.Scope(
        start=datetime(THIS, 1, 1, tzinfo=TZ), end=datetime(THIS + 1, 1, 1, tzinfo=TZ), **kw
    )


def enterprise(district="330304", industries=EYEWEAR):
    return make_org(
        kind=OrgKind.ENTERPRISE, district=district, industries=industries, verified=True
    )


def order(e, provider, *, status=OrderStatus.CONFIRMED, at=None, fen=500_000):
    n = ServiceOrder.objects.count() + 1
    return ServiceOrder.objects.create(
        code=f"SO-T-{n}", enterprise=e, provider=provider, title="镜架检测", status=status,
        total_fen=fen, confirmed_at=at or mid(),
    )  # fmt: skip


def ledger(programme, e, kind, fen, at=None):
    values = {"d_granted": fen, "d_available": fen, "d_budget": 0, "d_unallocated": -fen}
    if kind == Entry.GRANT:
        values = {"d_granted": fen, "d_available": fen, "d_unallocated": -fen}
    elif kind == Entry.SPEND:
        values = {"d_reserved": -fen, "d_spent": fen}
    at = at or mid()
    return LedgerEntry.objects.create(
        programme=programme, enterprise=e, kind=kind, year=at.year, at=at, **values
    )


@pytest.fixture
def world():
    """e1, e2, e4: eyewear in 瓯海 (330304); e3: shoes in 鹿城 (330302).
    e1 — a confirmed order this year (and one last year); e2 — a signed docking this year;
    e3 — a redeemed voucher this year; e4 — nothing."""
    e1, e2, e4 = enterprise(), enterprise(), enterprise()
    e3 = enterprise("330302", SHOES)
    provider = make_provider(district="330304")
    order(e1, provider)
    order(e1, provider, at=datetime(THIS - 1, 6, 1, tzinfo=TZ))
    order(e2, provider, status=OrderStatus.CANCELLED)
    demand = make_demand(enterprise=e2, cluster="eyewear")
    docking = make_docking(demand, provider=provider, status=DockingStatus.WON, amount="100000")
    programme = make_programme(district="330302")
    ledger(programme, e3, Entry.GRANT, 1_000_000)
    ledger(programme, e3, Entry.SPEND, 300_000)
    return {"e1": e1, "e2": e2, "e3": e3, "e4": e4, "provider": provider, "docking": docking,
            "demand": demand, "programme": programme}  # fmt: skip


def test_enterprises_served(world):
    assert c.enterprises_served(scope()) == 3
    assert c.served_enterprise_ids(scope(district="330304")) == {world["e1"].pk, world["e2"].pk}
    assert c.enterprises_served(scope(cluster="eyewear")) == 2
    assert c.enterprises_served(scope(cluster="shoes")) == 1
    last_year = c.Scope(
        start=datetime(THIS - 1, 1, 1, tzinfo=TZ), end=datetime(THIS, 1, 1, tzinfo=TZ)
    )
    assert c.served_enterprise_ids(last_year) == {world["e1"].pk}


def test_cluster_enterprises_and_coverage(world):
    s = scope(district="330304", cluster="eyewear")
    assert c.cluster_enterprises(s) == 3  # e1, e2, e4 (the provider is not an enterprise)
    assert c.coverage(s) == Decimal("66.7")  # 2 of 3
    empty = scope(district="330328")  # 文成: nobody registered
    assert c.cluster_enterprises(empty) == 0 and c.coverage(empty) == 0


def test_institutions():
    make_provider(district="330305")
    make_org(kind=OrgKind.UNIVERSITY, district="330305", verified=True)
    make_org(kind=OrgKind.PROVIDER, district="330305", verified=False)  # not verified yet
    make_org(kind=OrgKind.ENTERPRISE, district="330305", verified=True)
    assert c.institutions(scope(district="330305")) == 2


def test_shared_instruments_and_resources():
    provider = make_provider(district="330305")
    make_instrument(provider=provider)
    make_resource(provider=provider)  # a service, not an instrument
    make_resource(provider=provider, published=False)
    assert c.shared_instruments(scope(district="330305")) == 1
    assert c.resources_published(scope(district="330305")) == 2


def test_machine_hours_and_revenue(world):
    instrument = make_instrument(provider=make_provider(district="330305"))
    start = mid() - timedelta(days=1)
    booking = Booking.objects.create(
        resource=instrument, user=operator(), start=start, end=start + timedelta(hours=3),
        status=BookingStatus.COMPLETED, purpose="测试",
    )  # fmt: skip
    Usage.objects.create(
        booking=booking, started_at=start, stopped_at=start + timedelta(minutes=150),
        fee_fen=50_000,
    )  # fmt: skip
    assert c.machine_hours(scope(district="330305")) == Decimal("2.5")
    assert c.machine_hours(scope(district="330304")) == 0
    # order ¥5,000 (e1) + instrument ¥500 = 0.55 万元
    assert c.service_revenue(scope()) == Decimal("0.55")
    assert c.orders_completed(scope()) == 1


def test_vouchers(world):
    assert c.voucher_granted(scope()) == Decimal("1.00")  # ¥10,000
    assert c.voucher_redeemed(scope()) == Decimal("0.30")
    assert c.voucher_redeemed(scope(district="330304")) == 0
    assert c.voucher_redeemed(scope(cluster="shoes")) == Decimal("0.30")


def test_dockings(world):
    assert c.dockings_signed(scope()) == 1
    assert c.contract_amount(scope()) == Decimal("10.00")
    assert c.dockings_signed(scope(district="330302")) == 0


def test_demands(world):
    make_demand(enterprise=world["e1"], cluster="eyewear",
                published_at=datetime(THIS - 1, 3, 1, tzinfo=TZ))  # fmt: skip
    assert c.demands_published(scope()) == 1
    assert c.demands_resolved(scope()) == 1  # signing the docking resolved world's demand
    shoes = make_demand(enterprise=world["e3"])
    assert c.demands_published(scope()) == 2
    demand_actions.demand_resolve(operator(), shoes)
    assert c.demands_resolved(scope()) == 2
    assert c.demands_resolved(scope(district="330302")) == 1


def test_test_reports(world):
    lab = make_provider(district="330304")
    for n, client in enumerate([world["e1"], world["e3"]]):
        TestReport.objects.create(
            code=f"TR-{n}", lab=lab, client=client, client_name=client.name, sample_name="镜架",
            received_on=date(THIS, 1, 2), tested_on=date(THIS, 1, 3), tester="甲", checker="乙",
            approver="丙", status="issued", sha256="0" * 64, issued_at=mid(),
        )  # fmt: skip
    assert c.test_reports(scope()) == 2
    assert c.test_reports(scope(district="330304")) == 1


def test_response_hours(world):
    docking = world["docking"]
    type(docking).objects.filter(pk=docking.pk).update(
        started_at=mid() - timedelta(hours=10), responded_at=mid()
    )
    other = make_docking(make_demand(enterprise=world["e1"]), provider=world["provider"])
    type(other).objects.filter(pk=other.pk).update(
        started_at=mid() - timedelta(hours=30), responded_at=mid()
    )
    assert c.response_hours(scope()) == Decimal("20.0")  # median of 10 h and 30 h


def test_every_registered_computation_has_a_test_here():
    tested = {
        "enterprises_served", "cluster_enterprises", "coverage", "institutions",
        "shared_instruments", "resources_published", "machine_hours", "service_revenue",
        "orders_completed", "voucher_granted", "voucher_redeemed", "dockings_signed",
        "contract_amount", "demands_published", "demands_resolved", "test_reports",
        "response_hours",
    }  # fmt: skip
    assert set(c.REGISTRY) == tested

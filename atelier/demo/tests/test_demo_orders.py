"""The demo's service orders (atelier.demo.orders) on a small set of organisations made with the
factories (the loader only needs verified enterprises and published service products, so no
full demo load): every order state appears, confirmed orders are rated, the voucher pays part of
one order, and a second load adds nothing."""

from decimal import Decimal

import pytest
from django.test import override_settings

from atelier.catalog.tests.factories import make_resource
from atelier.demo import orders
from atelier.orders.models_orders import Dispute, OrderStatus, Rating, ServiceOrder
from atelier.vouchers.tests.factories import (
    enrolled_provider,
    issued_voucher,
    make_enterprise,
    make_programme,
    member_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    programme = make_programme(budget="100000")
    lab = enrolled_provider(programme, name=orders.LABS[0])
    for title in ("鞋类物理性能检测", "鞋材有害物质检测"):
        make_resource(provider=lab, title=title, price=Decimal("800"))
    company = make_enterprise(name=orders.SHOE_COMPANY)
    boss = member_of(company)
    voucher = issued_voucher(programme, company, amount="20000")
    others = [make_enterprise(name=f"温州测试鞋业{n}有限公司") for n in range(3)]
    for org in others:
        member_of(org)
    return {"company": company, "boss": boss, "voucher": voucher}


def load(world) -> int:
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        return orders.load(account=lambda username: world["boss"])


def test_every_state_ratings_a_dispute_and_a_voucher(world):
    assert load(world) == len(orders.PLAN)
    states = set(ServiceOrder.objects.values_list("status", flat=True))
    assert states == set(OrderStatus.values)
    assert ServiceOrder.objects.filter(enterprise=world["company"]).count() >= 8
    scores = list(Rating.objects.values_list("score", flat=True))
    assert len(scores) == 4 and all(3 <= s <= 5 for s in scores)
    assert all(Rating.objects.values_list("comment", flat=True))
    dispute = Dispute.objects.get()
    assert dispute.order.status == OrderStatus.IN_SERVICE
    paid = ServiceOrder.objects.get(voucher_use__isnull=False)
    assert paid.status == OrderStatus.ACCEPTED and paid.enterprise == world["company"]
    assert 0 < paid.voucher_use.amount_fen < paid.total_fen  # partly


def test_a_second_load_adds_nothing(world):
    load(world)
    before = (ServiceOrder.objects.count(), Rating.objects.count(), Dispute.objects.count())
    assert load(world) == 0
    assert (ServiceOrder.objects.count(), Rating.objects.count(), Dispute.objects.count()) == before


def test_without_a_usable_voucher_the_order_is_paid_in_full(world):
    world["voucher"].programme.enrolments.update(status="pending")
    load(world)
    assert not ServiceOrder.objects.filter(voucher_use__isnull=False).exists()
    assert set(ServiceOrder.objects.values_list("status", flat=True)) == set(OrderStatus.values)

"""Service orders: the lifecycle, frozen quotes, the voucher part, cancellation rules, ratings
and disputes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog.tests.factories import make_resource
from atelier.core.errors import ActionError, Conflict, InvalidTransition, NotAllowed
from atelier.core.workflow import history
from atelier.vouchers import ledger
from atelier.vouchers.models import UseStatus
from atelier.vouchers.tests.factories import (
    enrolled_provider,
    issued_voucher,
    make_enterprise,
    make_programme,
    member_of,
)

from .. import service
from ..models_orders import OrderStatus, ServiceOrder

pytestmark = pytest.mark.django_db
LINES = [
    {"description": "耐磨性能检测", "quantity": "3", "unit": "双", "unit_price": "800"},
    {"description": "邻苯二甲酸酯检测", "quantity": "1", "unit": "项", "unit_price": "1200.50"},
]


@pytest.fixture
def setup():
    programme = make_programme(budget="100000")
    lab = enrolled_provider(programme, name="温州鞋材检测中心")
    product = make_resource(provider=lab, title="鞋类物理性能检测", price=Decimal("800"))
    enterprise = make_enterprise(name="温州小童鞋业有限公司")
    voucher = issued_voucher(programme, enterprise, amount="20000")
    return {"lab": lab, "product": product, "enterprise": enterprise, "voucher": voucher}


def requested(s):
    return service.order_request(
        member_of(s["enterprise"]), enterprise=s["enterprise"], resource=s["product"],
        requirements="3 双童鞋，两周内完成",
    )  # fmt: skip


def test_full_lifecycle_with_a_voucher(setup):
    s = setup
    boss, lab_user = member_of(s["enterprise"]), member_of(s["lab"])
    order = requested(s)
    assert order.provider == s["lab"] and order.status == OrderStatus.REQUESTED
    service.order_quote(lab_user, order, lines=LINES, terms="含检测报告", lead_days=5)
    assert order.total_fen == 360_050  # 3 × 800 + 1200.50, exact
    service.order_accept(boss, order, voucher=s["voucher"])
    order.refresh_from_db()
    assert order.frozen["total_fen"] == 360_050 and order.frozen["resource"]["price"] == "800.00"
    use = order.voucher_use
    assert use.status == UseStatus.RESERVED and use.amount_fen == 360_050  # ≤ ¥10,000: all
    # The provider cannot change the price after acceptance.
    with pytest.raises(InvalidTransition):
        service.order_quote(lab_user, order, lines=[{**LINES[0], "unit_price": "1"}])
    assert ServiceOrder.objects.get(pk=order.pk).total_fen == 360_050
    # A later change of the listing does not reach the order.
    type(s["product"]).objects.filter(pk=s["product"].pk).update(price=Decimal("999"))
    order.refresh_from_db()
    assert order.frozen["resource"]["price"] == "800.00" and order.total_fen == 360_050
    service.order_start(lab_user, order)
    service.order_deliver(lab_user, order, note="报告已上传")
    service.order_confirm(boss, order)
    use.refresh_from_db()
    assert use.status == UseStatus.CONFIRMED  # now claimable
    rating = service.order_rate(boss, order, score=5, comment="出报告很快")
    assert rating.score == 5
    with pytest.raises(Conflict):
        service.order_rate(boss, order, score=4)
    assert [c.to_state for c in history(order)] == [
        "quoted", "accepted", "in_service", "delivered", "confirmed",
    ]  # fmt: skip
    assert ledger.check() == []


def test_bad_quotes_and_wrong_sides_change_nothing(setup):
    s = setup
    order = requested(s)
    lab_user = member_of(s["lab"])
    for bad in (
        [],
        [{**LINES[0], "quantity": "0"}],
        [{**LINES[0], "unit_price": "-1"}],
        [{**LINES[0], "unit_price": "1.234"}],
        [{**LINES[0], "description": " "}],
    ):
        with pytest.raises(ValidationError):
            service.order_quote(lab_user, order, lines=bad)
    with pytest.raises(NotAllowed):
        service.order_quote(member_of(s["enterprise"]), order, lines=LINES)
    with pytest.raises(NotAllowed):
        service.order_accept(lab_user, order)
    order.refresh_from_db()
    assert order.status == OrderStatus.REQUESTED and order.lines.count() == 0


def test_cancelling_an_accepted_order_releases_the_voucher(setup):
    s = setup
    boss = member_of(s["enterprise"])
    order = requested(s)
    service.order_quote(member_of(s["lab"]), order, lines=LINES)
    service.order_accept(boss, order, voucher=s["voucher"])
    with pytest.raises(ActionError, match="原因"):
        service.order_cancel(boss, order, reason="")
    service.order_cancel(boss, order, reason="计划有变")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.voucher_use.status == UseStatus.RELEASED
    s["voucher"].refresh_from_db()
    assert s["voucher"].available_fen == s["voucher"].granted_fen
    assert ledger.check() == []


def test_in_service_only_the_operator_cancels_through_a_dispute(setup):
    s = setup
    boss, lab_user = member_of(s["enterprise"]), member_of(s["lab"])
    order = requested(s)
    service.order_quote(lab_user, order, lines=LINES)
    service.order_accept(boss, order, voucher=s["voucher"])
    service.order_start(lab_user, order)
    with pytest.raises(NotAllowed, match="申诉"):
        service.order_cancel(boss, order, reason="不想要了")
    dispute = service.dispute_open(boss, order, reason="两周未出报告")
    with pytest.raises(Conflict):
        service.dispute_open(lab_user, order, reason="对方未送样")
    with pytest.raises(NotAllowed):
        service.dispute_resolve(boss, dispute, resolution="我说了算")
    service.dispute_resolve(
        make_user(Role.OPERATOR), dispute, resolution="双方同意取消", cancel=True
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.voucher_use.status == UseStatus.RELEASED
    assert ledger.check() == []


def test_rating_needs_a_confirmed_order_and_auto_confirm_after_seven_days(setup):
    s = setup
    boss, lab_user = member_of(s["enterprise"]), member_of(s["lab"])
    order = requested(s)
    with pytest.raises(ActionError, match="确认完成后"):
        service.order_rate(boss, order, score=5)
    service.order_quote(lab_user, order, lines=LINES)
    service.order_accept(boss, order, voucher=s["voucher"])
    service.order_start(lab_user, order)
    service.order_deliver(lab_user, order, note="已交付")
    assert service.orders_auto_confirm() == 0
    ServiceOrder.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - timedelta(days=8))
    assert service.orders_auto_confirm() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED and history(order).last().actor is None
    assert order.voucher_use.status == UseStatus.CONFIRMED
    with pytest.raises(ValidationError):
        service.order_rate(boss, order, score=6)


def test_only_published_services_can_be_ordered(setup):
    s = setup
    draft = make_resource(provider=s["lab"], published=False)
    with pytest.raises(ActionError, match="已发布"):
        service.order_request(
            member_of(s["enterprise"]), enterprise=s["enterprise"], resource=draft
        )
    with pytest.raises(ActionError, match="本企业"):
        service.order_request(
            member_of(s["enterprise"]),
            enterprise=s["enterprise"],
            provider=s["enterprise"],
            title="自己给自己",
        )


def test_pages_follow_the_order(client, setup):
    s = setup
    boss = member_of(s["enterprise"])
    client.force_login(boss)
    response = client.post(
        reverse("orders:order_new"),
        {
            "resource": s["product"].pk,
            "enterprise": s["enterprise"].pk,
            "title": "鞋类物理性能检测",
        },
    )
    order = ServiceOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    client.force_login(member_of(s["lab"]))
    client.post(
        reverse("orders:order_do", args=[order.pk, "quote"]),
        {"line-0-description": "耐磨", "line-0-quantity": "2", "line-0-unit_price": "500.00"},
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.QUOTED and order.total_fen == 100_000
    client.force_login(boss)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "接受报价" in page and s["voucher"].code in page and "1,000.00" in page
    client.post(reverse("orders:order_do", args=[order.pk, "accept"]), {"voucher": s["voucher"].pk})
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED and order.voucher_use.amount_fen == 100_000
    client.force_login(member_of(make_enterprise()))
    assert client.get(order.get_absolute_url()).status_code == 404


def test_order_from_a_docking_and_a_direct_request(client, setup):
    from atelier.demands import actions as demand_actions
    from atelier.demands.tests.factories import make_demand

    s = setup
    boss = member_of(s["enterprise"])
    demand = make_demand(enterprise=s["enterprise"], title="童鞋邻苯检测")
    docking = demand_actions.docking_start(
        boss, demand, provider=s["lab"], resource=s["product"], message="请报价"
    )
    client.force_login(boss)
    url = reverse("orders:order_new")
    assert client.get(url, {"docking": docking.pk}).status_code == 404  # not accepted yet
    demand_actions.docking_accept(member_of(s["lab"]), docking)
    page = client.get(url, {"docking": docking.pk}).content.decode()
    assert "童鞋邻苯检测" in page
    client.post(url, {"docking": docking.pk, "enterprise": s["enterprise"].pk, "title": "邻苯检测"})
    order = ServiceOrder.objects.get(docking=docking)
    assert order.provider == s["lab"] and order.resource == s["product"]
    # A direct request to a provider, without a listing.
    client.post(
        url,
        {"provider": s["lab"].pk, "enterprise": s["enterprise"].pk, "title": "鞋楦三维扫描"},
    )
    direct = ServiceOrder.objects.get(title="鞋楦三维扫描")
    assert direct.resource is None and direct.docking is None and direct.provider == s["lab"]
    # Someone else's docking is not theirs to order from.
    client.force_login(member_of(make_enterprise()))
    assert client.get(url, {"docking": docking.pk}).status_code == 404

"""Service ratings on the catalog's provider page (the orders_tags.provider_ratings panel)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from atelier.catalog.tests.factories import make_resource
from atelier.vouchers.tests.factories import (
    enrolled_provider,
    make_enterprise,
    make_programme,
    member_of,
)

from .. import service

pytestmark = pytest.mark.django_db
LINES = [{"description": "耐磨性能检测", "quantity": "1", "unit": "项", "unit_price": "800"}]


@pytest.fixture
def setup():
    lab = enrolled_provider(make_programme(budget="100000"), name="温州鞋材检测中心")
    product = make_resource(provider=lab, title="鞋类物理性能检测", price=Decimal("800"))
    enterprise = make_enterprise(name="温州小童鞋业有限公司")
    return {"lab": lab, "product": product, "enterprise": enterprise}


def rated(s, score, comment):
    boss, lab_user = member_of(s["enterprise"]), member_of(s["lab"])
    order = service.order_request(boss, enterprise=s["enterprise"], resource=s["product"])
    service.order_quote(lab_user, order, lines=LINES)
    service.order_accept(boss, order)
    service.order_start(lab_user, order)
    service.order_deliver(lab_user, order, note="报告已上传")
    service.order_confirm(boss, order)
    return service.order_rate(boss, order, score=score, comment=comment)


def page(client, lab) -> str:
    response = client.get(reverse("catalog:provider", args=[lab.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_ratings_appear_with_their_average(client, setup):
    rated(setup, 5, "出报告很快")
    rated(setup, 4, "价格合理")
    rated(setup, 4, "")
    html = page(client, setup["lab"])
    assert 'id="ratings"' in html
    assert 'data-average="4.3"' in html  # (5 + 4 + 4) / 3
    assert "3 条评价" in html
    assert "出报告很快" in html and "价格合理" in html
    assert html.count('<i class="bi bi-star-fill"') >= 4 + 5 + 4  # average 4.3 → 4 + the lines


def test_only_the_latest_five_comments_are_listed(client, setup):
    for n in range(6):
        rated(setup, 3, f"评价{n}")
    html = page(client, setup["lab"])
    assert "评价0" not in html and all(f"评价{n}" in html for n in range(1, 6))
    assert 'data-average="3.0"' in html


def test_no_ratings_no_panel(client, setup):
    assert 'id="ratings"' not in page(client, setup["lab"])

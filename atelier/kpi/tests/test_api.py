"""GET /api/v1/kpi/plans and /api/v1/kpi/plans/{id} (DESIGN.md §4)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user

from .. import actions
from ..models import Line
from .factories import operator, pdf, reviewer, simple_plan

pytestmark = pytest.mark.django_db
THIS = timezone.localdate().year


@pytest.fixture
def plan():
    plan = simple_plan(start_year=THIS - 1, end_year=THIS)
    row = plan.rows.get(indicator__code="market_share")
    report = actions.report_value(
        actor=operator(), row=row, year=THIS - 1, value="30.6", pledge=True, files=[pdf()]
    )
    boss = reviewer()
    actions.review_report(actor=boss, report=report, approve=True)
    actions.sign_assessment(
        actor=boss, assessment=actions.assessment_for(plan, THIS - 1, Line.GOVERNMENT)
    )
    return plan


def test_the_list_needs_a_role_that_reads_plans(client, plan):
    assert client.get("/api/v1/kpi/plans").status_code == 401
    client.force_login(make_user(Role.MEMBER))
    response = client.get("/api/v1/kpi/plans")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    client.force_login(make_user(Role.AUDITOR))
    body = client.get("/api/v1/kpi/plans").json()
    assert [p["id"] for p in body] == [plan.pk]
    assert body[0]["indicators"] == 2 and body[0]["status"] == "active"


def test_the_detail_has_targets_actuals_and_scores(client, plan):
    client.force_login(make_user(Role.FINANCE))
    body = client.get(f"/api/v1/kpi/plans/{plan.pk}").json()
    assert body["years"] == [THIS - 1, THIS]
    share = next(i for i in body["indicators_detail"] if i["code"] == "market_share")
    last_year = share["years"][0]
    assert last_year == {
        "year": THIS - 1, "target": "34", "actual": "30.6", "completion": "0.9",
        "points": "9", "status": "at_risk", "frozen": True,
    }  # fmt: skip
    assert Decimal(last_year["completion"]) == Decimal("0.9")
    assert share["line"] == "government" and share["rule"] == "linear"
    scores = {(s["year"], s["line"]): s for s in body["scores"]}
    assert scores[(THIS - 1, "government")]["status"] == "signed"
    assert scores[(THIS - 1, "government")]["points"] == "9"
    assert scores[(THIS, "operator")]["possible"] == "50"


def test_an_unknown_plan_is_a_json_404(client):
    client.force_login(make_user(Role.OPERATOR))
    response = client.get("/api/v1/kpi/plans/999999")
    assert response.status_code == 404 and response.json()["code"] == "not_found"

"""Voucher statistics (atelier.vouchers.stats) on a small known data set made through the actions,
and the public API `GET /api/v1/stats/vouchers` (DESIGN.md §4)."""

from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from atelier.core.models import District

from .. import actions, ledger, stats
from .factories import (
    documents,
    finance,
    make_enterprise,
    make_programme,
    member_of,
    operator,
    reviewer,
)
from .factories import enrolled_provider as make_enrolled_provider

LUCHENG, OUHAI = "330302", "330304"
pytestmark = pytest.mark.django_db


@contextmanager
def moment(at: datetime):
    """The actions (and the ledger's year) see `at` as now."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def redeem(voucher, provider, price: str, *, approved: str, pay: bool, tag: str):
    boss = member_of(voucher.enterprise)
    use = actions.reserve(boss, voucher, provider=provider, price=price, service="鞋类检测")
    actions.use_confirm(boss, use)
    claim = actions.claim_submit(
        member_of(provider), use, mode="tongdui", invoice_no=f"INV{tag}",
        documents=documents(tag), idempotency_key=f"key-{tag}",
    )  # fmt: skip
    actions.claim_review(reviewer(voucher.programme.district_id), claim, approved=approved)
    if pay:
        claim.refresh_from_db()
        fin = finance()
        batch = actions.batch_create(
            fin, voucher.programme, today=claim.notice_until + timedelta(days=1)
        )
        actions.batch_approve(fin, batch)
        actions.batch_paid(fin, batch)
    return use


def issue(programme, enterprise, amount: str):
    application = actions.apply(
        member_of(enterprise), programme, enterprise, amount=amount, purpose="检测与设计服务"
    )
    return actions.application_approve(reviewer(programme.district_id), application)


@pytest.fixture
def world():
    """Last year: A (Lucheng, shoes) spends ¥5,000. This year, Lucheng: A gets ¥20,000 and
    spends ¥8,000 (paid); B (Lucheng, eyewear) gets ¥10,000 and holds it all for a service.
    Ouhai: C (no industry) has an application waiting; D (supporting industry) got ¥5,000 that
    was cancelled and reclaimed."""
    this_year = timezone.localdate().year
    last = datetime(this_year - 1, 6, 15, 10, 0, tzinfo=timezone.get_current_timezone())
    a = make_enterprise(LUCHENG, industries=("C1952", "F5292"))
    b = make_enterprise(LUCHENG, industries=("C3587",))
    c = make_enterprise(OUHAI, industries=())
    d = make_enterprise(OUHAI, industries=("C2924",))
    with moment(last):
        old = make_programme(
            district=LUCHENG, year=this_year - 1, batch=1,
            opens_on=last.date() - timedelta(days=10), closes_on=last.date() + timedelta(days=60),
        )  # fmt: skip
        provider = make_enrolled_provider(old)
        redeem(issue(old, a, "5000"), provider, "5000", approved="5000", pay=False, tag="old")
    lucheng = make_programme(district=LUCHENG, batch=2)
    ouhai = make_programme(district=OUHAI, batch=1, name="瓯海区创新券", authority="瓯海区科技局")
    for programme in (lucheng, ouhai):
        enrolment = actions.enrol(member_of(provider), programme, provider)
        actions.enrolment_decide(operator(), enrolment, accept=True)
    redeem(issue(lucheng, a, "20000"), provider, "8000", approved="8000", pay=True, tag="a")
    voucher_b = issue(lucheng, b, "10000")
    actions.reserve(member_of(b), voucher_b, provider=provider, price="30000", service="镜架检测")
    actions.apply(member_of(c), ouhai, c, amount="3000", purpose="检测")
    voucher_d = issue(ouhai, d, "5000")
    actions.voucher_cancel(reviewer(OUHAI), voucher_d, reason="企业申请放弃")
    assert ledger.check() == []
    return {"a": a, "b": b, "c": c, "d": d, "provider": provider, "year": this_year}


def figures(row: stats.Figures) -> tuple:
    return (
        row.enterprises, row.fashion_enterprises, row.shoe_enterprises,
        row.issued_fen, row.reserved_fen, row.redeemed_fen, row.paid_fen,
        row.fashion_redeemed_fen, row.projects, row.providers,
    )  # fmt: skip


def test_totals_over_all_years(world):
    total = stats.totals()
    #   enterprises, fashion, shoe, issued, reserved, redeemed, paid, fashion redeemed, projects,
    #   providers
    assert figures(total) == (4, 2, 1, 3_500_000, 1_000_000, 1_300_000, 800_000, 1_300_000, 3, 1)
    assert total.redemption_rate == pytest.approx(13 / 35)
    b = ledger.balances()
    assert (total.issued_fen, total.reserved_fen, total.redeemed_fen, total.paid_fen) == (
        b.granted, b.reserved, b.spent, b.paid,
    )  # fmt: skip


def test_by_district(world):
    rows = {r.key: r for r in stats.by_district()}
    assert list(rows) == [LUCHENG, OUHAI]
    assert rows[LUCHENG].label == "鹿城区"
    assert figures(rows[LUCHENG]) == (
        2, 2, 1, 3_500_000, 1_000_000, 1_300_000, 800_000, 1_300_000, 3, 1,
    )  # fmt: skip
    assert figures(rows[OUHAI]) == (2, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    this_year = {r.key: r for r in stats.by_district(world["year"])}
    assert figures(this_year[LUCHENG]) == (
        2, 2, 1, 3_000_000, 1_000_000, 800_000, 800_000, 800_000, 2, 1,
    )  # fmt: skip
    last_year = {r.key: r for r in stats.by_district(world["year"] - 1)}
    assert list(last_year) == [LUCHENG]
    assert figures(last_year[LUCHENG]) == (1, 1, 1, 500_000, 0, 500_000, 0, 500_000, 1, 1)


def test_by_industry_counts_an_enterprise_in_each_of_its_industries(world):
    rows = {r.key: r for r in stats.by_industry()}
    assert set(rows) == {"C1952", "F5292", "C3587", "C2924"}  # C has no industry
    assert figures(rows["C1952"]) == (1, 1, 1, 2_500_000, 0, 1_300_000, 800_000, 1_300_000, 2, 1)
    assert figures(rows["F5292"]) == figures(rows["C1952"])  # A's second industry
    assert rows["C1952"].fashion is True and rows["F5292"].fashion is False
    assert figures(rows["C3587"]) == (1, 1, 0, 1_000_000, 1_000_000, 0, 0, 0, 1, 1)
    assert figures(rows["C2924"]) == (1, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert rows["C3587"].label == "眼镜制造"


def test_by_year_with_year_on_year(world):
    y = world["year"]
    rows = stats.by_year()
    assert [r.key for r in rows] == [str(y - 1), str(y)]
    old, new = rows
    assert figures(old) == (1, 1, 1, 500_000, 0, 500_000, 0, 500_000, 1, 1)
    assert figures(new) == (4, 2, 1, 3_000_000, 1_000_000, 800_000, 800_000, 800_000, 2, 1)
    assert new.previous is old and old.previous is None
    assert new.growth("redeemed_fen") == pytest.approx(0.6)
    assert new.growth("enterprises") == pytest.approx(3.0)
    assert old.growth("redeemed_fen") is None
    assert [r.key for r in stats.by_year(y)] == [str(y)]


def test_by_provider(world):
    (row,) = stats.by_provider()
    assert row.key == str(world["provider"].pk) and row.label == world["provider"].name
    # Enterprises that redeemed with it (A); grants belong to no provider.
    assert figures(row) == (1, 1, 1, 0, 1_000_000, 1_300_000, 800_000, 1_300_000, 3, 1)


def test_compare_attaches_last_years_figures(world):
    result = stats.voucher_stats("district", world["year"], compare=True)
    lucheng = next(r for r in result.rows if r.key == LUCHENG)
    assert lucheng.previous.redeemed_fen == 500_000
    assert lucheng.growth("redeemed_fen") == pytest.approx(0.6)
    assert result.total.previous.enterprises == 1
    with pytest.raises(stats.BadGrouping):
        stats.voucher_stats("person")


def test_empty_database_gives_zeroes():
    result = stats.voucher_stats("district")
    assert result.rows == [] and figures(result.total) == (0,) * 10
    assert result.total.redemption_rate is None


# ---------------------------------------------------------------- the API

ROW_KEYS = [
    "key", "label", "enterprises", "fashion_enterprises", "shoe_enterprises", "amount_issued",
    "amount_redeemed", "fashion_amount_redeemed",
]  # fmt: skip


def test_api_shape_is_exactly_the_contract(client, world):
    response = client.get("/api/v1/stats/vouchers", {"group_by": "district"})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["group_by", "rows", "total"] and body["group_by"] == "district"
    assert [list(r) for r in body["rows"]] == [ROW_KEYS, ROW_KEYS]
    assert list(body["total"]) == ROW_KEYS
    assert body["rows"][0] == {
        "key": LUCHENG, "label": "鹿城区", "enterprises": 2, "fashion_enterprises": 2,
        "shoe_enterprises": 1, "amount_issued": "35000.00", "amount_redeemed": "13000.00",
        "fashion_amount_redeemed": "13000.00",
    }  # fmt: skip
    assert body["total"]["enterprises"] == 4 and body["total"]["amount_issued"] == "35000.00"


@pytest.mark.parametrize("group_by", stats.GROUPINGS)
def test_api_every_grouping_with_and_without_a_year(client, world, group_by):
    for params in ({"group_by": group_by}, {"group_by": group_by, "year": world["year"] - 1}):
        response = client.get("/api/v1/stats/vouchers", params)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["group_by"] == group_by and body["rows"]
        assert all(list(r) == ROW_KEYS for r in body["rows"])
    assert body["total"]["amount_redeemed"] == "5000.00"  # last year only


def test_api_names_no_person(client, world):
    text = client.get("/api/v1/stats/vouchers", {"group_by": "provider"}).content.decode()
    for org in ("a", "b", "c", "d"):
        assert world[org].name not in text
        for user in world[org].memberships.values_list("user__name", "user__mobile"):
            assert all(v not in text for v in user if v)
    assert world["provider"].name in text


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"group_by": "person"}, "bad_group_by"),
        ({"group_by": ""}, "bad_group_by"),
        ({"group_by": "district", "year": "abc"}, "bad_year"),
        ({"group_by": "district", "year": "20245"}, "bad_year"),
        ({"group_by": "district", "year": "-1"}, "bad_year"),
        ({"group_by": "year", "year": "１９９９"}, "bad_year"),
    ],
)
def test_api_refuses_bad_input_with_the_error_shape(client, params, code):
    response = client.get("/api/v1/stats/vouchers", params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "code"} and body["code"] == code and body["detail"]


def test_api_defaults_to_districts_and_is_public(client):
    District.objects.get(pk=LUCHENG)
    response = client.get("/api/v1/stats/vouchers")
    assert response.status_code == 200
    assert response.json() == {
        "group_by": "district", "rows": [],
        "total": {
            "key": "total", "label": "合计", "enterprises": 0, "fashion_enterprises": 0,
            "shoe_enterprises": 0, "amount_issued": "0.00", "amount_redeemed": "0.00",
            "fashion_amount_redeemed": "0.00",
        },
    }  # fmt: skip

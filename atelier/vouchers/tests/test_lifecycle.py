"""The voucher lifecycle through the actions, with the ledger checked after every step."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from atelier.core.errors import ActionError, Conflict, NotAllowed
from atelier.core.models import StatusChange
from atelier.core.workflow import history

from .. import actions, ledger
from ..models import (
    Application,
    Claim,
    LedgerEntry,
    RuleSet,
    UseStatus,
    Voucher,
    VoucherStatus,
    VoucherUse,
    fen_to_yuan,
    yuan_to_fen,
)
from .factories import (
    YUHUAN_RULES,
    documents,
    enrolled_provider,
    finance,
    issued_voucher,
    make_enterprise,
    make_programme,
    member_of,
    operator,
    reviewer,
)

pytestmark = pytest.mark.django_db


def assert_ledger_sound():
    assert ledger.check() == []


@pytest.mark.parametrize(
    ("price", "part"),
    [
        (500_000, 500_000),  # ¥5,000: all by voucher
        (1_000_000, 1_000_000),  # ¥10,000: all
        (1_600_000, 1_300_000),  # ¥16,000: 10,000 + 50% of 6,000
        (3_000_000, 2_000_000),  # ¥30,000: 10,000 + 10,000 = 20,000, the per-draw cap
        (9_000_000, 2_000_000),  # capped
        (1_000_001, 1_000_000),  # half a fen rounds down
    ],
)
def test_voucher_part_follows_the_bands_in_integer_fen(price, part):
    rules = RuleSet(**YUHUAN_RULES)
    assert rules.voucher_part(price) == part


def test_yuan_and_fen_conversions_are_exact():
    assert yuan_to_fen("0.10") + yuan_to_fen("0.20") == yuan_to_fen("0.30")
    assert yuan_to_fen("12,345.67") == 1_234_567
    assert fen_to_yuan(1_234_567) == Decimal("12345.67")
    for bad in ("1.234", "NaN", "abc"):
        with pytest.raises((ValueError, ArithmeticError)):
            yuan_to_fen(bad)


def test_rules_read_in_plain_chinese():
    programme = make_programme()
    text = "\n".join(actions.rules_text(programme.rules()))
    assert "10,000 元以内按 100% 补助" in text
    assert "10,000 元以上部分按 50% 补助" in text
    assert "每次使用最多抵扣 20,000 元" in text and "每年最多 100,000 元" in text


def test_rules_are_versioned_and_applications_keep_theirs():
    programme = make_programme()
    enterprise = make_enterprise()
    first = actions.apply(
        member_of(enterprise), programme, enterprise, amount="1000", purpose="检测"
    )
    newer = actions.rules_publish(
        operator(), programme, {**YUHUAN_RULES, "per_draw_cap_fen": 3_000_000}
    )
    assert newer.version == 2 and programme.rules() == newer
    first.refresh_from_db()
    assert first.rules.version == 1
    with pytest.raises(ValidationError):
        actions.rules_publish(operator(), programme, {**YUHUAN_RULES, "bands": [[100, 100]]})
    assert programme.rule_sets.count() == 2


def test_full_lifecycle_apply_to_paid():
    programme = make_programme(budget="100000")
    provider = enrolled_provider(programme)
    enterprise = make_enterprise()
    boss = member_of(enterprise)
    application = actions.apply(boss, programme, enterprise, amount="20000", purpose="鞋类检测")
    assert all(c["ok"] for c in application.checks)
    voucher = actions.application_approve(reviewer(), application)
    assert voucher.code.startswith(f"CX{programme.year}02")
    assert voucher.use_by == timezone.localdate() + timedelta(days=90)
    assert_ledger_sound()
    assert ledger.balances(programme=programme).unallocated == yuan_to_fen("80000")

    use = actions.reserve(boss, voucher, provider=provider, price="16000", service="足底压力测试")
    assert use.amount_fen == yuan_to_fen("13000")
    voucher.refresh_from_db()
    assert (voucher.available_fen, voucher.reserved_fen) == (700_000, 1_300_000)
    assert_ledger_sound()

    actions.use_confirm(boss, use)
    claim = actions.claim_submit(
        member_of(provider), use, mode="tongdui", invoice_no="33021234",
        documents=documents(), idempotency_key="k-1",
    )  # fmt: skip
    assert claim.claimed_fen == 1_300_000
    again = actions.claim_submit(
        member_of(provider), use, mode="tongdui", invoice_no="33021234",
        documents=documents(), idempotency_key="k-1",
    )  # fmt: skip
    assert again.pk == claim.pk and Claim.objects.count() == 1

    with pytest.raises(ValidationError, match="理由"):
        actions.claim_review(reviewer(), claim, approved="12000")
    actions.claim_review(reviewer(), claim, approved="12000", reasons=["差旅费不在补助范围"])
    claim.refresh_from_db()
    assert claim.approved_fen == 1_200_000 and claim.reasons == [
        {"no": 1, "text": "差旅费不在补助范围"}
    ]
    voucher.refresh_from_db()
    assert (voucher.available_fen, voucher.reserved_fen, voucher.spent_fen) == (
        800_000, 0, 1_200_000,
    )  # fmt: skip
    assert_ledger_sound()

    fin = finance()
    with pytest.raises(ActionError, match="公示期满"):
        actions.batch_create(fin, programme)
    batch = actions.batch_create(fin, programme, today=claim.notice_until + timedelta(days=1))
    actions.batch_approve(fin, batch)
    actions.batch_paid(fin, batch)
    use.refresh_from_db()
    assert use.status == UseStatus.PAID
    assert ledger.balances(programme=programme).paid == 1_200_000
    assert [c.to_state for c in history(use)] == ["confirmed", "claimed", "noticed", "paid"]
    assert_ledger_sound()


def test_refusals_change_nothing():
    programme = make_programme(budget="30000")
    enterprise = make_enterprise()
    boss = member_of(enterprise)
    outsider = make_enterprise(district="330304")  # 瓯海, not 鹿城
    closed = make_programme(
        opens_on=timezone.localdate() - timedelta(days=30),
        closes_on=timezone.localdate() - timedelta(days=1),
    )
    before = (LedgerEntry.objects.filter(programme=programme).count(), StatusChange.objects.count())
    with pytest.raises(ActionError, match="持有额度"):
        actions.apply(boss, programme, enterprise, amount="60000", purpose="检测")
    with pytest.raises(ActionError, match="发放区域"):
        actions.apply(member_of(outsider), programme, outsider, amount="1000", purpose="检测")
    with pytest.raises(ActionError, match="申领期"):
        actions.apply(boss, closed, enterprise, amount="1000", purpose="检测")
    with pytest.raises(NotAllowed):
        actions.apply(member_of(outsider), programme, enterprise, amount="1000", purpose="检测")
    assert not Application.objects.filter(programme=programme).exists()
    after = (LedgerEntry.objects.filter(programme=programme).count(), StatusChange.objects.count())
    assert after == before

    application = actions.apply(boss, programme, enterprise, amount="20000", purpose="检测")
    with pytest.raises(NotAllowed):
        actions.application_approve(reviewer("330304"), application)  # another district
    application.refresh_from_db()
    assert application.status == "submitted"
    voucher = actions.application_approve(reviewer(), application)

    unenrolled = make_enterprise()
    with pytest.raises(ActionError, match="未入库"):
        actions.reserve(boss, voucher, provider=unenrolled, price="1000", service="检测")
    voucher.refresh_from_db()
    assert voucher.available_fen == voucher.granted_fen
    assert_ledger_sound()


def test_budget_runs_out_and_caps_hold():
    programme = make_programme(budget="25000")
    a = issued_voucher(programme, amount="20000")
    other = make_enterprise()
    application = actions.apply(member_of(other), programme, other, amount="10000", purpose="检测")
    with pytest.raises(Conflict, match="预算"):
        actions.application_approve(reviewer(), application)
    application.refresh_from_db()
    assert application.status == "submitted"  # nothing half-applied
    assert Voucher.objects.filter(programme=programme).count() == 1
    assert ledger.balances(programme=programme).unallocated == 500_000
    assert a.granted_fen == 2_000_000
    assert_ledger_sound()


def test_expiry_reclaims_unused_and_releases_late_reservations():
    programme = make_programme(budget="100000")
    provider = enrolled_provider(programme)
    voucher = issued_voucher(programme, amount="20000")
    boss = member_of(voucher.enterprise)
    use = actions.reserve(boss, voucher, provider=provider, price="5000", service="色牢度检测")
    Voucher.objects.filter(pk=voucher.pk).update(use_by=timezone.localdate() - timedelta(days=1))
    assert actions.vouchers_reclaim() == 1
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.EXPIRED
    assert (voucher.available_fen, voucher.reserved_fen) == (0, 500_000)
    with pytest.raises(ActionError, match="过期"):
        actions.reserve(boss, voucher, provider=provider, price="100", service="x")
    Voucher.objects.filter(pk=voucher.pk).update(redeem_by=timezone.localdate() - timedelta(days=1))
    actions.vouchers_reclaim()
    use.refresh_from_db()
    voucher.refresh_from_db()
    assert use.status == UseStatus.RELEASED
    assert (voucher.granted_fen, voucher.available_fen, voucher.reserved_fen) == (0, 0, 0)
    assert ledger.balances(programme=programme).unallocated == yuan_to_fen("100000")
    assert_ledger_sound()


def test_claim_guards_documents_invoices_and_modes():
    programme = make_programme()
    provider = enrolled_provider(programme)
    v1, v2 = issued_voucher(programme), issued_voucher(programme)
    u1 = actions.reserve(member_of(v1.enterprise), v1, provider=provider, price="1000", service="a")
    u2 = actions.reserve(member_of(v2.enterprise), v2, provider=provider, price="1000", service="b")
    for use in (u1, u2):
        actions.use_confirm(member_of(use.voucher.enterprise), use)
    docs = documents()
    with pytest.raises(ValidationError, match="缺少材料"):
        actions.claim_submit(
            member_of(provider), u1, mode="tongdui", invoice_no="A1",
            documents={"invoice": docs["invoice"]}, idempotency_key="x1",
        )  # fmt: skip
    with pytest.raises(NotAllowed):  # 通用 is claimed by the enterprise, not the provider
        actions.claim_submit(
            member_of(provider), u1, mode="tongyong", invoice_no="A1", documents=documents(),
            idempotency_key="x2",
        )  # fmt: skip
    actions.claim_submit(
        member_of(provider), u1, mode="tongdui", invoice_no="a1", documents=docs,
        idempotency_key="x3",
    )  # fmt: skip
    with pytest.raises(Conflict, match="A1"):
        actions.claim_submit(
            member_of(provider), u2, mode="tongdui", invoice_no="A1", documents=documents(),
            idempotency_key="x4",
        )  # fmt: skip
    reused = documents()
    reused["invoice"] = docs["invoice"]
    with pytest.raises(ActionError, match="相同"):
        actions.claim_submit(
            member_of(provider), u2, mode="tongdui", invoice_no="A2", documents=reused,
            idempotency_key="x5",
        )  # fmt: skip
    u2.refresh_from_db()
    assert u2.status == UseStatus.CONFIRMED and Claim.objects.count() == 1
    assert VoucherUse.objects.get(pk=u1.pk).status == UseStatus.CLAIMED


def test_ledger_rows_are_append_only():
    programme = make_programme()
    entry = LedgerEntry.objects.filter(programme=programme).first()
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_check_notices_running_figures_that_disagree_with_the_ledger():
    from django.db.models import F

    programme = make_programme()
    voucher = issued_voucher(programme)
    assert ledger.check() == []
    # Someone edits the row behind the ledger's back (the row's own constraint still holds).
    Voucher.objects.filter(pk=voucher.pk).update(
        granted_fen=F("granted_fen") + 100, available_fen=F("available_fen") + 100
    )
    problems = ledger.check(programme)
    assert len(problems) == 1 and voucher.code in problems[0]


def test_programme_categories_limit_what_a_voucher_buys():
    programme = make_programme(categories="检测认证；工业设计")
    provider = enrolled_provider(programme)
    voucher = issued_voucher(programme)
    boss = member_of(voucher.enterprise)
    for category in ("", "广告推广"):
        with pytest.raises(ActionError, match="不在本项目支持范围内"):
            actions.reserve(
                boss, voucher, provider=provider, price="1000", service="x", category=category
            )
    use = actions.reserve(
        boss, voucher, provider=provider, price="1000", service="鞋底耐磨", category="检测认证"
    )
    assert use.amount_fen == 100_000
    assert_ledger_sound()

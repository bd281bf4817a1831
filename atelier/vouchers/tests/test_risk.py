"""Fraud and risk checks: each flag fires on a crafted case and stays silent on a clean one; the
party register; clawbacks keep the ledger sound; the blacklist."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog.tests.factories import make_resource
from atelier.core.errors import ActionError, NotAllowed
from atelier.core.models import AuditEntry

from .. import actions, ledger, risk
from ..models import (
    ClaimDocument,
    Entry,
    LedgerEntry,
    PartyFact,
    PartyKind,
    Voucher,
    VoucherUse,
)
from .factories import (
    documents,
    enrolled_provider,
    issued_voucher,
    make_enterprise,
    make_programme,
    member_of,
    operator,
)
from .risk_factories import claimed_use, make_use, pay_all

pytestmark = pytest.mark.django_db


def codes(flags):
    return [f.code for f in flags]


# ---------------------------------------------------------------- normalising and the register


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [
        (PartyKind.PHONE, "+86 138-0000-1234", "13800001234"),
        (PartyKind.PHONE, "0577-8888 1234", "057788881234"),
        (PartyKind.ADDRESS, "浙江省温州市鹿城区 五马街 1 号（B座）", "鹿城区五马街1号B座"),
        (PartyKind.ADDRESS, "温州市鹿城区五马街１号B座", "中国浙江温州鹿城区五马街1号b座"),
        (PartyKind.LEGAL_REP, "张 三", "张·三"),
        (PartyKind.SHAREHOLDER, "Li Ming", "LI-MING"),
        (PartyKind.BANK_ACCOUNT, "6222 0212-3456 7890", "6222021234567890"),
    ],
)
def test_normalise_makes_spellings_equal(kind, a, b):
    assert risk.normalise(kind, a) == risk.normalise(kind, b) != ""


def test_normalise_invoice_numbers():
    same = {
        risk.normalise_invoice(n)
        for n in ("No. 0012-3456", "123456", "NO.00123456", "１２３４５６")
    }
    assert same == {"123456"}
    assert risk.normalise_invoice("12345678") != risk.normalise_invoice("12345679")


def test_record_facts_normalises_and_records_once():
    org = make_enterprise()
    admin = member_of(org)
    created = risk.record_facts(
        org, {PartyKind.LEGAL_REP: "张 三", PartyKind.SHAREHOLDER: ["李四", "王五"]}, admin
    )
    assert sorted(f.value for f in created) == ["张三", "李四", "王五"]
    again = risk.record_facts(org, [(PartyKind.LEGAL_REP, "张·三"), (PartyKind.PHONE, "")], admin)
    assert again == []
    assert PartyFact.objects.filter(organization=org).count() == 3
    assert AuditEntry.objects.filter(verb="party.record").count() == 1
    with pytest.raises(NotAllowed):
        risk.record_facts(org, {PartyKind.LEGAL_REP: "赵六"}, member_of(make_enterprise()))
    with pytest.raises(ValidationError):
        risk.record_facts(org, {"nickname": "x"}, admin)


def test_record_facts_from_org_copies_phone_and_address():
    org = make_enterprise(contact_mobile="13800001111", address="温州市鹿城区五马街1号")
    facts = risk.record_facts_from_org(org)
    assert {(f.kind, f.value) for f in facts} == {
        (PartyKind.PHONE, "13800001111"),
        (PartyKind.ADDRESS, "鹿城区五马街1号"),
    }
    assert {f.source for f in facts} == {"org_record"}


# ---------------------------------------------------------------- related parties


@pytest.mark.parametrize(
    ("kind", "raw_a", "raw_b", "severity"),
    [
        (PartyKind.LEGAL_REP, "张三", "张 三", "high"),
        (PartyKind.SHAREHOLDER, "李四", "李四", "high"),
        (PartyKind.PHONE, "0577-88881234", "057788881234", "medium"),
        (PartyKind.ADDRESS, "浙江省温州市鹿城区五马街1号", "鹿城区五马街 1 号", "medium"),
        (PartyKind.BANK_ACCOUNT, "6222 0212 3456 7890", "6222021234567890", "high"),
    ],
)
def test_related_party_fires_on_each_shared_fact(kind, raw_a, raw_b, severity):
    enterprise, provider = make_enterprise(), make_enterprise()
    risk.record_facts(enterprise, {kind: raw_a}, operator())
    risk.record_facts(provider, {kind: raw_b}, operator())
    flags = risk.related_party_flags(enterprise, provider)
    assert codes(flags) == ["related_party"]
    assert flags[0].severity == severity
    assert raw_a in flags[0].evidence and raw_b in flags[0].evidence
    assert enterprise.name in flags[0].evidence and str(PartyKind(kind).label) in flags[0].evidence


def test_related_party_reads_the_org_record_live():
    enterprise = make_enterprise(contact_mobile="13800002222")
    provider = make_enterprise(contact_mobile="13800002222")
    flags = risk.related_party_flags(enterprise, provider)
    assert codes(flags) == ["related_party"] and "13800002222" in flags[0].evidence


def test_related_party_finds_a_provider_holding_shares_in_the_enterprise():
    enterprise, provider = make_enterprise(), make_enterprise()
    risk.record_facts(enterprise, {PartyKind.SHAREHOLDER: provider.credit_code}, operator())
    flags = risk.related_party_flags(enterprise, provider)
    assert codes(flags) == ["related_party"]
    assert "股东" in flags[0].evidence and provider.name in flags[0].evidence


def test_related_party_silent_on_unrelated_organisations():
    enterprise = make_enterprise(contact_mobile="13800003333", address="鹿城区五马街1号")
    provider = make_enterprise(contact_mobile="13800004444", address="鹿城区五马街2号")
    risk.record_facts(enterprise, {PartyKind.LEGAL_REP: "张三"}, operator())
    risk.record_facts(provider, {PartyKind.LEGAL_REP: "张三丰"}, operator())
    assert risk.related_party_flags(enterprise, provider) == []


# ---------------------------------------------------------------- price


@pytest.fixture
def programme():
    return make_programme(budget="1000000")


@pytest.fixture
def provider(programme):
    return enrolled_provider(programme)


def test_price_above_published_fires_with_the_figures(programme, provider):
    resource = make_resource(provider=provider, price="5000.00", price_unit="次")
    use = make_use(issued_voucher(programme), provider, price="6000", resource=resource)
    flags = risk.price_flags(use)
    assert codes(flags) == ["price_above_published"] and flags[0].severity == "medium"
    assert "6,000.00" in flags[0].evidence and "5,000.00" in flags[0].evidence
    assert "20%" in flags[0].evidence and "次" in flags[0].evidence
    much = make_use(issued_voucher(programme), provider, price="9000", resource=resource)
    assert risk.price_flags(much)[0].severity == "high"


def test_price_flag_silent_at_or_below_the_published_price(programme, provider):
    resource = make_resource(provider=provider, price="5000.01")
    voucher = issued_voucher(programme)
    assert risk.price_flags(make_use(voucher, provider, price="5000.01", resource=resource)) == []
    assert risk.price_flags(make_use(voucher, provider, price="100", resource=resource)) == []
    negotiable = make_resource(provider=provider, price=None)
    assert risk.price_flags(make_use(voucher, provider, price="9999", resource=negotiable)) == []
    assert risk.price_flags(make_use(voucher, provider, price="9999")) == []


# ---------------------------------------------------------------- invoices and documents


def test_reused_invoice_number_in_another_spelling(programme, provider):
    first = claimed_use(issued_voucher(programme), provider, invoice_no="33021234")
    second = claimed_use(issued_voucher(programme), provider, invoice_no="No.3302-1234")
    flags = risk.invoice_flags(second)
    assert codes(flags) == ["invoice_reused"] and flags[0].severity == "high"
    assert f"#{first.pk}" in flags[0].evidence and "33021234" in flags[0].evidence
    assert codes(risk.invoice_flags(first)) == ["invoice_reused"]


def test_same_invoice_number_from_another_issuer(programme, provider):
    other = enrolled_provider(programme)
    claimed_use(issued_voucher(programme), provider, invoice_no="33021235")
    short = claimed_use(issued_voucher(programme), other, invoice_no="33021235")
    flags = risk.invoice_flags(short)
    assert codes(flags) == ["invoice_duplicate"] and flags[0].severity == "low"
    digital = "25332000000012345678"  # 全电发票: unique nationwide
    claimed_use(issued_voucher(programme), provider, invoice_no=digital)
    full = claimed_use(issued_voucher(programme), other, invoice_no=digital)
    assert [(f.code, f.severity) for f in risk.invoice_flags(full)] == [
        ("invoice_duplicate", "high")
    ]


def test_invoice_flag_silent_on_distinct_numbers(programme, provider):
    claimed_use(issued_voucher(programme), provider, invoice_no="33021234")
    clean = claimed_use(issued_voucher(programme), provider, invoice_no="43021234")
    assert risk.invoice_flags(clean) == []


def test_document_with_the_same_content_elsewhere(programme, provider):
    first = claimed_use(issued_voucher(programme), provider)
    second = claimed_use(issued_voucher(programme), provider)
    invoice = first.documents.get(kind="invoice")
    # The claim action refuses such an upload; data from before it (or imported) may hold one.
    ClaimDocument.objects.filter(claim=second, kind="report").update(sha256=invoice.sha256)
    flags = risk.document_flags(second)
    assert codes(flags) == ["document_reused"] and flags[0].severity == "high"
    assert invoice.sha256[:12] in flags[0].evidence and f"#{first.pk}" in flags[0].evidence


def test_a_shared_contract_is_flagged_only_across_parties(programme, provider):
    voucher = issued_voucher(programme, amount="40000")
    docs = documents()
    contract = docs["contract"].read()

    def with_contract():
        fresh = documents()
        fresh["contract"] = SimpleUploadedFile("contract.pdf", contract, "application/pdf")
        return fresh

    claimed_use(voucher, provider, price="1000", docs=docs)
    framework = claimed_use(voucher, provider, price="1000", docs=with_contract())
    assert risk.document_flags(framework) == []  # one framework contract, same parties
    elsewhere = claimed_use(issued_voucher(programme), provider, price="1000", docs=with_contract())
    flags = risk.document_flags(elsewhere)
    assert [(f.code, f.severity) for f in flags] == [("document_reused", "medium")] * 2


def test_document_flag_silent_on_fresh_documents(programme, provider):
    claimed_use(issued_voucher(programme), provider)
    assert risk.document_flags(claimed_use(issued_voucher(programme), provider)) == []


# ---------------------------------------------------------------- split orders


def test_orders_split_to_stay_under_the_cap(programme, provider):
    voucher = issued_voucher(programme, amount="50000")
    uses = [make_use(voucher, provider, price="9000") for _ in range(3)]
    start = timezone.now() - timedelta(days=20)
    for i, use in enumerate(uses):  # spread over 20 days
        VoucherUse.objects.filter(pk=use.pk).update(created_at=start + timedelta(days=10 * i))
        use.refresh_from_db()
    flags = risk.split_flags(uses[1])
    assert codes(flags) == ["split_order"]
    evidence = flags[0].evidence
    assert "3 次" in evidence and "27,000.00" in evidence and "20,000.00" in evidence
    assert "18,500.00" in evidence  # merged: 10,000 + 50% × 17,000
    assert codes(risk.flags_for_use(uses[0])) == ["split_order"]


def test_split_flag_silent_when_the_sum_stays_under_the_cap_or_time_apart(programme, provider):
    voucher = issued_voucher(programme, amount="50000")
    a, b = make_use(voucher, provider, price="9000"), make_use(voucher, provider, price="9000")
    assert risk.split_flags(a) == [] and risk.split_flags(b) == []  # 18,000 ≤ 20,000
    other = enrolled_provider(programme)
    assert risk.split_flags(make_use(voucher, other, price="9000")) == []  # another provider
    c = make_use(voucher, provider, price="9000")
    assert codes(risk.split_flags(c)) == ["split_order"]
    actions.use_release(member_of(voucher.enterprise), c, reason="合同取消")
    assert risk.split_flags(a) == []  # a released use does not count
    c = make_use(voucher, provider, price="9000")
    VoucherUse.objects.filter(pk__in=[a.pk, b.pk]).update(
        created_at=timezone.now() - timedelta(days=45)
    )
    c.refresh_from_db()
    assert risk.split_flags(c) == []  # the other two are more than 30 days before


# ---------------------------------------------------------------- concentration


def test_provider_claims_clustered_on_two_enterprises(programme, provider):
    v1 = issued_voucher(programme, amount="50000")
    v2 = issued_voucher(programme, amount="50000")
    v3 = issued_voucher(programme, amount="50000")
    for voucher, price in ((v1, "8000"), (v1, "8000"), (v1, "8000"), (v2, "8000"), (v3, "1000")):
        claimed_use(voucher, provider, price=price)
    flags = risk.concentration_flags(provider, programme)
    assert codes(flags) == ["provider_concentration"]
    evidence = flags[0].evidence
    assert "5 笔" in evidence and "33,000.00" in evidence and "96%" in evidence
    assert v1.enterprise.name in evidence and v2.enterprise.name in evidence


def test_concentration_silent_when_claims_are_spread_or_few(programme, provider):
    for _ in range(5):
        claimed_use(issued_voucher(programme), provider, price="2000")
    assert risk.concentration_flags(provider, programme) == []  # five enterprises, 40 %
    few = enrolled_provider(programme)
    voucher = issued_voucher(programme, amount="50000")
    for _ in range(4):
        claimed_use(voucher, few, price="1000")
    assert risk.concentration_flags(few, programme) == []  # four claims only


# ---------------------------------------------------------------- per object


def test_a_clean_claim_has_no_flags(programme, provider):
    resource = make_resource(provider=provider, price="8000")
    claim = claimed_use(issued_voucher(programme), provider, price="8000", resource=resource)
    assert risk.flags_for_claim(claim) == []


def test_flags_for_claim_gathers_and_sorts(programme, provider):
    voucher = issued_voucher(programme)
    risk.record_facts(voucher.enterprise, {PartyKind.PHONE: "13800005555"}, operator())
    risk.record_facts(provider, {PartyKind.PHONE: "13800005555"}, operator())
    resource = make_resource(provider=provider, price="1000")
    claim = claimed_use(voucher, provider, price="2000", resource=resource)
    risk.blacklist_add(
        organization=provider, until=timezone.localdate(), reason="虚开发票", actor=None
    )
    flags = risk.flags_for_claim(claim)
    assert codes(flags) == ["price_above_published", "blacklisted", "related_party"]
    assert [f.severity for f in flags] == ["high", "high", "medium"]
    assert all(f.as_dict()["title"] for f in flags)


def test_flags_for_application(programme, provider):
    enterprise = make_enterprise(contact_mobile="13800006666")
    risk.record_facts(provider, {PartyKind.PHONE: "138 0000 6666"}, operator())
    sibling = make_enterprise()
    actions.apply(member_of(sibling), programme, sibling, amount="1000", purpose="检测")
    risk.record_facts(enterprise, {PartyKind.LEGAL_REP: "王五"}, operator())
    risk.record_facts(sibling, {PartyKind.LEGAL_REP: "王 五"}, operator())
    application = actions.apply(
        member_of(enterprise), programme, enterprise, amount="1000", purpose="检测"
    )
    flags = risk.flags_for_application(application)
    assert sorted(codes(flags)) == ["related_applicant", "related_party"]
    by_code = {f.code: f for f in flags}
    assert provider.name in by_code["related_party"].evidence
    assert sibling.name in by_code["related_applicant"].evidence

    clean = make_enterprise()
    quiet = actions.apply(member_of(clean), programme, clean, amount="1000", purpose="检测")
    assert risk.flags_for_application(quiet) == []
    risk.blacklist_add(
        organization=clean, until=timezone.localdate(), reason="骗取补助", actor=None
    )
    assert codes(risk.flags_for_application(quiet)) == ["blacklisted"]


# ---------------------------------------------------------------- clawback


def test_clawback_returns_money_and_keeps_the_ledger_sound(programme, provider):
    voucher = issued_voucher(programme)
    claim = claimed_use(voucher, provider, price="6000")
    pay_all(programme)
    before = ledger.balances(programme=programme)
    assert ledger.check() == []

    entry = risk.clawback(claim.use, 400_000, operator(), note="抽查追回")
    assert entry.kind == Entry.CLAWBACK
    assert (entry.d_spent, entry.d_granted, entry.d_unallocated, entry.d_paid) == (
        -400_000, -400_000, 400_000, -400_000,
    )  # fmt: skip
    after = ledger.balances(programme=programme)
    assert after.spent == before.spent - 400_000 and after.paid == before.paid - 400_000
    assert after.unallocated == before.unallocated + 400_000 and after.budget == before.budget
    voucher.refresh_from_db()
    assert (voucher.granted_fen, voucher.spent_fen) == (1_600_000, 200_000)
    assert ledger.check() == []

    with pytest.raises(ActionError, match="超过"):
        risk.clawback(claim.use, 200_001, operator())  # only 2,000 left to recover
    risk.clawback(claim.use, 200_000, operator())
    assert ledger.balances(use=claim.use).paid == 0
    assert ledger.check() == []
    with pytest.raises(ValidationError):
        risk.clawback(claim.use, 0, operator())


def test_clawback_refuses_an_unpaid_use(programme, provider):
    claim = claimed_use(issued_voucher(programme), provider, price="6000")
    with pytest.raises(ActionError):
        risk.clawback(claim.use, 100, operator())
    assert not LedgerEntry.objects.filter(kind=Entry.CLAWBACK).exists()
    assert Voucher.objects.get(pk=claim.use.voucher_id).reserved_fen == 600_000


# ---------------------------------------------------------------- blacklist


def test_blacklist_has_a_period_and_can_be_lifted():
    org = make_enterprise()
    today = timezone.localdate()
    assert not risk.is_blacklisted(org)
    entry = risk.blacklist_add(
        organization=org, until=today + timedelta(days=30), reason="虚报服务", actor=operator()
    )
    assert risk.is_blacklisted(org) and risk.is_blacklisted(org, on=today + timedelta(days=30))
    assert not risk.is_blacklisted(org, on=today + timedelta(days=31))
    assert not risk.is_blacklisted(org, on=today - timedelta(days=1))
    with pytest.raises(ActionError, match="虚报服务") as excinfo:
        risk.ensure_not_blacklisted(org)
    assert excinfo.value.code == "blacklisted"
    with pytest.raises(NotAllowed):
        risk.blacklist_add(
            organization=org, until=today, reason="x", actor=member_of(make_enterprise())
        )
    with pytest.raises(NotAllowed):
        risk.blacklist_lift(entry=entry, actor=make_user(Role.REVIEWER), reason="误列")
    risk.blacklist_lift(entry=entry, actor=operator(), reason="误列")
    assert not risk.is_blacklisted(org)
    risk.ensure_not_blacklisted(org)
    with pytest.raises(ActionError):
        risk.blacklist_lift(entry=entry, actor=operator(), reason="again")

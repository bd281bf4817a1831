"""The public notice (公示) of reviewed claims."""

from datetime import timedelta

import pytest
from django.urls import reverse

from .. import actions
from .factories import (
    documents,
    enrolled_provider,
    issued_voucher,
    make_enterprise,
    make_programme,
    member_of,
    reviewer,
)

pytestmark = pytest.mark.django_db


def reviewed_claim(programme, provider, *, approved, invoice):
    enterprise = make_enterprise(name=f"温州公示鞋业{invoice}")
    voucher = issued_voucher(programme, enterprise)
    boss = member_of(enterprise)
    use = actions.reserve(boss, voucher, provider=provider, price="8000", service="耐磨检测")
    actions.use_confirm(boss, use)
    claim = actions.claim_submit(
        member_of(provider), use, mode="tongdui", invoice_no=invoice, documents=documents(),
        idempotency_key=f"k-{invoice}",
    )  # fmt: skip
    reasons = [] if approved == "8000" else ["部分费用不符"]
    return actions.claim_review(reviewer(), claim, approved=approved, reasons=reasons)


def test_notice_lists_claims_in_their_notice_period_for_anyone(client):
    programme = make_programme()
    provider = enrolled_provider(programme, name="温州公示检测中心")
    shown = reviewed_claim(programme, provider, approved="7654.32", invoice="N1")
    rejected = reviewed_claim(programme, provider, approved="0", invoice="N2")
    page = client.get(reverse("vouchers:notice")).content.decode()
    assert shown.use.voucher.enterprise.name in page
    assert "温州公示检测中心" in page and "7,654.32" in page
    assert rejected.use.voucher.enterprise.name not in page
    # After the notice period the claim leaves the list.
    type(shown).objects.filter(pk=shown.pk).update(
        notice_until=shown.notice_until - timedelta(days=30)
    )
    page = client.get(reverse("vouchers:notice")).content.decode()
    assert shown.use.voucher.enterprise.name not in page

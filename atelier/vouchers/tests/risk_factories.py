"""Factories for the risk and spot-check tests: uses taken through the real actions as far as a
claim, a review and a payout."""

import itertools
from datetime import timedelta

from django.utils import timezone

from .. import actions
from ..models import Claim, VoucherUse, fen_to_yuan
from .factories import documents, finance, member_of, reviewer

_invoices = itertools.count(10_000_001)


def make_use(voucher, provider, *, price="5000", resource=None, service="鞋类检测") -> VoucherUse:
    return actions.reserve(
        member_of(voucher.enterprise), voucher, provider=provider, price=price,
        service=service, resource=resource,
    )  # fmt: skip


def make_claim(use: VoucherUse, *, invoice_no: str | None = None, docs=None) -> Claim:
    """Confirm the use and claim it (通兑, by the provider)."""
    actions.use_confirm(member_of(use.voucher.enterprise), use)
    invoice_no = invoice_no or str(next(_invoices))
    return actions.claim_submit(
        member_of(use.provider), use, mode="tongdui", invoice_no=invoice_no,
        documents=docs or documents(), idempotency_key=f"risk-{use.pk}-{invoice_no}",
    )  # fmt: skip


def claimed_use(voucher, provider, **kw) -> Claim:
    claim_fields = {k: kw.pop(k) for k in ("invoice_no", "docs") if k in kw}
    return make_claim(make_use(voucher, provider, **kw), **claim_fields)


def pay_all(programme) -> None:
    """Approve every open claim of the programme in full and pay them in one batch."""
    district = programme.district_id or "330302"
    for claim in Claim.objects.filter(use__voucher__programme=programme, approved_fen__isnull=True):
        actions.claim_review(reviewer(district), claim, approved=fen_to_yuan(claim.claimed_fen))
    fin = finance()
    batch = actions.batch_create(fin, programme, today=timezone.localdate() + timedelta(days=60))
    actions.batch_approve(fin, batch)
    actions.batch_paid(fin, batch)

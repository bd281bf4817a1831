"""Many requests at once against one small budget and one voucher (PostgreSQL only: SQLite
serialises writers anyway). Each thread has its own database connection and transaction."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from atelier.core.errors import ActionError

from .. import actions, ledger
from ..models import Application, Claim, Voucher, VoucherUse
from .factories import (
    documents,
    enrolled_provider,
    issued_voucher,
    make_enterprise,
    make_programme,
    member_of,
    reviewer,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL row locks"),
]

THREADS = 60


@pytest.fixture(autouse=True)
def reference_data():
    # A transactional test starts from a flushed database: put the districts etc. back.
    from atelier.core.reference import sync_reference_data

    sync_reference_data()


def race(fn, items):
    """Run fn(item) for every item at the same moment; return (results, errors)."""
    barrier = threading.Barrier(len(items))

    def run(item):
        from django.db import connection as conn

        try:
            barrier.wait()
            return ("ok", fn(item))
        except ActionError as exc:
            return ("refused", exc.code)
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        outcomes = list(pool.map(run, items))
    return [r for s, r in outcomes if s == "ok"], [r for s, r in outcomes if s == "refused"]


def test_parallel_approvals_cannot_overspend_the_budget():
    programme = make_programme(budget="100000")  # room for 20 vouchers of ¥5,000
    applications = []
    for _ in range(THREADS):
        enterprise = make_enterprise()
        applications.append(
            actions.apply(
                member_of(enterprise), programme, enterprise, amount="5000", purpose="检测"
            )
        )
    checker = reviewer()
    ok, refused = race(lambda a: actions.application_approve(checker, a), applications)
    assert len(ok) == 20 and len(refused) == THREADS - 20
    assert set(refused) == {"insufficient_balance"}
    assert Voucher.objects.filter(programme=programme).count() == 20
    assert Application.objects.filter(programme=programme, status="approved").count() == 20
    assert ledger.balances(programme=programme).unallocated == 0
    assert ledger.check() == []


def test_parallel_reservations_and_claims_on_one_voucher():
    programme = make_programme(budget="100000")
    provider = enrolled_provider(programme)
    voucher = issued_voucher(programme, amount="20000")  # room for 20 uses of ¥1,000
    boss = member_of(voucher.enterprise)
    ok, refused = race(
        lambda i: actions.reserve(
            boss, voucher, provider=provider, price="1000", service=f"检测{i}"
        ),
        list(range(THREADS)),
    )
    assert len(ok) == 20 and set(refused) == {"insufficient_balance"}
    voucher.refresh_from_db()
    assert (voucher.available_fen, voucher.reserved_fen) == (0, 2_000_000)
    assert ledger.check() == []

    # The same claim sent 30 times at once (a double click, a retried request): one claim.
    use = VoucherUse.objects.filter(voucher=voucher).first()
    actions.use_confirm(boss, use)
    staff = member_of(provider)
    docs = [documents(tag=str(i)) for i in range(30)]
    ok, refused = race(
        lambda d: actions.claim_submit(
            staff, use, mode="tongdui", invoice_no="88001", documents=d, idempotency_key="same"
        ),
        docs,
    )
    assert Claim.objects.filter(use=use).count() == 1
    assert {c.pk for c in ok} == {Claim.objects.get(use=use).pk}
    assert ledger.check() == []
    connection.close()

"""The ledger: every movement of voucher money, and the only code that moves it.

Each function appends one balanced LedgerEntry and moves the running figures of the programme or
voucher row with a compare-and-set UPDATE … WHERE bucket >= amount, in the caller's transaction.
The UPDATE is a single statement, so two requests racing for the last yuan cannot both pass: the
second one updates no row and gets `Insufficient`. On PostgreSQL the rows are also locked
(`SELECT … FOR UPDATE`, programme before voucher, always in that order) so that the checks an
action makes before moving money see settled figures; on SQLite a write transaction already
serialises writers.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from atelier.core.errors import Conflict

from .models import Entry, LedgerEntry, Programme, Voucher, VoucherUse

BUCKETS = ("budget", "unallocated", "granted", "available", "reserved", "spent", "paid")


class Insufficient(Conflict):
    code = "insufficient_balance"


def lock(programme: Programme | None = None, voucher: Voucher | None = None) -> None:
    """Row locks in a fixed order (programme, then voucher) on PostgreSQL."""
    if connection.vendor != "postgresql":
        return
    if programme is not None:
        list(Programme.objects.select_for_update().filter(pk=programme.pk).values_list("pk"))
    if voucher is not None:
        list(Voucher.objects.select_for_update().filter(pk=voucher.pk).values_list("pk"))


def _entry(kind, programme, *, actor=None, voucher=None, use=None, note="", **deltas):
    now = timezone.now()
    return LedgerEntry.objects.create(
        programme=programme,
        voucher=voucher,
        enterprise_id=voucher.enterprise_id if voucher else deltas.pop("enterprise_id", None),
        provider_id=use.provider_id if use else None,
        use=use,
        kind=kind,
        year=timezone.localtime(now).year,
        at=now,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:200],
        **{f"d_{k}": v for k, v in deltas.items() if k in BUCKETS},
    )


def budget(programme: Programme, fen: int, *, actor=None, note="") -> LedgerEntry:
    """Money put into (or, negative, taken out of) a programme's unallocated budget."""
    if fen < 0:
        moved = Programme.objects.filter(pk=programme.pk, unallocated_fen__gte=-fen).update(
            unallocated_fen=F("unallocated_fen") + fen, budget_fen=F("budget_fen") + fen
        )
        if not moved:
            raise Insufficient(_("项目剩余预算不足，不能调减。"))
    else:
        Programme.objects.filter(pk=programme.pk).update(
            unallocated_fen=F("unallocated_fen") + fen, budget_fen=F("budget_fen") + fen
        )
    return _entry(Entry.BUDGET, programme, actor=actor, note=note, budget=fen, unallocated=fen)


def take_budget(programme: Programme, fen: int) -> None:
    """The first half of a grant: claim `fen` of the unallocated budget (before the voucher row
    exists, so that a voucher is only created when the money is there)."""
    moved = Programme.objects.filter(pk=programme.pk, unallocated_fen__gte=fen).update(
        unallocated_fen=F("unallocated_fen") - fen
    )
    if not moved:
        raise Insufficient(_("项目预算已用完，无法再发放该额度。"))


def grant(programme: Programme, voucher: Voucher, fen: int, *, actor=None) -> LedgerEntry:
    """The second half: the voucher row was created with granted = available = `fen`."""
    return _entry(
        Entry.GRANT, programme, actor=actor, voucher=voucher,
        unallocated=-fen, granted=fen, available=fen,
    )  # fmt: skip


def reserve(voucher: Voucher, use: VoucherUse, fen: int, *, actor=None) -> LedgerEntry:
    moved = Voucher.objects.filter(pk=voucher.pk, available_fen__gte=fen).update(
        available_fen=F("available_fen") - fen, reserved_fen=F("reserved_fen") + fen
    )
    if not moved:
        raise Insufficient(_("创新券余额不足。"))
    return _entry(
        Entry.RESERVE, voucher.programme, actor=actor, voucher=voucher, use=use,
        available=-fen, reserved=fen,
    )  # fmt: skip


def release(voucher: Voucher, use: VoucherUse, fen: int, *, actor=None, note="") -> LedgerEntry:
    moved = Voucher.objects.filter(pk=voucher.pk, reserved_fen__gte=fen).update(
        available_fen=F("available_fen") + fen, reserved_fen=F("reserved_fen") - fen
    )
    if not moved:
        raise Insufficient(_("预占金额不足，无法释放。"))
    return _entry(
        Entry.RELEASE, voucher.programme, actor=actor, voucher=voucher, use=use, note=note,
        available=fen, reserved=-fen,
    )  # fmt: skip


def spend(voucher: Voucher, use: VoucherUse, approved: int, reserved: int, *, actor=None):
    """A reviewed claim: `approved` of the `reserved` amount is spent, the rest goes back to
    the voucher's available balance."""
    moved = Voucher.objects.filter(pk=voucher.pk, reserved_fen__gte=reserved).update(
        reserved_fen=F("reserved_fen") - reserved,
        spent_fen=F("spent_fen") + approved,
        available_fen=F("available_fen") + (reserved - approved),
    )
    if not moved:
        raise Insufficient(_("预占金额不足，无法核销。"))
    return _entry(
        Entry.SPEND, voucher.programme, actor=actor, voucher=voucher, use=use,
        reserved=-reserved, spent=approved, available=reserved - approved,
    )  # fmt: skip


def reclaim(voucher: Voucher, *, actor=None, note="") -> LedgerEntry | None:
    """An expired or cancelled voucher's available balance goes back to its programme."""
    fen = Voucher.objects.filter(pk=voucher.pk).values_list("available_fen", flat=True).get()
    if fen <= 0:
        return None
    moved = Voucher.objects.filter(pk=voucher.pk, available_fen=fen).update(
        available_fen=0, granted_fen=F("granted_fen") - fen
    )
    if not moved:
        raise Insufficient(_("创新券余额刚发生变化，请重试。"))
    Programme.objects.filter(pk=voucher.programme_id).update(
        unallocated_fen=F("unallocated_fen") + fen
    )
    return _entry(
        Entry.RECLAIM, voucher.programme, actor=actor, voucher=voucher, note=note,
        available=-fen, granted=-fen, unallocated=fen,
    )  # fmt: skip


def payout(use: VoucherUse, fen: int, *, actor=None) -> LedgerEntry:
    return _entry(
        Entry.PAYOUT, use.voucher.programme, actor=actor, voucher=use.voucher, use=use, paid=fen
    )


@dataclass
class Balances:
    budget: int = 0
    unallocated: int = 0
    granted: int = 0
    available: int = 0
    reserved: int = 0
    spent: int = 0
    paid: int = 0

    @property
    def balanced(self) -> bool:
        return (
            self.granted == self.available + self.reserved + self.spent
            and self.budget == self.unallocated + self.granted
        )


def balances(**filters) -> Balances:
    """Sums of the ledger rows matching `filters` (programme=…, voucher=…, enterprise=…)."""
    sums = LedgerEntry.objects.filter(**filters).aggregate(**{b: Sum(f"d_{b}") for b in BUCKETS})
    return Balances(**{b: sums[b] or 0 for b in BUCKETS})


def check(programme: Programme | None = None) -> list[str]:
    """Every way the running figures could disagree with the ledger; empty when all is well."""
    problems = []
    programmes = [programme] if programme else list(Programme.objects.all())
    for p in programmes:
        b = balances(programme=p)
        p.refresh_from_db(fields=["unallocated_fen", "budget_fen"])
        if not b.balanced:
            problems.append(f"programme {p.pk}: ledger not balanced {b}")
        if (b.unallocated, b.budget) != (p.unallocated_fen, p.budget_fen):
            problems.append(f"programme {p.pk}: row {p.unallocated_fen} ≠ ledger {b.unallocated}")
        if min(b.unallocated, b.available, b.reserved, b.spent) < 0:
            problems.append(f"programme {p.pk}: negative bucket {b}")
        sums = {
            row["voucher"]: row
            for row in LedgerEntry.objects.filter(programme=p, voucher__isnull=False)
            .values("voucher")
            .annotate(**{b: Sum(f"d_{b}") for b in ("granted", "available", "reserved", "spent")})
        }
        rows = Voucher.objects.filter(programme=p).values_list(
            "pk", "code", "granted_fen", "available_fen", "reserved_fen", "spent_fen"
        )
        for pk, code, *row in rows:
            vb = sums.get(pk, {})
            figures = tuple(vb.get(b) or 0 for b in ("granted", "available", "reserved", "spent"))
            if tuple(row) != figures:
                problems.append(f"voucher {code}: row {tuple(row)} ≠ ledger {figures}")
            if min(figures[1:]) < 0:
                problems.append(f"voucher {code}: negative bucket {figures}")
    bad = Voucher.objects.filter(
        ~Q(granted_fen=F("available_fen") + F("reserved_fen") + F("spent_fen"))
    )
    problems += [f"voucher {v.code}: granted ≠ sum of buckets" for v in bad]
    return problems

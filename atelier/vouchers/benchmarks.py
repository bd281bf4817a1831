"""`atelier bench vouchers --rows N`: builds N ledger rows in a throw-away database and times every
grouping of the statistics (atelier.vouchers.stats), with and without a year.

The data are a bulk insert (not the actions: 10^6 rows through the actions would take an hour),
but shaped like the real thing: enterprises spread over the 12 districts (more in the
manufacturing districts), 6 % of them fashion enterprises (half of those shoe makers),
programmes per district and year since 2015 plus a city-wide one, an application per voucher
(and some rejected ones), and per voucher the ledger story of the actions — grant, reserve,
spend or release, payout, reclaim of what is left — each row balanced like `ledger._entry`'s.
"""

from __future__ import annotations

import gc
import random
import time
from datetime import UTC, date, datetime

from django.db import connection, transaction

from atelier.core.benchdb import analyze, machine, throwaway_database

SEED = 20225
YEARS = range(2015, 2025)
# Relative weights of the districts (manufacturing districts apply more).
DISTRICT_WEIGHTS = {
    "330302": 10, "330303": 9, "330304": 10, "330305": 1, "330324": 6, "330326": 5,
    "330327": 4, "330328": 1, "330329": 1, "330381": 12, "330382": 14, "330383": 3,
}  # fmt: skip
SHOE_INDUSTRIES = ("C1951", "C1952", "C1953", "C1954", "F5133")
OTHER_FASHION = ("C1819", "C1829", "C3587", "C1922", "C1830", "M7492", "C1910")
SUPPORTING = ("C2924", "C2913", "C3525", "C3553", "M7452", "C3360")
LEDGER_COLUMNS = (
    "programme_id", "voucher_id", "enterprise_id", "provider_id", "use_id", "kind",
    "d_budget", "d_unallocated", "d_granted", "d_available", "d_reserved", "d_spent", "d_paid",
    "year", "at", "actor_id", "note",
)  # fmt: skip
APPLICATION_COLUMNS = (
    "programme_id", "enterprise_id", "rules_id", "amount_fen", "purpose", "status", "checks",
    "applied_by_id", "applied_at",
)  # fmt: skip


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        connection.ops.quote_name(table), ", ".join(columns), ", ".join(["%s"] * len(columns))
    )
    with connection.cursor() as c:
        c.executemany(sql, rows)


def _ts(rng: random.Random, year: int) -> datetime:
    return datetime(year, rng.randint(1, 12), rng.randint(1, 28), 9, 0, tzinfo=UTC)


def ledger_row(p, e, provider, kind, year, at, **d) -> tuple:
    """One ledger row in LEDGER_COLUMNS order; `d` holds the non-zero deltas by short name."""
    return (
        p, None, e, provider, None, kind, d.get("budget", 0), d.get("unallocated", 0),
        d.get("granted", 0), d.get("available", 0), d.get("reserved", 0),
        d.get("spent", 0), d.get("paid", 0), year, at, None, "",
    )  # fmt: skip


def voucher_life(rng, entry, p, e, year, at, amount, pick_provider) -> None:
    """The ledger rows of one granted voucher: grant, then up to a few reservations (mostly
    spent — some at 80 % — and mostly paid out, else released), and the unused rest mostly
    reclaimed. Every row balanced like `ledger._entry`'s."""
    entry(p, e, None, "grant", year, at, unallocated=-amount, granted=amount, available=amount)
    left = amount
    while left > 0 and rng.random() < 0.8:
        provider = pick_provider()
        reserved = min(left, rng.choice((200_000, 500_000, 1_000_000, 2_000_000)))
        entry(p, e, provider, "reserve", year, at, available=-reserved, reserved=reserved)
        left -= reserved
        if rng.random() < 0.9:
            approved = reserved if rng.random() < 0.85 else reserved * 4 // 5
            entry(p, e, provider, "spend", year, at, reserved=-reserved, spent=approved,
                  available=reserved - approved)  # fmt: skip
            left += reserved - approved
            if rng.random() < 0.85:
                entry(p, e, provider, "payout", year, at, paid=approved)
        else:
            entry(p, e, provider, "release", year, at, available=reserved, reserved=-reserved)
            left += reserved
        if rng.random() < 0.5:
            break
    if left > 0 and rng.random() < 0.7:
        entry(p, e, None, "reclaim", year, at, available=-left, granted=-left, unallocated=left)


def build(rows: int, seed: int = SEED) -> dict:
    """Insert about `rows` ledger rows (and what they refer to); returns what was built."""
    from atelier.orgs.models import Organization, OrgKind, OrgStatus
    from atelier.vouchers.models import Application, LedgerEntry, Programme, RuleSet

    rng = random.Random(seed)
    n_enterprises = max(500, rows // 15)
    n_providers = max(30, rows // 2000)
    districts = list(DISTRICT_WEIGHTS)
    weights = list(DISTRICT_WEIGHTS.values())
    now = datetime(2025, 1, 1, tzinfo=UTC)

    def org(i, kind, district):
        return Organization(
            kind=kind, name=f"基准{kind}{i:07d}", district_id=district, status=OrgStatus.VERIFIED,
            created_at=now, updated_at=now,
        )  # fmt: skip

    ent_district = rng.choices(districts, weights, k=n_enterprises)
    enterprises = Organization.objects.bulk_create(
        [org(i, OrgKind.ENTERPRISE, d) for i, d in enumerate(ent_district)], batch_size=2000
    )
    providers = Organization.objects.bulk_create(
        [org(i, OrgKind.PROVIDER, rng.choice(districts)) for i in range(n_providers)],
        batch_size=2000,
    )
    link = Organization.industries.through
    links = []
    for e in enterprises:
        r = rng.random()
        if r < 0.032:
            links.append(link(organization_id=e.pk, industry_id=rng.choice(SHOE_INDUSTRIES)))
        elif r < 0.06:
            links.append(link(organization_id=e.pk, industry_id=rng.choice(OTHER_FASHION)))
        elif r < 0.5:
            links.append(link(organization_id=e.pk, industry_id=rng.choice(SUPPORTING)))
        if r < 0.06 and rng.random() < 0.3:
            links.append(link(organization_id=e.pk, industry_id="F5292"))
    link.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)

    programmes = {}
    for year in YEARS:
        for district in [*districts, None]:
            programmes[(district, year)] = Programme(
                name=f"{district or '温州市'} {year} 创新券", authority="科技局",
                district_id=district,
                year=year, batch=1, budget_fen=0, unallocated_fen=0,
                opens_on=date(year, 1, 1), closes_on=date(year, 12, 31), status="closed",
                created_at=now,
            )  # fmt: skip
    Programme.objects.bulk_create(programmes.values())
    rulesets = RuleSet.objects.bulk_create(
        RuleSet(
            programme=p,
            version=1,
            per_draw_cap_fen=2_000_000,
            holding_cap_fen=5_000_000,
            yearly_cap_fen=10_000_000,
            bands=[[1_000_000, 100], [None, 50]],
            published_at=now,
        )  # fmt: skip
        for p in programmes.values()
    )
    rules = {r.programme_id: r.pk for r in rulesets}

    ledger: list[tuple] = []
    applications: list[tuple] = []
    budgets: dict[int, int] = {}
    written = 0

    def entry(*args, **d):
        ledger.append(ledger_row(*args, **d))

    def flush():
        nonlocal written
        with transaction.atomic():
            _insert(Application._meta.db_table, APPLICATION_COLUMNS, applications)
            _insert(LedgerEntry._meta.db_table, LEDGER_COLUMNS, ledger)
        written += len(ledger)
        applications.clear()
        ledger.clear()

    budget_rows = len(programmes)
    while written + len(ledger) + budget_rows < rows:
        i = rng.randrange(n_enterprises)
        e, district = enterprises[i].pk, ent_district[i]
        year = rng.choice(YEARS)
        city = rng.random() < 0.15
        p = programmes[(None if city else district, year)].pk
        at = _ts(rng, year)
        amount = rng.choice((500_000, 1_000_000, 2_000_000, 3_000_000, 5_000_000))
        if rng.random() < 0.06:  # rejected application: no voucher, no ledger row
            applications.append((p, e, rules[p], amount, "基准", "rejected", "[]", None, at))
            continue
        applications.append((p, e, rules[p], amount, "基准", "approved", "[]", None, at))
        budgets[p] = budgets.get(p, 0) + amount
        voucher_life(
            rng, entry, p, e, year, at, amount, lambda: providers[rng.randrange(n_providers)].pk
        )
        if len(ledger) >= 20_000:
            flush()
    years = {p.pk: p.year for p in programmes.values()}
    for p, fen in budgets.items():
        at = datetime(years[p], 1, 1, tzinfo=UTC)
        ledger.append((p, None, None, None, None, "budget", fen, fen, 0, 0, 0, 0, 0, years[p], at,
                       None, ""))  # fmt: skip
    flush()
    return {"ledger_rows": LedgerEntry.objects.count(), "enterprises": n_enterprises,
            "providers": n_providers, "applications": Application.objects.count()}  # fmt: skip


def run_vouchers_bench(*, rows: int, seed: int = SEED, repeat: int = 3, keep: bool = False):
    """Yields one dict per grouping (and per year filter): the best of `repeat` timings."""
    from atelier.vouchers import stats

    with throwaway_database(keep=keep):
        gc.disable()
        started = time.perf_counter()
        built = build(rows, seed)
        gc.enable()
        analyze()
        yield {
            "bench": "vouchers", "phase": "build", "backend": connection.vendor, "rows": rows,
            **built, "seconds": round(time.perf_counter() - started, 1), **machine(),
        }  # fmt: skip
        for year in (None, 2020):
            for group_by in (*stats.GROUPINGS, "total"):
                times = []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    if group_by == "total":
                        result = [stats.totals(year)]
                    else:
                        result = stats.voucher_stats(group_by, year).rows
                    times.append(time.perf_counter() - t0)
                yield {
                    "bench": "vouchers", "backend": connection.vendor, "rows": rows,
                    "group_by": group_by, "year": year, "result_rows": len(result),
                    "best_ms": round(min(times) * 1000, 1),
                    "median_ms": round(sorted(times)[len(times) // 2] * 1000, 1),
                }  # fmt: skip

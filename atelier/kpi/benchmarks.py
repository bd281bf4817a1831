"""`atelier bench cockpit --scale N`: the cockpit's server time at the demo's data × N.

Builds a throw-away database (a test database on the configured backend) holding N times what
`atelier demo` loads at scale 1 (counted on the demo: `DEMO` below) — enterprises and providers
over the 12 districts, industry links, voucher programmes, applications and balanced ledger rows
with the demo's spread over the years, instruments with bookings and recorded uses over the
last two years, demands and dockings over the last year and a half, service orders — by bulk
insert (not the actions, not the demo N times), then times:

- `build()` cold (cache cleared before each run) for a few filter combinations;
- the whole page view and the JSON endpoint through Django's test client, cold and warm
  (cached), as an operator.

One JSON line per measurement, with p50 and p95 over `repeat` runs (milliseconds).
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.core.management.color import no_style
from django.db import connection, transaction

from atelier.core.benchdb import analyze, machine, throwaway_database

SEED = 20267

# What `atelier demo` loads at scale 1 (counted on a fresh demo database).
DEMO = {
    "enterprises": 10_159,
    "providers": 60,
    "industry_share": 0.44,  # 4,469 industry links over 10,159 enterprises
    "ledger_by_year": {
        2015: 631,
        2016: 1337,
        2017: 2171,
        2018: 2864,
        2019: 3710,
        2020: 4534,
        2021: 5440,
        2022: 6837,
        2023: 8479,
        2024: 10096,
        2025: 13114,
        2026: 18,
    },  # fmt: skip
    "applications": 13_058,
    "instruments": 83,
    "bookings": 23_493,
    "usages": 21_164,
    "demands": 43,
    "dockings": 46,
    "orders": 15,
}


def _shift_years(by_year: dict[int, int], this_year: int) -> dict[int, int]:
    """The demo's years end with the current one: move them so they still do."""
    last = max(by_year)
    return {y - last + this_year: n for y, n in by_year.items()}


def _insert_columns(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    with connection.cursor() as c:
        c.executemany(sql, rows)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def build(scale: int, seed: int = SEED) -> dict:  # noqa: C901 - one generator, read top down
    """Insert the demo's data × `scale`; returns the counts."""
    from django.utils import timezone

    from atelier.accounts.models import Role, User
    from atelier.catalog.models import Resource, ResourceKind, ResourceStatus
    from atelier.demands.models import Demand, DemandStatus, Docking, DockingStatus
    from atelier.orders.models import Booking, Usage
    from atelier.orders.models_orders import ServiceOrder
    from atelier.orgs.models import Organization, OrgKind, OrgStatus
    from atelier.vouchers.benchmarks import (
        APPLICATION_COLUMNS,
        DISTRICT_WEIGHTS,
        LEDGER_COLUMNS,
        OTHER_FASHION,
        SHOE_INDUSTRIES,
        SUPPORTING,
        _insert,
        ledger_row,
        voucher_life,
    )
    from atelier.vouchers.models import Application, LedgerEntry, Programme, RuleSet

    rng = random.Random(seed)
    tz = timezone.get_default_timezone()
    now = timezone.now()
    this_year = timezone.localdate().year
    districts = list(DISTRICT_WEIGHTS)
    weights = list(DISTRICT_WEIGHTS.values())
    actor = User.objects.create_user(username="bench-operator", role=Role.OPERATOR)

    # Organisations and their industries
    def org(i, kind, district):
        return Organization(
            kind=kind, name=f"基准{kind}{i:07d}", district_id=district, status=OrgStatus.VERIFIED,
            created_at=now, updated_at=now,
        )  # fmt: skip

    n_ent = DEMO["enterprises"] * scale
    ent_ids, ent_district = [], []
    for start in range(0, n_ent, 20_000):
        chunk = [rng.choices(districts, weights)[0] for _ in range(min(20_000, n_ent - start))]
        made = Organization.objects.bulk_create(
            [org(start + i, OrgKind.ENTERPRISE, d) for i, d in enumerate(chunk)], batch_size=5000
        )
        ent_ids += [o.pk for o in made]
        ent_district += chunk
    providers = Organization.objects.bulk_create(
        [org(i, OrgKind.PROVIDER, rng.choices(districts, weights)[0])
         for i in range(DEMO["providers"] * scale)], batch_size=5000,
    )  # fmt: skip
    provider_ids = [p.pk for p in providers]
    link = Organization.industries.through
    links = []
    for e in ent_ids:
        r = rng.random()
        if r < 0.032:
            links.append(link(organization_id=e, industry_id=rng.choice(SHOE_INDUSTRIES)))
        elif r < 0.06:
            links.append(link(organization_id=e, industry_id=rng.choice(OTHER_FASHION)))
        elif r < DEMO["industry_share"]:
            links.append(link(organization_id=e, industry_id=rng.choice(SUPPORTING)))
        if len(links) >= 20_000:
            link.objects.bulk_create(links, ignore_conflicts=True)
            links.clear()
    link.objects.bulk_create(links, ignore_conflicts=True)

    # Voucher programmes, applications and the ledger, with the demo's spread over the years
    ledger_by_year = {
        y: n * scale for y, n in _shift_years(DEMO["ledger_by_year"], this_year).items()
    }
    total_ledger = sum(ledger_by_year.values())
    programmes = {}
    for year in ledger_by_year:
        for district in [*districts, None]:
            programmes[(district, year)] = Programme(
                name=f"{district or '温州市'} {year} 创新券", authority="科技局",
                district_id=district, year=year, batch=1, budget_fen=0, unallocated_fen=0,
                opens_on=date(year, 1, 1), closes_on=date(year, 12, 31), status="closed",
                created_at=now,
            )  # fmt: skip
    Programme.objects.bulk_create(programmes.values())
    rules = {
        r.programme_id: r.pk
        for r in RuleSet.objects.bulk_create(
            RuleSet(programme=p, version=1, per_draw_cap_fen=2_000_000, holding_cap_fen=5_000_000,
                    yearly_cap_fen=10_000_000, bands=[[1_000_000, 100], [None, 50]],
                    published_at=now)
            for p in programmes.values()
        )
    }  # fmt: skip
    ledger: list[tuple] = []
    applications: list[tuple] = []
    budgets: dict[int, int] = {}

    def flush():
        with transaction.atomic():
            _insert(Application._meta.db_table, APPLICATION_COLUMNS, applications)
            _insert(LedgerEntry._meta.db_table, LEDGER_COLUMNS, ledger)
        applications.clear()
        ledger.clear()

    def entry(*args, **d):
        ledger.append(ledger_row(*args, **d))

    for year, target in ledger_by_year.items():
        written = 0
        last_month = 12 if year < this_year else timezone.localdate().month
        while written < target:
            i = rng.randrange(n_ent)
            e, district = ent_ids[i], ent_district[i]
            p = programmes[(None if rng.random() < 0.15 else district, year)].pk
            at = datetime(year, rng.randint(1, last_month), rng.randint(1, 28), 10, tzinfo=tz)
            amount = rng.choice((500_000, 1_000_000, 2_000_000, 3_000_000, 5_000_000))
            status = "approved" if rng.random() > 0.06 else "rejected"
            applications.append((p, e, rules[p], amount, "基准", status, "[]", None, at))
            if status == "rejected":
                continue
            before = len(ledger)
            budgets[p] = budgets.get(p, 0) + amount
            voucher_life(
                rng,
                entry,
                p,
                e,
                year,
                at,
                amount,
                lambda: provider_ids[rng.randrange(len(provider_ids))],
            )
            written += len(ledger) - before
            if len(ledger) >= 20_000:
                flush()
    years = {p.pk: p.year for p in programmes.values()}
    for p, fen in budgets.items():
        at = datetime(years[p], 1, 1, tzinfo=tz)
        ledger.append((p, None, None, None, None, "budget", fen, fen, 0, 0, 0, 0, 0, years[p],
                       at, None, ""))  # fmt: skip
    flush()

    # Instruments, bookings and recorded uses over the last two years
    instruments = Resource.objects.bulk_create(
        [
            Resource(
                kind=ResourceKind.INSTRUMENT,
                title=f"基准仪器{i:06d}",
                provider_id=pid,
                district_id=rng.choices(districts, weights)[0],
                status=ResourceStatus.PUBLISHED,
                published_at=now,
            )  # fmt: skip
            for i, pid in enumerate(
                rng.choice(provider_ids) for _ in range(DEMO["instruments"] * scale)
            )
        ],
        batch_size=5000,
    )
    rc = Resource.clusters.through
    rc.objects.bulk_create(
        [rc(resource_id=r.pk, cluster_id=rng.choice(("shoes", "shoes", "leather", "apparel",
                                                     "eyewear", "general")))
         for r in instruments], batch_size=5000,
    )  # fmt: skip
    per_instrument = DEMO["bookings"] // DEMO["instruments"]
    use_share = DEMO["usages"] / DEMO["bookings"]
    span = timedelta(days=730) / per_instrument
    first = now - timedelta(days=730)
    orgs_for_booking = ent_ids[: min(len(ent_ids), 50_000)]
    # Raw inserts with explicit ids (usages need their booking's id): ~3× faster than the ORM.
    adapt = connection.ops.adapt_datetimefield_value
    booking_cols = ("id", "resource_id", "user_id", "organization_id", "start", "end", "status",
                    "purpose", "price_group", "created_at")  # fmt: skip
    usage_cols = ("id", "booking_id", "started_at", "stopped_at", "samples", "fee_fen")
    bookings, usages = [], []
    next_id = (Booking.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    n_bookings = n_usages = 0

    def flush_bookings():
        with transaction.atomic():
            _insert_columns(Booking._meta.db_table, booking_cols, bookings)
            _insert_columns(Usage._meta.db_table, usage_cols, usages)
        bookings.clear()
        usages.clear()

    for r in instruments:
        for k in range(per_instrument):
            start = first + span * k + timedelta(minutes=rng.randint(0, 60))
            external = rng.random() < 0.5
            used = rng.random() < use_share and start < now
            org_id = rng.choice(orgs_for_booking) if external else r.provider_id
            bookings.append((
                next_id, r.pk, actor.pk, org_id, adapt(start), adapt(start + timedelta(hours=4)),
                "completed" if used else "cancelled", "基准", "external", adapt(now),
            ))  # fmt: skip
            if used:
                minutes = rng.randint(30, 240)
                usages.append((
                    next_id, next_id, adapt(start), adapt(start + timedelta(minutes=minutes)), 0,
                    minutes * rng.choice((100, 200, 300)),
                ))  # fmt: skip
                n_usages += 1
            next_id += 1
            n_bookings += 1
        if len(bookings) >= 20_000:
            flush_bookings()
    flush_bookings()
    with connection.cursor() as c:  # PostgreSQL: move the id sequences past the explicit ids
        for sql in connection.ops.sequence_reset_sql(no_style(), [Booking, Usage]):
            c.execute(sql)

    # Demands and dockings over the last eighteen months, service orders this year
    demands = []
    for i in range(DEMO["demands"] * scale):
        published = now - timedelta(days=rng.randint(0, 500), hours=rng.randint(0, 23))
        demands.append(Demand(
            enterprise_id=rng.choice(ent_ids), type=rng.choice(("problem", "testing", "design")),
            title=f"基准需求{i}", description="基准", deadline=published.date() + timedelta(60),
            status=rng.choice((DemandStatus.PUBLISHED, DemandStatus.DOCKING,
                               DemandStatus.RESOLVED)),
            cluster_id=rng.choice(("shoes", "leather", "eyewear", "apparel", None)),
            published_at=published,
        ))  # fmt: skip
    demands = Demand.objects.bulk_create(demands, batch_size=5000)
    statuses = (
        [DockingStatus.WON] * 8
        + [DockingStatus.ACTIVE] * 9
        + [DockingStatus.LOST] * 2
        + [DockingStatus.DECLINED] * 9
        + [DockingStatus.PROPOSED] * 13
        + [DockingStatus.CANCELLED] * 5
    )
    dockings = []
    for i in range(DEMO["dockings"] * scale):
        d = demands[i % len(demands)]
        status = rng.choice(statuses)
        won = status == DockingStatus.WON
        dockings.append(Docking(
            demand_id=d.pk,
            provider_id=provider_ids[(i // len(demands) + d.pk) % len(provider_ids)],
            status=status, initiator="operator", started_at=d.published_at + timedelta(days=2),
            contract_amount=rng.choice((50_000, 120_000, 300_000)) if won else None,
            contract_signed_on=(d.published_at + timedelta(days=30)).date() if won else None,
        ))  # fmt: skip
    Docking.objects.bulk_create(dockings, batch_size=5000)
    ServiceOrder.objects.bulk_create(
        [ServiceOrder(
            code=f"BENCH{i:08d}", enterprise_id=rng.choice(ent_ids),
            provider_id=rng.choice(provider_ids), title="基准订单", status="confirmed",
            total_fen=rng.randint(10_000, 2_000_000),
            requested_at=now - timedelta(days=rng.randint(0, 300)),
        ) for i in range(DEMO["orders"] * scale)], batch_size=5000,
    )  # fmt: skip
    return {
        "organizations": Organization.objects.count(),
        "ledger_rows": LedgerEntry.objects.count(),
        "ledger_target": total_ledger,
        "applications": Application.objects.count(),
        "instruments": len(instruments),
        "bookings": n_bookings,
        "usages": n_usages,
        "demands": len(demands),
        "dockings": len(dockings),
    }


def _timed(fn, repeat: int, before=None) -> list[float]:
    times = []
    for _ in range(repeat):
        if before:
            before()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _wait_for_refresh() -> None:
    import threading

    for thread in threading.enumerate():
        if thread.name == "cockpit-refresh":
            thread.join()


@contextmanager
def _cleared(cache):
    try:
        yield
    finally:
        cache.clear()


def run_cockpit_bench(*, scale: int = 100, seed: int = SEED, repeat: int = 5, keep: bool = False):
    """Yields one dict per measurement (p50/p95 in ms over `repeat` runs)."""
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from atelier.accounts.models import User
    from atelier.kpi import cockpit

    with throwaway_database(keep=keep), _cleared(cache):
        gc.disable()
        started = time.perf_counter()
        built = build(scale, seed)
        gc.enable()
        analyze()
        yield {
            "bench": "cockpit", "phase": "build", "backend": connection.vendor, "scale": scale,
            **built, "seconds": round(time.perf_counter() - started, 1), **machine(),
        }  # fmt: skip
        this_year = timezone.localdate().year
        cases = [
            (this_year, None, None),
            (this_year - 1, None, None),
            (this_year, "330302", None),
            (this_year - 1, None, "shoes"),
        ]
        base = {"bench": "cockpit", "backend": connection.vendor, "scale": scale}
        for year, district, cluster in cases:
            times = _timed(lambda: cockpit.build(year, district, cluster), repeat, cache.clear)  # noqa: B023
            yield {
                **base, "what": "build", "cache": "cold", "year": year, "district": district,
                "cluster": cluster, "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(_pct(times, 95), 1), "max_ms": round(max(times), 1),
            }  # fmt: skip
        setup_test_environment()
        client = Client()
        client.force_login(User.objects.get(username="bench-operator"))
        for name in ("kpi:cockpit", "kpi:cockpit_screen", "kpi:cockpit_data"):
            for year in (this_year, this_year - 1):
                url = f"{reverse(name)}?year={year}"
                for state in ("cold", "stale", "warm"):
                    # cold: empty cache, the request computes; stale: a write happened (new
                    # version), the previous figures are served and one background thread
                    # recomputes; warm: cached and current.
                    before = {"cold": cache.clear, "stale": cockpit.invalidate}.get(state)
                    if state != "cold":
                        client.get(url)
                        _wait_for_refresh()

                    def get(url=url):
                        response = client.get(url)
                        if response.status_code != 200:
                            raise RuntimeError(f"{url}: HTTP {response.status_code}")

                    times = _timed(get, repeat, before)
                    _wait_for_refresh()
                    yield {
                        **base, "what": "view", "url": name, "year": year, "cache": state,
                        "p50_ms": round(statistics.median(times), 1),
                        "p95_ms": round(_pct(times, 95), 1), "max_ms": round(max(times), 1),
                    }  # fmt: skip

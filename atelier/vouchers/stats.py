"""Voucher statistics (issue 5 item 6): computed from the ledger and the applications, never from
stored totals, so they always agree with `ledger.balances()`.

Definitions (all amounts integer fen; the API turns them into yuan strings at the edge):

- issued: grants net of reclaims, Σ d_granted; reserved: Σ d_reserved (what is held for services
  not yet reviewed); redeemed: Σ d_spent (approved claims); paid: Σ d_paid (left the treasury).
- enterprises: distinct enterprises and units that applied for a voucher (any outcome) or
  redeemed one (a SPEND entry). With a year, "applied" means an application to that year's
  programmes and "redeemed" a SPEND entry booked that year.
- fashion enterprises: enterprises with an industry in a fashion cluster (codes.FASHION_CLUSTERS);
  shoe enterprises: with an industry in the shoes cluster. A fashion enterprise's amounts count
  entirely as fashion.
- providers: distinct providers of the uses in the rows; projects: uses (each use reserves once,
  so the RESERVE entries count them); redemption rate: redeemed / issued.
- Groupings: year (the entry's year), district (the enterprise's district), industry (each
  industry of the enterprise; an enterprise with two industries counts in both, so the rows of
  this grouping overlap and the total is not their sum), provider (the entries of its uses:
  grants belong to no provider, so `issued` is 0 there; its enterprises are those that redeemed
  a voucher with it).

Speed (target ≤ 1 s per grouping at 10^6 ledger rows): the money is summed by SQL GROUP BY over
the ledger (joined to the enterprise's row for district and industry); enterprises are counted by
SQL over the organisations whose id is in (applicants ∪ redeemers). Only the year grouping counts
distinct (enterprise, year) pairs in Python, because a union of two tables cannot be grouped
through the ORM. Figures in docs/benchmarks.md ("Vouchers").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from atelier.core import codes
from atelier.core.models import District, Industry
from atelier.orgs.models import Organization

from .models import Application, Entry, LedgerEntry, Programme

GROUPINGS = ("district", "industry", "year", "provider")
SHOES = "shoes"


class BadGrouping(ValueError):
    pass


@dataclass
class Figures:
    key: str
    label: str
    fashion: bool | None = None  # industry grouping: whether the industry is a fashion one
    enterprises: int = 0
    fashion_enterprises: int = 0
    shoe_enterprises: int = 0
    providers: int = 0
    projects: int = 0
    issued_fen: int = 0
    reserved_fen: int = 0
    redeemed_fen: int = 0
    paid_fen: int = 0
    fashion_redeemed_fen: int = 0
    previous: Figures | None = field(default=None, repr=False)  # the same key a year earlier

    @property
    def redemption_rate(self) -> float | None:
        """Redeemed / issued, or None when nothing was issued."""
        return self.redeemed_fen / self.issued_fen if self.issued_fen > 0 else None

    @property
    def fashion_share(self) -> float | None:
        return self.fashion_enterprises / self.enterprises if self.enterprises else None

    @property
    def fashion_amount_share(self) -> float | None:
        return self.fashion_redeemed_fen / self.redeemed_fen if self.redeemed_fen else None

    def growth(self, name: str) -> float | None:
        """Year-on-year change of a figure (0.25 = +25 %), None without a previous year or
        when the previous figure was zero."""
        if self.previous is None:
            return None
        before = getattr(self.previous, name)
        return (getattr(self, name) - before) / before if before else None

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("previous")
        return data


@dataclass
class Result:
    group_by: str
    year: int | None
    rows: list[Figures]
    total: Figures


# ---------------------------------------------------------------- building blocks


def fashion_enterprise_ids():
    """Subquery: organisations with an industry in a fashion cluster."""
    return Organization.industries.through.objects.filter(
        industry__cluster__in=codes.FASHION_CLUSTERS
    ).values("organization_id")


def shoe_enterprise_ids():
    return Organization.industries.through.objects.filter(industry__cluster=SHOES).values(
        "organization_id"
    )


def _ledger(year: int | None):
    """Entries of vouchers (budget entries belong to no enterprise)."""
    qs = LedgerEntry.objects.filter(enterprise_id__isnull=False)
    return qs.filter(year=year) if year is not None else qs


def _applications(year: int | None):
    qs = Application.objects.all()
    return qs.filter(programme__year=year) if year is not None else qs


def _redemptions(year: int | None):
    return _ledger(year).filter(kind=Entry.SPEND)


def participant_ids(year: int | None = None):
    """Q on Organization: applied for or redeemed a voucher (in `year`)."""
    return Q(pk__in=_applications(year).values("enterprise_id")) | Q(
        pk__in=_redemptions(year).values("enterprise_id")
    )


def _apply(figures: Figures, values: dict) -> None:
    for name, value in values.items():
        if hasattr(figures, name) and name not in ("key", "label"):
            setattr(figures, name, int(value or 0))  # PostgreSQL sums bigint as numeric


def _heads():
    """Counts of participating organisations, for Organization aggregates."""
    return {
        "enterprises": Count("pk", distinct=True),
        "fashion_enterprises": Count(
            "pk", distinct=True, filter=Q(pk__in=fashion_enterprise_ids())
        ),
        "shoe_enterprises": Count("pk", distinct=True, filter=Q(pk__in=shoe_enterprise_ids())),
    }


def _sql(query: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _in_cluster_sql(clusters) -> tuple[str, list]:
    """SQL (and parameters) of the ids of organisations with an industry in `clusters`."""
    clusters = sorted(clusters)
    return (
        f"SELECT li.organization_id FROM {_table(Organization.industries.through)} li "  # noqa: S608
        f"JOIN {_table(Industry)} i ON i.code = li.industry_id "
        f"WHERE i.cluster IN ({', '.join(['%s'] * len(clusters))})",
        clusters,
    )


MONEY = ("issued_fen", "reserved_fen", "redeemed_fen", "paid_fen", "fashion_redeemed_fen")
HEADS = ("enterprises", "fashion_enterprises", "shoe_enterprises")


def _money_by(grouping: str | None, year: int | None):
    """(key, {money}) per group: the ledger is summed per enterprise (and year or provider)
    first — one pass over the covering index ledger_stats_enterprise, no join per row — and
    only those sums are joined to the enterprise's district or industries. A join per ledger
    row costs SQLite about as much again as the sums (docs/benchmarks.md, "Vouchers")."""
    where, params = ["l.enterprise_id IS NOT NULL"], []
    if year is not None:
        where.append("l.year = %s")
        params.append(year)
    inner_keys = ["l.enterprise_id"]
    if grouping == "year":
        inner_keys.append("l.year")
    if grouping == "provider":
        inner_keys.append("l.provider_id")
        where.append("l.provider_id IS NOT NULL")
    columns = ", ".join(f"{k} AS k{i}" for i, k in enumerate(inner_keys))
    inner = (
        f"SELECT {columns}, SUM(l.d_granted) AS g, SUM(l.d_reserved) AS r, "  # noqa: S608
        "SUM(l.d_spent) AS s, SUM(l.d_paid) AS p, "
        "MAX(CASE WHEN l.kind = %s THEN 1 ELSE 0 END) AS redeemed, "
        "SUM(CASE WHEN l.kind = %s THEN 1 ELSE 0 END) AS n "
        f"FROM {_table(LedgerEntry)} l WHERE {' AND '.join(where)} "
        f"GROUP BY {', '.join(inner_keys)}"
    )
    params = [Entry.SPEND, Entry.RESERVE, *params]
    join, key = "", "NULL"
    if grouping == "district":
        join, key = f"JOIN {_table(Organization)} o ON o.id = x.k0", "o.district_id"
    elif grouping == "industry":
        link = _table(Organization.industries.through)
        join, key = f"JOIN {link} o ON o.organization_id = x.k0", "o.industry_id"
    elif grouping in ("year", "provider"):
        key = "x.k1"
    fashion, fashion_params = _in_cluster_sql(codes.FASHION_CLUSTERS)
    shoes, shoe_params = _in_cluster_sql([SHOES])
    extra, extra_params = "", []
    if grouping == "provider":  # enterprises that redeemed with the provider
        extra = (
            ", SUM(x.redeemed), "
            f"SUM(CASE WHEN x.redeemed = 1 AND x.k0 IN ({fashion}) THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN x.redeemed = 1 AND x.k0 IN ({shoes}) THEN 1 ELSE 0 END)"
        )
        extra_params = fashion_params + shoe_params
    query = (
        f"SELECT {key}, SUM(x.g), SUM(x.r), SUM(x.s), SUM(x.p), "  # noqa: S608
        f"SUM(CASE WHEN x.k0 IN ({fashion}) THEN x.s ELSE 0 END), SUM(x.n){extra} "
        f"FROM ({inner}) x {join}" + (f" GROUP BY {key}" if grouping else "")
    )
    names = (*MONEY, "projects", *(HEADS if grouping == "provider" else ()))
    for key_value, *sums in _sql(query, fashion_params + extra_params + params):
        yield key_value, dict(zip(names, sums, strict=True))


def _uses_by(path: str | None, year: int | None):
    """(key, {providers}): the distinct providers of the uses started (RESERVE entries, one per
    use), from the index ledger_stats_kind."""
    rows = _ledger(year).filter(kind=Entry.RESERVE)
    aggregates = {"providers": Count("provider_id", distinct=True)}
    if path is None:
        yield None, rows.aggregate(**aggregates)
        return
    for values in rows.values(path).annotate(**aggregates).order_by():
        yield values.pop(path), values


def _participants_by_year(year: int | None) -> list[tuple]:
    """(year, enterprises, fashion, shoe) from the distinct (enterprise, year) pairs of the
    applications (the programme's year) and the redemptions (the entry's year)."""
    only_year = "" if year is None else " AND {} = %s"
    fashion, fashion_params = _in_cluster_sql(codes.FASHION_CLUSTERS)
    shoes, shoe_params = _in_cluster_sql([SHOES])
    union = (
        f"SELECT a.enterprise_id AS e, p.year AS y FROM {_table(Application)} a "  # noqa: S608
        f"JOIN {_table(Programme)} p ON p.id = a.programme_id WHERE 1 = 1"
        + only_year.format("p.year")
        + f" UNION SELECT l.enterprise_id, l.year FROM {_table(LedgerEntry)} l"  # noqa: S608
        + " WHERE l.kind = %s"
        + only_year.format("l.year")
    )
    params = [year] if year is not None else []
    params += [Entry.SPEND, *params]
    query = (
        f"SELECT u.y, COUNT(*), SUM(CASE WHEN u.e IN ({fashion}) THEN 1 ELSE 0 END), "  # noqa: S608
        f"SUM(CASE WHEN u.e IN ({shoes}) THEN 1 ELSE 0 END) FROM ({union}) u GROUP BY u.y"
    )
    return _sql(query, fashion_params + shoe_params + params)


def totals(
    year: int | None = None, *, money_from: list[Figures] | None = None, heads_from=None
) -> Figures:
    """Every figure over all enterprises (in `year`). The rows of a grouping that partitions the
    ledger (district, year) can supply the money, those of one that partitions the enterprises
    (district) the head counts; distinct providers are always counted."""
    total = Figures(key="total", label=_("合计"))
    if money_from is not None:
        for name in (*MONEY, "projects"):
            setattr(total, name, sum(getattr(r, name) for r in money_from))
    else:
        for _key, values in _money_by(None, year):
            _apply(total, values)
    if heads_from is not None:
        for name in HEADS:
            setattr(total, name, sum(getattr(r, name) for r in heads_from))
    else:
        _apply(total, Organization.objects.filter(participant_ids(year)).aggregate(**_heads()))
    for _key, values in _uses_by(None, year):
        _apply(total, values)
    return total


# ---------------------------------------------------------------- groupings


def by_district(year: int | None = None) -> list[Figures]:
    """One row per district that has participants, in the official order."""
    rows = {d.code: Figures(key=d.code, label=d.label) for d in District.objects.order_by("sort")}
    for key, values in _money_by("district", year):
        _apply(rows[key], values)
    for key, values in _uses_by("enterprise__district_id", year):
        _apply(rows[key], values)
    heads = Organization.objects.filter(participant_ids(year)).values("district_id")
    for values in heads.annotate(**_heads()).order_by():
        _apply(rows[values.pop("district_id")], values)
    return [r for r in rows.values() if r.enterprises or r.issued_fen or r.redeemed_fen]


def by_industry(year: int | None = None) -> list[Figures]:
    """One row per industry class of the participating enterprises (rows overlap: an enterprise
    counts in each of its industries). Enterprises without a listed industry are left out."""
    link = Organization.industries.through.objects
    rows = {
        i.code: Figures(key=i.code, label=i.label, fashion=i.is_fashion)
        for i in Industry.objects.order_by("code")
    }
    for key, values in _money_by("industry", year):
        _apply(rows[key], values)
    for key, values in _uses_by("enterprise__industries", year):
        if key is not None:
            _apply(rows[key], values)
    participants = Organization.objects.filter(participant_ids(year)).values("pk")
    heads = link.filter(organization_id__in=participants).values("industry_id")
    counts = heads.annotate(
        enterprises=Count("organization_id", distinct=True),
        fashion_enterprises=Count(
            "organization_id", distinct=True, filter=Q(organization_id__in=fashion_enterprise_ids())
        ),
        shoe_enterprises=Count(
            "organization_id", distinct=True, filter=Q(organization_id__in=shoe_enterprise_ids())
        ),
    )
    for values in counts.order_by():
        _apply(rows[values.pop("industry_id")], values)
    return [r for r in rows.values() if r.enterprises or r.issued_fen or r.redeemed_fen]


def by_year(year: int | None = None) -> list[Figures]:
    """One row per year, oldest first, each with the previous year attached (year-on-year)."""
    rows: dict[int, Figures] = {}

    def row(y: int) -> Figures:
        return rows.setdefault(y, Figures(key=str(y), label=str(y)))

    for y, values in _money_by("year", year):
        _apply(row(y), values)
    for y, values in _uses_by("year", year):
        _apply(row(y), values)
    for y, enterprises, fashion, shoes in _participants_by_year(year):
        _apply(row(y), dict(zip(HEADS, (enterprises, fashion, shoes), strict=True)))
    ordered = [rows[y] for y in sorted(rows)]
    for r in ordered:
        r.previous = rows.get(int(r.key) - 1)
    return ordered


def by_provider(year: int | None = None) -> list[Figures]:
    """One row per provider that had a use, by amount redeemed (largest first); its enterprises
    are those that redeemed a voucher with it."""
    rows: dict[int, Figures] = {}
    for provider_id, values in _money_by("provider", year):
        rows[provider_id] = Figures(key=str(provider_id), label="")
        _apply(rows[provider_id], values)
    names = dict(Organization.objects.filter(pk__in=list(rows)).values_list("pk", "name"))
    for provider_id, r in rows.items():
        r.label = names.get(provider_id, "")
        r.providers = 1
    return sorted(rows.values(), key=lambda r: (-r.redeemed_fen, r.label))


GROUPERS = {
    "district": by_district,
    "industry": by_industry,
    "year": by_year,
    "provider": by_provider,
}


def _total_of(group_by: str, year: int | None, rows: list[Figures]) -> Figures:
    # Districts partition the ledger and the enterprises, years the ledger only.
    return totals(
        year,
        money_from=rows if group_by in ("district", "year") else None,
        heads_from=rows if group_by == "district" else None,
    )


def voucher_stats(group_by: str, year: int | None = None, *, compare: bool = False) -> Result:
    """The rows of one grouping and the total; `compare` attaches the same key's figures of
    the previous year to each row (year-on-year; by_year always does)."""
    if group_by not in GROUPERS:
        raise BadGrouping(group_by)
    rows = GROUPERS[group_by](year)
    total = _total_of(group_by, year, rows)
    if compare and year is not None and group_by != "year":
        before = {r.key: r for r in GROUPERS[group_by](year - 1)}
        for row in rows:
            row.previous = before.get(row.key)
        total.previous = _total_of(group_by, year - 1, list(before.values()))
    return Result(group_by=group_by, year=year, rows=rows, total=total)

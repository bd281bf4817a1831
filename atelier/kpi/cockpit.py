"""The data cockpit's figures (数据驾驶舱, issue 7 part 4): one `build(year, district, cluster)`
returns everything the normal-screen and the big-screen pages draw, as a JSON-ready dict, and
`cached_build()` serves it from Django's cache.

Filters: `year` (calendar year in Asia/Shanghai time), `district` (GB/T 2260 code of the
enterprise's district — of the instrument's for machine hours) and `cluster` (codes.CLUSTERS: an
enterprise is in a cluster when one of its industries is; a demand by its own cluster; an
instrument by its listing's clusters). The district tiles ignore the district filter (they are
the navigator: every district for the year and cluster, the selected one highlighted).

Where the figures come from:

- demands, the docking funnel and demands per month and district: `demands.stats` (which takes
  the three filters).
- vouchers: the definitions of `vouchers.stats` (issued Σ d_granted, redeemed Σ d_spent, paid
  Σ d_paid, enterprises = applied to that year's programmes ∪ redeemed that year), computed here
  because `vouchers.stats` has no district or cluster filter. Same shape of SQL: the ledger is
  summed per enterprise first, only those sums are joined to the enterprise. A test checks the
  district rows against `vouchers.stats.by_district`.
- machine hours: the definitions of `orders.utilisation` (effective = recorded use, external =
  booked for another organisation than the instrument's provider), summed in SQL here because
  `utilisation.report()` reads every usage row into Python, too slow for a page at 10^6 uses.

Caching: `cached_build()` keys the result by a global cockpit version (see `signals.py`, which
bumps it on every write to the models shown), the filters and the language; the TTL is a safety
net for writes that send no signal (bulk imports: call `invalidate()`).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db import connection, connections
from django.db.models import Count, Max, Min, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from atelier.catalog.models import Resource, ResourceKind
from atelier.core import codes
from atelier.core.models import Cluster, District, Industry
from atelier.demands import stats as demand_stats
from atelier.demands.models import Demand, Docking, DockingStatus
from atelier.orders.models import Booking, Usage
from atelier.orders.models_orders import OrderStatus, ServiceOrder
from atelier.orders.utilisation import NATIONAL_REFERENCE
from atelier.orgs.models import Organization
from atelier.vouchers.models import Application, Entry, LedgerEntry, Programme

logger = logging.getLogger(__name__)

CACHE_TTL = 86_400  # seconds an entry is kept to be served while it is recomputed
FRESH_SECONDS = 600  # an entry older than this is recomputed even without a write (safety net)
YEARS_TTL = 3600
LOCK_TTL = 120  # a recomputation that takes longer (or died) frees the lock after this
# Recompute stale figures in a background thread and serve the previous ones meanwhile (see
# cached_build). Tests switch it off to see new figures at once.
BACKGROUND_REFRESH = True
VERSION_KEY = "kpi:cockpit:version"
REFRESH_SECONDS = 60

# The 12 districts on a 5 × 5 tile grid that follows the map of Wenzhou (column, row): 永嘉 and
# 乐清 in the north, the city districts in the middle with 洞头 out at sea, 文成 and 泰顺 in the
# west, 瑞安, 平阳, 龙港 and 苍南 along the coast to the south.
TILES = {
    "330324": (2, 0),  # 永嘉县
    "330382": (3, 0),  # 乐清市
    "330304": (1, 1),  # 瓯海区
    "330302": (2, 1),  # 鹿城区
    "330303": (3, 1),  # 龙湾区
    "330305": (4, 1),  # 洞头区
    "330328": (0, 2),  # 文成县
    "330381": (2, 2),  # 瑞安市
    "330329": (0, 3),  # 泰顺县
    "330326": (1, 3),  # 平阳县
    "330383": (2, 3),  # 龙港市
    "330327": (1, 4),  # 苍南县
}

WAN = Decimal(1_000_000)  # fen per 万元
CENT = Decimal("0.01")
HOUR = 3600


def _wan(fen) -> str:
    """Integer fen → 万元 as a decimal string with two places (never float)."""
    return str((Decimal(int(fen or 0)) / WAN).quantize(CENT, ROUND_HALF_UP))


def _plain(value):
    """Decimal → str, for the JSON payload."""
    if isinstance(value, Decimal):
        return str(value)
    return value


def _tz():
    return timezone.get_default_timezone()


def year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = _tz()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def _sql(query: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _dt(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


# ---------------------------------------------------------------- filters and choices


def this_year() -> int:
    return timezone.localdate(timezone=_tz()).year


def data_years() -> list[int]:
    """Years that have voucher, demand or machine-use data, plus the current year, newest
    first (for the year filter). Index-only reads: the ledger's distinct years, the demands'
    first and last publication, the first and last recorded use by id (uses are recorded as
    they happen, so id order is time order closely enough for a year list)."""
    years = {this_year()}
    years.update(
        LedgerEntry.objects.filter(enterprise_id__isnull=False)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    span = Demand.objects.filter(published_at__isnull=False).aggregate(
        low=Min("published_at"), high=Max("published_at")
    )
    first = Usage.objects.order_by("pk").values_list("started_at", flat=True).first()
    last = Usage.objects.order_by("-pk").values_list("started_at", flat=True).first()
    for low, high in ((span["low"], span["high"]), (first, last)):
        if low and high:
            low, high = sorted((low, high))
            years.update(
                range(timezone.localtime(low, _tz()).year, timezone.localtime(high, _tz()).year + 1)
            )
    return sorted(years, reverse=True)


def district_choices() -> list[tuple[str, str]]:
    return [(d.code, d.label) for d in District.objects.wenzhou().order_by("sort")]


def cluster_choices() -> list[tuple[str, str]]:
    return [(c.code, c.label) for c in Cluster.objects.order_by("sort")]


# ---------------------------------------------------------------- vouchers


def _cluster_orgs_sql(cluster: str) -> tuple[str, list]:
    """SQL of the ids of organisations with an industry in `cluster`."""
    return (
        f"SELECT li.organization_id FROM {_t(Organization.industries.through)} li "  # noqa: S608
        f"JOIN {_t(Industry)} i ON i.code = li.industry_id WHERE i.cluster = %s",
        [cluster],
    )


def _org_filters(key: str, district: str | None, cluster: str | None) -> tuple[str, list]:
    """WHERE clause on the joined organisation `o` and the enterprise id column `key`."""
    where, params = [], []
    if district:
        where.append("o.district_id = %s")
        params.append(district)
    if cluster:
        sub, sub_params = _cluster_orgs_sql(cluster)
        where.append(f"{key} IN ({sub})")
        params += sub_params
    return (" WHERE " + " AND ".join(where) if where else ""), params


def voucher_money(year: int, *, district=None, cluster=None, by: str | None = None) -> dict:
    """{key: {"issued", "redeemed", "paid", "reserved"} in fen}; `by` is None (one key, None),
    "district" or "cluster" (an enterprise in two clusters counts in both)."""
    inner = (
        "SELECT l.enterprise_id AS e, SUM(l.d_granted) AS g, SUM(l.d_spent) AS s, "  # noqa: S608
        f"SUM(l.d_paid) AS p, SUM(l.d_reserved) AS r FROM {_t(LedgerEntry)} l "
        "WHERE l.enterprise_id IS NOT NULL AND l.year = %s GROUP BY l.enterprise_id"
    )
    params: list = [year]
    join = f"JOIN {_t(Organization)} o ON o.id = x.e"
    key = "NULL"
    if by == "district":
        key = "o.district_id"
    elif by == "cluster":
        join += (
            f" JOIN (SELECT DISTINCT li.organization_id AS e, i.cluster AS c "  # noqa: S608
            f"FROM {_t(Organization.industries.through)} li "
            f"JOIN {_t(Industry)} i ON i.code = li.industry_id) c ON c.e = x.e"
        )
        key = "c.c"
    where, where_params = _org_filters("x.e", district, cluster)
    query = (
        f"SELECT {key}, SUM(x.g), SUM(x.s), SUM(x.p), SUM(x.r) FROM ({inner}) x "  # noqa: S608
        f"{join}{where}" + (f" GROUP BY {key}" if by else "")
    )
    out = {}
    for k, g, s, p, r in _sql(query, params + where_params):
        out[k] = {
            "issued": int(g or 0),
            "redeemed": int(s or 0),
            "paid": int(p or 0),
            "reserved": int(r or 0),
        }
    return out


def voucher_enterprises(year: int, *, district=None, cluster=None, by: str | None = None) -> dict:
    """{key: distinct enterprises that applied to `year`'s programmes or redeemed in `year`}."""
    union = (
        f"SELECT a.enterprise_id AS e FROM {_t(Application)} a "  # noqa: S608
        f"JOIN {_t(Programme)} p ON p.id = a.programme_id WHERE p.year = %s "
        f"UNION SELECT l.enterprise_id FROM {_t(LedgerEntry)} l "
        "WHERE l.kind = %s AND l.year = %s"
    )
    params: list = [year, Entry.SPEND, year]
    join = f"JOIN {_t(Organization)} o ON o.id = u.e"
    key = "NULL"
    if by == "district":
        key = "o.district_id"
    elif by == "cluster":
        join += (
            f" JOIN (SELECT DISTINCT li.organization_id AS e, i.cluster AS c "  # noqa: S608
            f"FROM {_t(Organization.industries.through)} li "
            f"JOIN {_t(Industry)} i ON i.code = li.industry_id) c ON c.e = u.e"
        )
        key = "c.c"
    where, where_params = _org_filters("u.e", district, cluster)
    query = (
        f"SELECT {key}, COUNT(*) FROM ({union}) u {join}{where}"  # noqa: S608
        + (f" GROUP BY {key}" if by else "")
    )
    return {k: int(n) for k, n in _sql(query, params + where_params)}


def voucher_months(year: int, *, district=None, cluster=None) -> list[int]:
    """Fen redeemed (SPEND entries booked in `year`) per month of the entry, January first.
    The month is taken in SQL (a per-row Python time-zone conversion costs seconds at 10^6
    rows on SQLite)."""
    where, params = _org_filters("l.enterprise_id", district, cluster)
    join = f"JOIN {_t(Organization)} o ON o.id = l.enterprise_id " if district else ""
    where = where.replace(" WHERE ", " AND ") if where else ""
    query = (
        f"SELECT {_month_sql('l.at', year)}, SUM(l.d_spent) FROM {_t(LedgerEntry)} l "  # noqa: S608
        f"{join}WHERE l.kind = %s AND l.year = %s AND l.enterprise_id IS NOT NULL{where} "
        "GROUP BY 1"
    )
    months = [0] * 12
    for m, s in _sql(query, [Entry.SPEND, year, *params]):
        months[int(m) - 1] += int(s or 0)
    return months


def _cluster_org_ids(cluster: str):
    return Organization.industries.through.objects.filter(industry__cluster=cluster).values(
        "organization_id"
    )


# ---------------------------------------------------------------- demands and dockings


def signed_dockings(year: int, *, district=None, cluster=None):
    """Won dockings whose contract was signed in `year` (by signing date)."""
    qs = Docking.objects.filter(status=DockingStatus.WON, contract_signed_on__year=year)
    if district:
        qs = qs.filter(demand__enterprise__district_id=district)
    if cluster:
        qs = qs.filter(demand__cluster_id=cluster)
    return qs


def docking_months(year: int, *, district=None, cluster=None) -> list[int]:
    months = [0] * 12
    rows = (
        signed_dockings(year, district=district, cluster=cluster)
        .order_by()
        .annotate(m=ExtractMonth("contract_signed_on"))
        .values_list("m")
        .annotate(n=Count("id"))
    )
    for m, n in rows:
        months[m - 1] += n
    return months


def signed_by_district(year: int, *, cluster=None) -> dict[str, int]:
    rows = (
        signed_dockings(year, cluster=cluster)
        .order_by()
        .values_list("demand__enterprise__district_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


# ---------------------------------------------------------------- instruments


def _instrument_where(district, cluster) -> tuple[str, list]:
    where, params = ["r.kind = %s"], [ResourceKind.INSTRUMENT]
    if district:
        where.append("r.district_id = %s")
        params.append(district)
    if cluster:
        where.append(
            f"r.id IN (SELECT rc.resource_id FROM {_t(Resource.clusters.through)} rc "  # noqa: S608
            "WHERE rc.cluster_id = %s)"
        )
        params.append(cluster)
    return " AND ".join(where), params


def _seconds_sql() -> str:
    if connection.vendor == "postgresql":
        return "EXTRACT(EPOCH FROM (u.stopped_at - u.started_at))"
    return "(julianday(u.stopped_at) - julianday(u.started_at)) * 86400.0"


def _month_sql(column: str, year: int) -> str:
    """SQL of the month (1–12) of a timestamp column in the platform's time zone."""
    if connection.vendor == "postgresql":
        zone = timezone.get_default_timezone_name().replace("'", "")
        return f"EXTRACT(MONTH FROM {column} AT TIME ZONE '{zone}')"
    # SQLite stores UTC text: shift by the zone's offset (Asia/Shanghai: no DST since 1991).
    hours = int(year_bounds(year)[0].utcoffset().total_seconds() // 3600)
    return f"CAST(strftime('%%m', {column}, '{hours:+d} hours') AS INTEGER)"


def machine_hours(year: int, *, district=None, cluster=None) -> dict:
    """Effective and external machine hours of the instruments (recorded uses started in
    `year`), per month and for the ten busiest instruments; income in fen."""
    start, end = year_bounds(year)
    where, params = _instrument_where(district, cluster)
    base = (
        f"FROM {_t(Usage)} u JOIN {_t(Booking)} b ON b.id = u.booking_id "  # noqa: S608
        f"JOIN {_t(Resource)} r ON r.id = b.resource_id "
        f"WHERE u.stopped_at IS NOT NULL AND u.started_at >= %s AND u.started_at < %s AND {where}"
    )
    params = [_dt(start), _dt(end), *params]
    secs = _seconds_sql()
    external = f"CASE WHEN b.organization_id IS NULL OR b.organization_id <> r.provider_id THEN {secs} ELSE 0 END"  # noqa: E501
    months = [[0.0, 0.0] for _ in range(12)]
    total = {"effective": 0.0, "external": 0.0, "income": 0, "uses": 0}
    per_instrument: dict[int, list[float]] = {}
    # One pass over the uses, grouped by instrument and month (≤ 12 rows per instrument);
    # the months, the totals and the busiest instruments are summed from those rows.
    query = (
        f"SELECT r.id, {_month_sql('u.started_at', year)}, SUM({secs}), "  # noqa: S608
        f"SUM({external}), SUM(COALESCE(u.fee_fen, 0)), COUNT(*) {base} GROUP BY 1, 2"
    )
    for pk, m, eff, ext, fen, n in _sql(query, params):
        eff, ext = float(eff or 0), float(ext or 0)
        months[int(m) - 1][0] += eff
        months[int(m) - 1][1] += ext
        total["effective"] += eff
        total["external"] += ext
        total["income"] += int(fen or 0)
        total["uses"] += int(n)
        sums = per_instrument.setdefault(pk, [0.0, 0.0])
        sums[0] += eff
        sums[1] += ext
    top = sorted(per_instrument.items(), key=lambda item: (-item[1][0], item[0]))[:10]
    top = [(pk, s, e) for pk, (s, e) in top]
    names = dict(Resource.objects.filter(pk__in=[t[0] for t in top]).values_list("pk", "title"))
    instr_where, instr_params = _instrument_where(district, cluster)
    instruments = _sql(
        f"SELECT COUNT(*) FROM {_t(Resource)} r WHERE r.status = %s AND {instr_where}",  # noqa: S608
        ["published", *instr_params],
    )[0][0]
    return {
        "months": months,
        "total": total,
        "instruments": int(instruments),
        "top": [(names.get(pk, ""), float(s or 0), float(e or 0)) for pk, s, e in top],
    }


# ---------------------------------------------------------------- orders


def order_figures(year: int, *, district=None, cluster=None) -> dict:
    start, end = year_bounds(year)
    qs = ServiceOrder.objects.filter(requested_at__gte=start, requested_at__lt=end)
    if district:
        qs = qs.filter(enterprise__district_id=district)
    if cluster:
        qs = qs.filter(enterprise_id__in=_cluster_org_ids(cluster))
    row = qs.exclude(status=OrderStatus.CANCELLED).aggregate(n=Count("id"), fen=Sum("total_fen"))
    return {"orders": row["n"] or 0, "amount_fen": int(row["fen"] or 0)}


# ---------------------------------------------------------------- KPI gauges


def gauges(year: int, *, district=None, cluster=None) -> list[dict] | None:
    """The KPI gauges of `kpi.progress` (None while that module is not there)."""
    try:
        from atelier.kpi.progress import cockpit_gauges
    except ImportError:  # pragma: no cover - the KPI module ships with the cockpit
        return None
    rows = []
    for g in cockpit_gauges(year, district=district, cluster=cluster):
        rows.append({k: _plain(v) for k, v in g.items()})
    return rows


# ---------------------------------------------------------------- everything


def _hours(seconds: float) -> str:
    return str(Decimal(seconds / HOUR).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _rate(part, whole) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def build(year: int, district: str | None = None, cluster: str | None = None) -> dict:
    """Every figure of the cockpit for the filters, JSON-ready (amounts in 万元 as decimal
    strings, hours with one decimal, rates in percent)."""
    f = {"district": district, "cluster": cluster}
    filters = demand_stats.Filters(year=year, district=district, cluster=cluster)
    districts = {d.code: d for d in District.objects.wenzhou()}
    clusters = list(Cluster.objects.order_by("sort"))

    # Vouchers
    money = voucher_money(year, **f).get(None) or {
        "issued": 0, "redeemed": 0, "paid": 0, "reserved": 0,
    }  # fmt: skip
    enterprises = voucher_enterprises(year, **f).get(None, 0)
    tile_money = voucher_money(year, cluster=cluster, by="district")
    tile_heads = voucher_enterprises(year, cluster=cluster, by="district")
    cluster_money = voucher_money(year, district=district, by="cluster")
    cluster_heads = voucher_enterprises(year, district=district, by="cluster")

    # Demands and dockings
    funnel = demand_stats.funnel(filters)
    demand_months = demand_stats.by_month(filters)
    tile_demands = {
        r.key: r.count
        for r in demand_stats.by_district(demand_stats.Filters(year=year, cluster=cluster))
    }
    tile_signed = signed_by_district(year, cluster=cluster)
    signed_months = docking_months(year, **f)

    # Instruments and orders
    hours = machine_hours(year, **f)
    orders = order_figures(year, **f)
    effective = hours["total"]["effective"]
    per_instrument = effective / HOUR / hours["instruments"] if hours["instruments"] else None

    tiles = []
    for code, (x, y) in TILES.items():
        d = districts.get(code)
        m = tile_money.get(code, {})
        tiles.append({
            "code": code, "name": d.label if d else code, "x": x, "y": y,
            "redeemed": _wan(m.get("redeemed", 0)), "issued": _wan(m.get("issued", 0)),
            "enterprises": tile_heads.get(code, 0), "demands": tile_demands.get(code, 0),
            "signed": tile_signed.get(code, 0),
        })  # fmt: skip

    by_cluster = []
    for c in clusters:
        m = cluster_money.get(c.code, {})
        heads = cluster_heads.get(c.code, 0)
        if not (m.get("redeemed") or m.get("issued") or heads):
            continue
        by_cluster.append({
            "code": c.code, "label": c.label, "redeemed": _wan(m.get("redeemed", 0)),
            "issued": _wan(m.get("issued", 0)), "enterprises": heads,
        })  # fmt: skip

    steps = [
        {"key": key, "label": str(label), "value": value, "rate": _plain(funnel.rate(value))}
        for key, label, value in funnel.steps()
    ]
    month_labels = [_("%(m)s月") % {"m": m} for m in range(1, 13)]
    # Months still to come are gaps (None), not zeros, so lines stop at the current month.
    now = timezone.localdate(timezone=_tz())
    last = now.month if year == now.year else 12

    def upto(values: list) -> list:
        return [v if i < last else None for i, v in enumerate(values)]

    trends = [
        {"key": "redeemed", "name": _("创新券兑付"), "unit": _("万元"),
         "values": upto([_wan(v) for v in voucher_months(year, **f)])},
        {"key": "demands", "name": _("发布需求"), "unit": _("条"),
         "values": upto([r.count for r in demand_months])},
        {"key": "signed", "name": _("签约对接"), "unit": _("项"), "values": upto(signed_months)},
        {"key": "hours", "name": _("仪器有效机时"), "unit": _("小时"),
         "values": upto([_hours(e) for e, _x in hours["months"]])},
    ]  # fmt: skip

    headline = [
        {"key": "enterprises", "label": _("创新券服务企业"), "value": enterprises,
         "unit": _("家"), "note": _("申领或兑付创新券的企业和单位")},
        {"key": "issued", "label": _("创新券发放"), "value": _wan(money["issued"]),
         "unit": _("万元"), "note": _("本年发放的券面额，扣除过期回收")},
        {"key": "redeemed", "label": _("创新券兑付"), "value": _wan(money["redeemed"]),
         "unit": _("万元"), "note": _("已拨付 %(a)s 万元") % {"a": _wan(money["paid"])}},
        {"key": "demands", "label": _("发布需求"), "value": funnel.published, "unit": _("条"),
         "note": _("对接率 %(p)s%%") % {"p": _plain(funnel.docked_rate)}
         if funnel.published else _("所选年度尚无需求")},
        {"key": "signed", "label": _("签约成交"), "value": funnel.signed, "unit": _("项"),
         "note": _("合同金额 %(a)s 万元") % {"a": _wan(int(funnel.contract_total * 100))}},
        {"key": "hours", "label": _("仪器有效机时"), "value": round(effective / HOUR),
         "unit": _("小时"),
         "note": _("共享率 %(p)s%%") % {"p": _rate(hours["total"]["external"], effective)}
         if effective else _("所选年度尚无上机记录")},
        {"key": "orders", "label": _("服务订单"), "value": orders["orders"], "unit": _("单"),
         "note": _("订单金额 %(a)s 万元") % {"a": _wan(orders["amount_fen"])}},
    ]  # fmt: skip

    reference = NATIONAL_REFERENCE
    utilisation = {
        "instruments": hours["instruments"],
        "uses": hours["total"]["uses"],
        "effective_hours": _hours(effective),
        "external_hours": _hours(hours["total"]["external"]),
        "sharing_rate": _rate(hours["total"]["external"], effective),
        "income": _wan(hours["total"]["income"]),
        "hours_per_instrument": None
        if per_instrument is None
        else str(Decimal(per_instrument).quantize(Decimal("0.1"), ROUND_HALF_UP)),
        "reference": {
            "effective_hours": reference["effective_hours"],
            "external_hours": reference["external_hours"],
            "year": reference["year"],
            "sharing_rate": str((reference["sharing_rate"] * 100).normalize()),
            "sharing_year": reference["sharing_year"],
        },
        "top": [
            {"label": label, "effective": _hours(s), "external": _hours(e)}
            for label, s, e in hours["top"]
        ],
    }

    return {
        "filters": {
            "year": year,
            "district": district,
            "district_label": districts[district].label if district in districts else "",
            "cluster": cluster,
            "cluster_label": next((c.label for c in clusters if c.code == cluster), ""),
        },
        "headline": headline,
        "tiles": tiles,
        "by_cluster": by_cluster,
        "funnel": {
            "steps": steps,
            "contract_total": _wan(int(funnel.contract_total * 100)),
            "contracts": funnel.contracts,
        },
        "utilisation": utilisation,
        "trends": {"months": month_labels, "series": trends},
        "gauges": gauges(year, **f),
        "generated_at": timezone.localtime(timezone.now(), _tz()).isoformat(timespec="seconds"),
    }


# ---------------------------------------------------------------- cache


def version() -> str:
    """The global cockpit version: part of every cache key, changed by `invalidate()`."""
    current = cache.get(VERSION_KEY)
    if current is None:
        current = uuid.uuid4().hex[:12]
        if not cache.add(VERSION_KEY, current, timeout=None):
            current = cache.get(VERSION_KEY) or current
    return current


def invalidate() -> None:
    """Make every cached cockpit figure stale. The signal handlers in `kpi/signals.py` call it
    on each save or delete of the models the cockpit shows; `bulk_create`, `update()` and raw
    SQL send no signals, so bulk imports and the demo loader must call it themselves."""
    cache.set(VERSION_KEY, uuid.uuid4().hex[:12], timeout=None)


def cache_key(year: int, district: str | None, cluster: str | None) -> str:
    """The key of one filter combination in one language (the version is stored with the
    figures, so that the previous figures can still be served while they are recomputed)."""
    return f"kpi:cockpit:{year}:{district or '-'}:{cluster or '-'}:{get_language()}"


def _refresh_in_background(key, current, year, district, cluster, language) -> None:
    """Recompute in a daemon thread; the caller serves the previous figures meanwhile."""

    def run():
        try:
            with translation.override(language):
                data = build(year, district, cluster)
            cache.set(key, {"version": current, "at": time.time(), "data": data}, CACHE_TTL)
        except Exception:  # a failed refresh leaves the previous figures; logged
            logger.exception("cockpit refresh failed for %s", key)
        finally:
            cache.delete(key + ":lock")
            connections.close_all()  # this thread's connections only

    threading.Thread(target=run, name="cockpit-refresh", daemon=True).start()


def cached_build(year: int, district: str | None = None, cluster: str | None = None) -> dict:
    """The figures of `build()`, from the cache while no write has happened since.

    After a write (a new version) the first request recomputes; with `BACKGROUND_REFRESH`
    that recomputation runs in a background thread and the requests meanwhile get the previous
    figures (stale by at most one recomputation: seconds), so no request waits for a cold
    build once the cache holds an entry. A lock key (shared through Redis between processes)
    keeps to one recomputation per filter combination at a time."""
    key = cache_key(year, district, cluster)
    current = version()
    entry = cache.get(key)
    fresh = entry is not None and time.time() - entry.get("at", 0) < FRESH_SECONDS
    if entry is not None and entry.get("version") == current and fresh:
        return entry["data"]
    if entry is not None:
        if not cache.add(key + ":lock", 1, LOCK_TTL):
            return entry["data"]  # being recomputed
        if BACKGROUND_REFRESH:
            _refresh_in_background(key, current, year, district, cluster, get_language())
            return entry["data"]
        cache.delete(key + ":lock")
    data = build(year, district, cluster)
    cache.set(key, {"version": current, "at": time.time(), "data": data}, CACHE_TTL)
    return data


def warm(years: list[int] | None = None, *, districts: bool = True) -> int:
    """Compute and cache the figures people open first — this year and last, the whole city and
    (with `districts`) each district — so that no request waits for a cold build (seconds at
    demo scale × 100; docs/benchmarks.md). Run by `atelier warm_cockpit` after deployments,
    bulk loads and every few minutes from the scheduler. Returns the number of entries built."""
    years = years or [this_year(), this_year() - 1]
    combos = [(y, None) for y in years]
    if districts:
        combos += [(y, code) for y in years for code, _name, _en in codes.WENZHOU_DISTRICTS]
    current = version()
    for year, district in combos:
        data = build(year, district, None)
        key = cache_key(year, district, None)
        cache.set(key, {"version": current, "at": time.time(), "data": data}, CACHE_TTL)
    return len(combos)


def cached_years() -> list[int]:
    """The year list changes only when a new year gets data: cached for an hour, whatever
    the writes (the current year is always offered)."""
    key = f"kpi:cockpit:years:{this_year()}"
    years = cache.get(key)
    if years is None:
        years = data_years()
        cache.set(key, years, YEARS_TTL)
    return years

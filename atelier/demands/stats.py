"""Figures of the demand hall (需求统计): demands by type, industry, district and month, the
docking funnel, response times and the broker figures.

Plain query functions, the same on SQLite and PostgreSQL. The unit of every figure is a demand
that was published at some point (it has a `published_at` and its status is not draft, submitted
or rejected), selected by `Filters` (year of publication in Asia/Shanghai time, the enterprise's
district, the demand's industry cluster); docking figures are about the dockings of those demands.
Money is summed in Python as Decimal (DecimalField sums are floats on SQLite, STYLE.md §6);
reward sums are integer fen, summed in SQL and turned into Decimal yuan once.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from atelier.core.models import Cluster, District

from .models import (
    FINAL_STATES,
    BrokerProfile,
    BrokerReward,
    Demand,
    DemandStatus,
    DemandType,
    Docking,
    DockingStatus,
)

# Demands that never reached the hall.
NEVER_PUBLISHED = (DemandStatus.DRAFT, DemandStatus.SUBMITTED, DemandStatus.REJECTED)
# A docking the provider (or the enterprise) said yes to.
ACCEPTED_STATES = (DockingStatus.ACTIVE, DockingStatus.WON, DockingStatus.LOST)
HUNDRED = Decimal(100)


def _tz():
    """Statistics count in the platform's time zone (Asia/Shanghai), whoever looks at them."""
    return timezone.get_default_timezone()


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    district: str | None = None  # core.District code
    cluster: str | None = None  # core.Cluster code

    @property
    def is_empty(self) -> bool:
        return not (self.year or self.district or self.cluster)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = _tz()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def scoped_demands(filters: Filters | None = None) -> QuerySet[Demand]:
    """Every demand matching the filters (the year filter is on the publication date)."""
    filters = filters or Filters()
    qs = Demand.objects.all()
    if filters.year:
        start, end = year_bounds(filters.year)
        qs = qs.filter(published_at__gte=start, published_at__lt=end)
    if filters.district:
        qs = qs.filter(enterprise__district_id=filters.district)
    if filters.cluster:
        qs = qs.filter(cluster_id=filters.cluster)
    return qs


def published_demands(filters: Filters | None = None) -> QuerySet[Demand]:
    """The demands the statistics count: published at some point, matching the filters."""
    return (
        scoped_demands(filters)
        .exclude(status__in=NEVER_PUBLISHED)
        .filter(published_at__isnull=False)
    )


def publication_years() -> list[int]:
    """The years in which demands were published, newest first (for the filter form)."""
    years = {
        timezone.localtime(at, _tz()).year
        for at in Demand.objects.filter(published_at__isnull=False)
        .exclude(status__in=NEVER_PUBLISHED)
        .values_list("published_at", flat=True)
    }
    return sorted(years, reverse=True)


# ---------------------------------------------------------------- demands by …


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    count: int


def by_type(filters: Filters | None = None) -> list[Row]:
    """Every demand type in its fixed order, zeros included."""
    counts = dict(published_demands(filters).order_by().values_list("type").annotate(n=Count("id")))
    return [Row(t.value, str(t.label), counts.get(t.value, 0)) for t in DemandType]


def by_cluster(filters: Filters | None = None) -> list[Row]:
    """Industry clusters that have demands, in the clusters' order; demands without a cluster
    last (key "")."""
    counts = dict(
        published_demands(filters).order_by().values_list("cluster_id").annotate(n=Count("id"))
    )
    rows = [Row(c.code, c.label, counts[c.code]) for c in Cluster.objects.all() if c.code in counts]
    if counts.get(None):
        rows.append(Row("", _("未注明行业"), counts[None]))
    return rows


def by_district(filters: Filters | None = None) -> list[Row]:
    """Districts (of the demanding enterprise) that have demands, in the districts' order."""
    counts = dict(
        published_demands(filters)
        .order_by()
        .values_list("enterprise__district_id")
        .annotate(n=Count("id"))
    )
    return [
        Row(d.code, d.label, counts[d.code]) for d in District.objects.all() if d.code in counts
    ]


def by_month(filters: Filters | None = None) -> list[Row]:
    """Demands by month of publication (Asia/Shanghai), keys "2025-03", with the months in
    between filled with zeros; with a year filter, all twelve months of that year."""
    counts: dict[str, int] = {}
    rows = (
        published_demands(filters)
        .order_by()
        .annotate(month=TruncMonth("published_at", tzinfo=_tz()))
        .values_list("month")
        .annotate(n=Count("id"))
    )
    for month, n in rows:
        key = f"{month:%Y-%m}"
        counts[key] = counts.get(key, 0) + n
    filters = filters or Filters()
    if filters.year:
        months = [f"{filters.year}-{m:02d}" for m in range(1, 13)]
    elif counts:
        months = _month_range(min(counts), max(counts))
    else:
        months = []
    return [Row(m, m, counts.get(m, 0)) for m in months]


def _month_range(first: str, last: str) -> list[str]:
    year, month = (int(p) for p in first.split("-"))
    months = []
    while f"{year}-{month:02d}" <= last:
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# ---------------------------------------------------------------- the docking funnel


@dataclass(frozen=True)
class Funnel:
    published: int
    docked: int  # with at least one docking
    accepted: int  # with at least one accepted docking (active, won or lost)
    signed: int  # with a signed (won) docking
    contract_total: Decimal  # yuan, the contracts of the won dockings
    contracts: int  # number of won dockings

    def steps(self) -> list[tuple[str, str, int]]:
        """(key, label, demands) for the funnel chart and tables."""
        return [
            ("published", _("已发布需求"), self.published),
            ("docked", _("已发起对接"), self.docked),
            ("accepted", _("对接被接受"), self.accepted),
            ("signed", _("签约成交"), self.signed),
        ]

    def rate(self, count: int) -> Decimal | None:
        """`count` as a percentage of the published demands (one decimal)."""
        if not self.published:
            return None
        return (HUNDRED * count / self.published).quantize(Decimal("0.1"))

    @property
    def docked_rate(self) -> Decimal | None:
        return self.rate(self.docked)

    @property
    def signed_rate(self) -> Decimal | None:
        return self.rate(self.signed)


def funnel(filters: Filters | None = None) -> Funnel:
    demands = published_demands(filters)
    mine = Docking.objects.filter(demand=OuterRef("pk"))
    row = (
        demands.order_by()
        .annotate(
            has_docking=Exists(mine),
            has_accepted=Exists(mine.filter(status__in=ACCEPTED_STATES)),
            has_won=Exists(mine.filter(status=DockingStatus.WON)),
        )
        .aggregate(
            published=Count("id"),
            docked=Count("id", filter=Q(has_docking=True)),
            accepted=Count("id", filter=Q(has_accepted=True)),
            signed=Count("id", filter=Q(has_won=True)),
        )
    )
    amounts = list(
        Docking.objects.filter(demand__in=demands, status=DockingStatus.WON).values_list(
            "contract_amount", flat=True
        )
    )
    total = sum((a for a in amounts if a is not None), Decimal("0.00"))
    return Funnel(
        published=row["published"],
        docked=row["docked"],
        accepted=row["accepted"],
        signed=row["signed"],
        contract_total=total,
        contracts=len(amounts),
    )


# ---------------------------------------------------------------- response times


@dataclass(frozen=True)
class Response:
    dockings: int  # dockings of the selected demands
    responded: int  # with a first response
    median_hours: float | None  # median of responded_at − started_at
    due: int  # with a deadline that was answered or has passed
    on_time: int  # answered by the deadline
    late: int  # answered after the deadline
    overdue_now: int  # still waiting, deadline passed (Docking.is_overdue)

    @property
    def on_time_rate(self) -> Decimal | None:
        if not self.due:
            return None
        return (HUNDRED * self.on_time / self.due).quantize(Decimal("0.1"))

    @property
    def overdue_rate(self) -> Decimal | None:
        if not self.due:
            return None
        return (HUNDRED * self.overdue_now / self.due).quantize(Decimal("0.1"))


def response(filters: Filters | None = None, *, now: datetime | None = None) -> Response:
    now = now or timezone.now()
    dockings = Docking.objects.filter(demand__in=published_demands(filters)).order_by()
    rows = list(dockings.values_list("status", "started_at", "respond_by", "responded_at"))
    hours = [
        (responded - started).total_seconds() / 3600
        for _status, started, _due, responded in rows
        if responded is not None
    ]
    on_time = late = due = overdue_now = 0
    waiting = {DockingStatus.INTERESTED, DockingStatus.PROPOSED}
    for status, _started, respond_by, responded in rows:
        if respond_by is None:
            continue
        if status in waiting and respond_by < now:
            overdue_now += 1  # the model's definition (DockingQuerySet.overdue)
        if responded is not None:
            due += 1
            if responded <= respond_by:
                on_time += 1
            else:
                late += 1
        elif respond_by < now:
            due += 1  # never answered and the deadline is gone
    return Response(
        dockings=len(rows),
        responded=len(hours),
        median_hours=round(statistics.median(hours), 1) if hours else None,
        due=due,
        on_time=on_time,
        late=late,
        overdue_now=overdue_now,
    )


# ---------------------------------------------------------------- brokers


@dataclass
class BrokerFigures:
    assigned: int = 0  # demands with this broker (Demand.broker), drafts left out
    handled: int = 0  # dockings with this broker (Docking.broker)
    won: int = 0
    finished: int = 0  # won, lost, declined or cancelled
    rewards_fen: int = 0
    rewards: int = 0  # number of reward rows

    @property
    def success_rate(self) -> Decimal | None:
        """Won ÷ finished dockings, in percent (one decimal); None before any is finished."""
        if not self.finished:
            return None
        return (HUNDRED * self.won / self.finished).quantize(Decimal("0.1"))

    @property
    def rewards_total(self) -> Decimal:
        return Decimal(self.rewards_fen) / 100


def broker_figures(profiles, filters: Filters | None = None) -> dict[int, BrokerFigures]:
    """Figures per BrokerProfile pk, in four grouped queries whatever the number of brokers.

    With filters, demands and dockings are those of the matching demands; rewards are only
    filtered by the year in which they were recorded (they belong to a person, not a district).
    """
    profiles = list(profiles)
    by_user = {p.user_id: p.pk for p in profiles}
    figures = {p.pk: BrokerFigures() for p in profiles}
    if not profiles:
        return figures
    demands = scoped_demands(filters).exclude(status=DemandStatus.DRAFT)
    for user_id, n in (
        demands.filter(broker_id__in=by_user)
        .order_by()
        .values_list("broker_id")
        .annotate(n=Count("id"))
    ):
        figures[by_user[user_id]].assigned = n
    dockings = Docking.objects.filter(broker_id__in=by_user)
    if filters and not filters.is_empty:
        dockings = dockings.filter(demand__in=scoped_demands(filters))
    for user_id, n, won, finished in (
        dockings.order_by()
        .values_list("broker_id")
        .annotate(
            n=Count("id"),
            won=Count("id", filter=Q(status=DockingStatus.WON)),
            finished=Count("id", filter=Q(status__in=FINAL_STATES)),
        )
    ):
        f = figures[by_user[user_id]]
        f.handled, f.won, f.finished = n, won, finished
    rewards = BrokerReward.objects.filter(broker_id__in=list(figures))
    if filters and filters.year:
        start, end = year_bounds(filters.year)
        rewards = rewards.filter(recorded_at__gte=start, recorded_at__lt=end)
    for broker_id, fen, n in (
        rewards.order_by().values_list("broker_id").annotate(fen=Sum("amount_fen"), n=Count("id"))
    ):
        figures[broker_id].rewards_fen = int(fen or 0)
        figures[broker_id].rewards = n
    return figures


def active_brokers():
    return (
        BrokerProfile.objects.filter(active=True)
        .select_related("user")
        .prefetch_related("clusters")
        .order_by("registered_on", "id")
    )


# ---------------------------------------------------------------- everything for one page


@dataclass(frozen=True)
class Report:
    filters: Filters
    by_type: list[Row]
    by_cluster: list[Row]
    by_district: list[Row]
    by_month: list[Row]
    funnel: Funnel
    response: Response
    brokers: list[tuple[BrokerProfile, BrokerFigures]]
    made_at: datetime

    @property
    def published(self) -> int:
        return self.funnel.published


def report(filters: Filters | None = None, *, now: datetime | None = None) -> Report:
    filters = filters or Filters()
    profiles = list(active_brokers())
    figures = broker_figures(profiles, filters)
    return Report(
        filters=filters,
        by_type=by_type(filters),
        by_cluster=by_cluster(filters),
        by_district=by_district(filters),
        by_month=by_month(filters),
        funnel=funnel(filters),
        response=response(filters, now=now),
        brokers=[(p, figures[p.pk]) for p in profiles],
        made_at=now or timezone.now(),
    )


def this_year() -> int:
    return timezone.localdate(timezone=_tz()).year

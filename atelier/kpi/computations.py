"""Computed indicators: plain query functions over the platform's own records.

Each function takes a `Scope` (a time window and optional district/cluster of the *served* side)
and returns a Decimal. They are registered by name in REGISTRY; an Indicator with source
"computed" names one of them. Every function has a test on known data (tests/test_computations.py).

Money is summed in integer fen in SQL and converted to 万元 (10 000 yuan) with Decimal at the end.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import DurationField, ExpressionWrapper, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from atelier.catalog.models import Resource, ResourceKind, ResourceStatus
from atelier.core.models import StatusChange
from atelier.demands.models import Demand, Docking, DockingStatus
from atelier.orders.models import Usage
from atelier.orders.models_orders import OrderStatus, ServiceOrder
from atelier.orgs.models import Organization, OrgKind, OrgStatus
from atelier.reports.models import TestReport
from atelier.vouchers.models import Entry, LedgerEntry

WAN = Decimal(1_000_000)  # fen in 万元


@dataclass(frozen=True)
class Scope:
    """The window [start, end) and the served side's district (GB/T 2260 code) and cluster."""

    start: datetime | None
    end: datetime
    district: str | None = None
    cluster: str | None = None

    def window(self, field: str) -> Q:
        q = Q(**{f"{field}__lt": self.end})
        if self.start is not None:
            q &= Q(**{f"{field}__gte": self.start})
        return q

    def org(self, path: str) -> Q:
        """Filter on an organisation reached through `path` ("" = the queried model itself)."""
        prefix = f"{path}__" if path else ""
        q = Q()
        if self.district:
            q &= Q(**{f"{prefix}district_id": self.district})
        if self.cluster:
            q &= Q(**{f"{prefix}industries__cluster": self.cluster})
        return q


@dataclass(frozen=True)
class Computation:
    key: str
    label: str
    unit: str
    fn: Callable[[Scope], Decimal]
    doc: str


REGISTRY: dict[str, Computation] = {}


def computation(key: str, label, unit: str):
    def register(fn):
        REGISTRY[key] = Computation(key, label, unit, fn, (fn.__doc__ or "").strip())
        return fn

    return register


def _wan(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / WAN).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _served_by_orders(scope: Scope) -> set[int]:
    qs = ServiceOrder.objects.filter(
        scope.window("confirmed_at"), status=OrderStatus.CONFIRMED
    ).filter(scope.org("enterprise"))
    return set(qs.values_list("enterprise_id", flat=True).distinct())


def _served_by_dockings(scope: Scope) -> set[int]:
    qs = Docking.objects.filter(scope.window("closed_at"), status=DockingStatus.WON).filter(
        scope.org("demand__enterprise")
    )
    return set(qs.values_list("demand__enterprise_id", flat=True).distinct())


def _served_by_vouchers(scope: Scope) -> set[int]:
    qs = LedgerEntry.objects.filter(
        scope.window("at"), kind=Entry.SPEND, enterprise__isnull=False
    ).filter(scope.org("enterprise"))
    return set(qs.values_list("enterprise_id", flat=True).distinct())


def served_enterprise_ids(scope: Scope) -> set[int]:
    """Distinct enterprises with a confirmed service order, a signed docking or a redeemed
    voucher in the window."""
    return _served_by_orders(scope) | _served_by_dockings(scope) | _served_by_vouchers(scope)


@computation("enterprises_served", _("服务企业数"), "家")
def enterprises_served(scope: Scope) -> Decimal:
    """服务企业数：窗口内有已确认完成的服务订单、已签约的对接或已核销创新券的企业（去重）。"""
    return Decimal(len(served_enterprise_ids(scope)))


def _enterprises(scope: Scope):
    return Organization.objects.filter(
        scope.org(""),
        kind=OrgKind.ENTERPRISE,
        status=OrgStatus.VERIFIED,
        created_at__lt=scope.end,
    )


@computation("cluster_enterprises", _("集群在册企业数"), "家")
def cluster_enterprises(scope: Scope) -> Decimal:
    """集群在册企业数：截至期末在平台认证的、属于该区县/产业集群的企业。"""
    return Decimal(_enterprises(scope).values("id").distinct().count())


@computation("coverage", _("服务企业覆盖面"), "%")
def coverage(scope: Scope) -> Decimal:
    """服务企业覆盖面 = 服务企业数 ÷ 集群在册企业数 × 100。分母为 0 时记 0。"""
    base = cluster_enterprises(scope)
    if not base:
        return Decimal("0.0")
    served = enterprises_served(scope)
    return (served * 100 / base).quantize(Decimal("0.1"), ROUND_HALF_UP)


@computation("institutions", _("入驻服务机构数"), "家")
def institutions(scope: Scope) -> Decimal:
    """入驻服务机构数：截至期末已认证的服务机构与高校院所（按所在区县）。"""
    qs = Organization.objects.filter(
        kind__in=[OrgKind.PROVIDER, OrgKind.UNIVERSITY],
        status=OrgStatus.VERIFIED,
        created_at__lt=scope.end,
    )
    if scope.district:
        qs = qs.filter(district_id=scope.district)
    return Decimal(qs.count())


@computation("shared_instruments", _("共享仪器设备数"), "台（套）")
def shared_instruments(scope: Scope) -> Decimal:
    """共享仪器设备数：截至期末已上架、共享状态为开放的仪器（按机构所在区县）。"""
    qs = Resource.objects.filter(
        kind=ResourceKind.INSTRUMENT,
        status=ResourceStatus.PUBLISHED,
        published_at__lt=scope.end,
        instrument_detail__sharing_status="open",
    )
    if scope.district:
        qs = qs.filter(provider__district_id=scope.district)
    return Decimal(qs.count())


def _usages(scope: Scope):
    qs = Usage.objects.filter(scope.window("started_at"), stopped_at__isnull=False)
    if scope.district:
        qs = qs.filter(booking__resource__provider__district_id=scope.district)
    return qs


@computation("machine_hours", _("仪器有效机时"), "小时")
def machine_hours(scope: Scope) -> Decimal:
    """仪器有效机时：窗口内开机记录（开机到关机）的合计小时数，按仪器所属机构区县。"""
    duration = ExpressionWrapper(F("stopped_at") - F("started_at"), output_field=DurationField())
    total = _usages(scope).aggregate(total=Sum(duration))["total"]
    seconds = Decimal(total.total_seconds()) if total else Decimal(0)
    return (seconds / 3600).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _ledger_sum(scope: Scope, kind: str, field: str) -> Decimal:
    qs = LedgerEntry.objects.filter(scope.window("at"), kind=kind)
    if scope.district or scope.cluster:
        # By id: the cluster filter joins industries, one row per industry of the enterprise.
        qs = LedgerEntry.objects.filter(id__in=qs.filter(scope.org("enterprise")).values("id"))
    return _wan(qs.aggregate(total=Sum(field))["total"])


@computation("voucher_granted", _("创新券发放额"), "万元")
def voucher_granted(scope: Scope) -> Decimal:
    """创新券发放额：窗口内发券（grant）分录的券面金额合计。"""
    return _ledger_sum(scope, Entry.GRANT, "d_granted")


@computation("voucher_redeemed", _("创新券兑付额"), "万元")
def voucher_redeemed(scope: Scope) -> Decimal:
    """创新券兑付额：窗口内核销（spend）分录的金额合计（企业确认服务、计入已用）。"""
    return _ledger_sum(scope, Entry.SPEND, "d_spent")


def _won(scope: Scope):
    ids = (
        Docking.objects.filter(scope.window("closed_at"), status=DockingStatus.WON)
        .filter(scope.org("demand__enterprise"))
        .values("id")
    )
    return Docking.objects.filter(id__in=ids)


@computation("dockings_signed", _("对接签约数"), "项")
def dockings_signed(scope: Scope) -> Decimal:
    """对接签约数：窗口内以签约结束的对接。"""
    return Decimal(_won(scope).count())


@computation("contract_amount", _("对接签约金额"), "万元")
def contract_amount(scope: Scope) -> Decimal:
    """对接签约金额：窗口内签约对接的合同金额合计。"""
    total = _won(scope).aggregate(total=Sum("contract_amount"))["total"] or Decimal(0)
    return (Decimal(total) / 10000).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _demands(scope: Scope):
    return Demand.objects.filter(scope.org("enterprise"))


@computation("demands_published", _("发布需求数"), "项")
def demands_published(scope: Scope) -> Decimal:
    """发布需求数：窗口内发布（运营方审核通过）的需求。"""
    return Decimal(_demands(scope).filter(scope.window("published_at")).distinct().count())


@computation("demands_resolved", _("解决需求数"), "项")
def demands_resolved(scope: Scope) -> Decimal:
    """解决需求数：窗口内状态变为「已解决」的需求（以状态历史为准）。"""
    changes = StatusChange.objects.filter(
        scope.window("at"),
        content_type=ContentType.objects.get_for_model(Demand),
        to_state="resolved",
    ).values_list("object_id", flat=True)
    ids = {int(i) for i in changes}
    if scope.district or scope.cluster:
        ids &= set(_demands(scope).filter(id__in=ids).values_list("id", flat=True))
    return Decimal(len(ids))


def _confirmed_orders(scope: Scope):
    ids = (
        ServiceOrder.objects.filter(scope.window("confirmed_at"), status=OrderStatus.CONFIRMED)
        .filter(scope.org("enterprise"))
        .values("id")
    )
    return ServiceOrder.objects.filter(id__in=ids)


@computation("orders_completed", _("完成服务订单数"), "单")
def orders_completed(scope: Scope) -> Decimal:
    """完成服务订单数：窗口内企业确认完成的服务订单。"""
    return Decimal(_confirmed_orders(scope).count())


@computation("service_revenue", _("服务收入"), "万元")
def service_revenue(scope: Scope) -> Decimal:
    """服务收入：窗口内确认完成的服务订单金额 + 仪器上机收费，合计。"""
    orders = _confirmed_orders(scope).aggregate(total=Sum("total_fen"))["total"] or 0
    usage = _usages(scope).aggregate(total=Sum("fee_fen"))["total"] or 0
    return _wan(orders + usage)


@computation("resources_published", _("上架创新资源数"), "项")
def resources_published(scope: Scope) -> Decimal:
    """上架创新资源数：截至期末处于已发布状态的资源（服务、专家、仪器、成果等）。"""
    qs = Resource.objects.filter(status=ResourceStatus.PUBLISHED, published_at__lt=scope.end)
    if scope.district:
        qs = qs.filter(provider__district_id=scope.district)
    return Decimal(qs.count())


@computation("test_reports", _("出具检测报告数"), "份")
def test_reports(scope: Scope) -> Decimal:
    """出具检测报告数：窗口内签发的检测报告。"""
    qs = TestReport.objects.filter(scope.window("issued_at"), status="issued")
    if scope.district or scope.cluster:
        qs = qs.filter(client__in=Organization.objects.filter(scope.org("")).values("id"))
    return Decimal(qs.count())


@computation("response_hours", _("对接首次响应时长（中位数）"), "小时")
def response_hours(scope: Scope) -> Decimal:
    """对接首次响应时长：窗口内发起且已响应的对接，从发起到服务方首次响应的小时数中位数。"""
    ids = (
        Docking.objects.filter(scope.window("started_at"), responded_at__isnull=False)
        .filter(scope.org("demand__enterprise"))
        .values("id")
    )
    pairs = Docking.objects.filter(id__in=ids).values_list("started_at", "responded_at")
    hours = [(r - s).total_seconds() / 3600 for s, r in pairs]
    if not hours:
        return Decimal("0.0")
    return Decimal(str(statistics.median(hours))).quantize(Decimal("0.1"), ROUND_HALF_UP)


def choices() -> list[tuple[str, str]]:
    return [(c.key, f"{c.label}（{c.unit}）") for c in REGISTRY.values()]

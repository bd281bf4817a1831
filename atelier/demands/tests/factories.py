"""Plain factories for the demands tests. They go through the real actions; the few fields no
action lets you set (publication time, docking times) are moved afterwards with `update()`."""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog.tests.factories import make_provider
from atelier.core.models import Cluster
from atelier.orgs.models import Membership, OrgKind
from atelier.orgs.tests.factories import make_org

from .. import actions
from ..models import BrokerProfile, Demand, DemandType, Docking, DockingStatus, Visibility

_seq = itertools.count(1)


def operator():
    return make_user(Role.OPERATOR)


def make_enterprise(**overrides):
    overrides.setdefault("kind", OrgKind.ENTERPRISE)
    return make_org(verified=True, **overrides)


def member_of(org):
    return Membership.objects.filter(organization=org).select_related("user").first().user


def make_broker(user=None, **data) -> BrokerProfile:
    user = user or make_user(Role.BROKER)
    data.setdefault("employer", "温州市科技成果转化中心")
    data.setdefault("specialties", "鞋材检测；工艺改进")
    return actions.broker_register(operator(), user, data)


def make_demand(
    *,
    enterprise=None,
    type: str = DemandType.PROBLEM,
    cluster: str | None = "shoes",
    published: bool = True,
    published_at=None,
    anonymous: bool = False,
    broker=None,
    **fields,
) -> Demand:
    """A demand created by a member of `enterprise`, published by an operator unless told not
    to. `broker` is a BrokerProfile or a user; `published_at` moves the publication time."""
    enterprise = enterprise or make_enterprise()
    n = next(_seq)
    data = {
        "type": type,
        "title": fields.pop("title", f"鞋底耐磨性能提升需求{n}"),
        "description": fields.pop("description", "现有鞋底耐磨指标不达标，寻求材料与工艺方案。"),
        "cluster": Cluster.objects.get(pk=cluster) if cluster else None,
        "deadline": fields.pop("deadline", timezone.localdate() + timedelta(days=60)),
        "visibility": Visibility.ANONYMOUS if anonymous else Visibility.PUBLIC,
        **fields,
    }
    demand = actions.demand_create(member_of(enterprise), enterprise, data, submit=published)
    if published:
        actions.demand_publish(operator(), demand)
        if published_at is not None:
            Demand.objects.filter(pk=demand.pk).update(published_at=published_at)
            demand.published_at = published_at
    if broker is not None:
        user = getattr(broker, "user", broker)
        actions.demand_assign_broker(operator(), demand, user)
    return demand


def make_docking(
    demand,
    *,
    provider=None,
    actor=None,
    status: str = DockingStatus.PROPOSED,
    amount=Decimal("100000.00"),
    started_at=None,
    respond_by=None,
    responded_at=None,
) -> Docking:
    """A docking proposed by `actor` (the demand's broker, else an operator) and moved to
    `status` through the real actions. Times are set afterwards when given."""
    provider = provider or make_provider()
    if actor is None:
        actor = demand.broker if demand.broker_id else operator()
    docking = actions.docking_start(actor, demand, provider=provider, message="请评估可行性。")
    provider_user = member_of(provider)
    if status in (DockingStatus.ACTIVE, DockingStatus.WON, DockingStatus.LOST):
        actions.docking_accept(provider_user, docking)
    if status == DockingStatus.WON:
        actions.docking_sign(operator(), docking, amount=amount)
    elif status == DockingStatus.LOST:
        actions.docking_lose(operator(), docking, reason="报价未谈拢")
    elif status == DockingStatus.DECLINED:
        actions.docking_decline(provider_user, docking, reason="排期已满")
    elif status == DockingStatus.CANCELLED:
        actions.docking_cancel(operator(), docking, reason="企业另有安排")
    times = {
        k: v
        for k, v in (
            ("started_at", started_at),
            ("respond_by", respond_by),
            ("responded_at", responded_at),
        )
        if v is not None
    }
    if times:
        Docking.objects.filter(pk=docking.pk).update(**times)
    docking.refresh_from_db()
    return docking

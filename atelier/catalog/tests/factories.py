import itertools

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog import actions
from atelier.catalog.models import Resource, ResourceKind
from atelier.core.models import Cluster
from atelier.orgs.models import OrgKind
from atelier.orgs.tests.factories import make_org

_seq = itertools.count(1)


def make_provider(**overrides):
    overrides.setdefault("kind", OrgKind.PROVIDER)
    overrides.setdefault("industries", ("M7452",))
    return make_org(verified=True, **overrides)


def make_resource(
    *,
    provider=None,
    kind: str = ResourceKind.SERVICE,
    published: bool = True,
    clusters=("shoes",),
    actor=None,
    **fields,
) -> Resource:
    """A listing created through the real actions; published by an operator unless told not."""
    provider = provider or make_provider()
    n = next(_seq)
    fields.setdefault("title", f"鞋类检测服务{n}")
    fields.setdefault("category", "检测认证")
    fields.setdefault("description", "依据国家标准开展鞋类物理性能检测。")
    detail = fields.pop("detail", None)
    if detail is None and kind == ResourceKind.EXPERT:
        detail = {"person_name": f"专家{n}"}
    if detail is None and kind == ResourceKind.POLICY:
        detail = {"issuer": "鹿城区科技局"}
    if actor is None:
        actor = make_user(Role.OPERATOR) if published else provider.memberships.first().user
    return actions.resource_create(
        actor=actor,
        provider=provider,
        kind=kind,
        clusters=list(Cluster.objects.filter(code__in=clusters)),
        detail=detail,
        publish=published,
        **fields,
    )

"""Searching the resource library: one query box over every kind, with facets, highlights and
suggestions. The HTML results page, `GET /api/v1/search` and the export all call
`search_resources()`, which ranks with atelier.search.engine and loads the Resource rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from atelier.core.models import Cluster, District
from atelier.orgs.models import Organization
from atelier.search import engine
from atelier.search.highlight import highlight

from .models import Resource, ResourceKind, ResourceStatus

MAX_QUERY_LENGTH = 1000
MAX_PAGE_SIZE = 50
FACET_LABEL_LIMIT = 20  # provider and category facets show the top values only


@dataclass
class Filters:
    kind: str = ""
    industry: str = ""  # cluster code
    district: str = ""  # GB/T 2260 code (or 000000 市外)
    category: str = ""
    voucher: bool | None = None
    provider: int | None = None

    @classmethod
    def parse(cls, data) -> tuple[Filters, list[str]]:
        """Read filters from a QueryDict or dict; unknown values are reported, not fatal."""
        problems: list[str] = []
        f = cls()
        kind = (data.get("kind") or "").strip()
        if kind:
            if kind in ResourceKind.values:
                f.kind = kind
            else:
                problems.append(_("未知的资源类型：%(v)s") % {"v": kind})
        industry = (data.get("industry") or "").strip()
        if industry:
            cluster = Cluster.objects.lookup(industry)
            if cluster:
                f.industry = cluster.code
            else:
                problems.append(_("未知的行业：%(v)s") % {"v": industry})
        district = (data.get("district") or "").strip()
        if district:
            d = District.objects.lookup(district)
            if d:
                f.district = d.code
            else:
                problems.append(_("未知的区县：%(v)s") % {"v": district})
        f.category = (data.get("category") or "").strip()[:40]
        voucher = (data.get("voucher") or "").strip().lower()
        if voucher in ("1", "true", "yes", "是", "on"):
            f.voucher = True
        elif voucher in ("0", "false", "no", "否"):
            f.voucher = False
        provider = (data.get("provider") or "").strip()
        if provider:
            if provider.isdigit():
                f.provider = int(provider)
            else:
                problems.append(_("机构编号无效：%(v)s") % {"v": provider})
        return f, problems

    def as_engine(self) -> dict:
        return {
            "kind": self.kind,
            "industry": self.industry,
            "district": self.district,
            "category": self.category,
            "voucher": self.voucher,
            "provider": self.provider,
        }

    def apply(self, qs):
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.industry:
            qs = qs.filter(clusters__code=self.industry)
        if self.district:
            qs = qs.filter(district_id=self.district)
        if self.category:
            qs = qs.filter(category=self.category)
        if self.voucher is not None:
            qs = qs.filter(voucher_eligible=self.voucher)
        if self.provider:
            qs = qs.filter(provider_id=self.provider)
        return qs

    @property
    def active(self) -> bool:
        return any(v not in ("", None) for v in self.as_engine().values())


@dataclass
class ResourceHit:
    resource: Resource
    score: float
    title_html: str
    highlight: str
    terms: list[str]


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchPage:
    query: str
    filters: Filters
    count: int
    page: int
    page_size: int
    hits: list[ResourceHit]
    facets: dict[str, list[FacetValue]]
    terms: list[str] = field(default_factory=list)
    approximate: bool = False
    suggestions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    relaxed_count: int | None = None  # results without the filters, offered when none match

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def clean_query(q: str) -> str:
    return " ".join((q or "").split())[:MAX_QUERY_LENGTH]


def search_resources(
    q: str, filters: Filters | None = None, *, page: int = 1, page_size: int = 10
) -> SearchPage:
    """Published resources matching `q` (all of them, newest first, when `q` is empty)."""
    filters = filters or Filters()
    q = clean_query(q)
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    offset = (page - 1) * page_size
    if not q:
        return _browse(filters, page, page_size)
    result = engine.search(q, filters=filters.as_engine(), offset=offset, limit=page_size)
    resources = Resource.objects.for_list().in_bulk([h.doc_id for h in result.hits])
    hits = []
    for h in result.hits:
        r = resources.get(h.doc_id)
        if r is None or r.status != ResourceStatus.PUBLISHED:
            continue  # the index lags a concurrent archive by one commit at most
        hits.append(
            ResourceHit(
                resource=r,
                score=h.score,
                title_html=highlight(r.title, h.terms),
                highlight=highlight(r.description, h.terms, length=120),
                terms=h.terms,
            )
        )
    out = SearchPage(
        query=q,
        filters=filters,
        count=result.count,
        page=page,
        page_size=page_size,
        hits=hits,
        facets=_label_facets(result.facets, filters),
        terms=result.terms,
        approximate=result.approximate,
    )
    if result.count == 0:
        if filters.active:
            out.relaxed_count = engine.search(q, limit=1).count
        out.suggestions = engine.suggestions(q)
    return out


def _browse(filters: Filters, page: int, page_size: int) -> SearchPage:
    base = Resource.objects.published()
    qs = filters.apply(base).distinct()
    count = qs.count()
    offset = (page - 1) * page_size
    rows = list(qs.for_list().order_by("-published_at", "-id")[offset : offset + page_size])
    hits = [
        ResourceHit(r, 0.0, highlight(r.title, []), highlight(r.description, [], 120), [])
        for r in rows
    ]
    return SearchPage("", filters, count, page, page_size, hits, _browse_facets(filters))


def _browse_facets(filters: Filters) -> dict[str, list[FacetValue]]:
    """Facet counts over all published resources (cached for a minute: they change slowly)."""
    marker = Resource.objects.published().aggregate(n=Count("id"), at=Max("updated_at"))
    signature = repr((sorted(filters.as_engine().items(), key=str), marker["n"], marker["at"]))
    key = "catalog:browse-facets:" + hashlib.sha1(signature.encode()).hexdigest()
    raw = cache.get(key)
    if raw is None:
        base = Resource.objects.published()
        raw = {}
        for name, column in [
            ("kind", "kind"),
            ("district", "district_id"),
            ("category", "category"),
            ("voucher", "voucher_eligible"),
            ("provider", "provider_id"),
            ("industry", "clusters__code"),
        ]:
            others = Filters(**{**filters.__dict__, name: Filters().__dict__[name]})
            rows = (
                others.apply(base)
                .exclude(**{f"{column}__isnull": True})
                .values(column)
                .annotate(n=Count("id", distinct=True))
                .order_by("-n")
            )
            raw[name] = {
                ("1" if r[column] is True else "0" if r[column] is False else str(r[column])): r[
                    "n"
                ]
                for r in rows
                if r[column] != ""
            }
        cache.set(key, raw, 60)
    return _label_facets(raw, filters)


def _label_facets(raw: dict[str, dict[str, int]], filters: Filters) -> dict[str, list[FacetValue]]:
    kinds = dict(ResourceKind.choices)
    districts = {d.code: d.label for d in District.objects.all()}
    clusters = {c.code: c.label for c in Cluster.objects.all()}
    provider_ids = [int(v) for v, _ in _top(raw.get("provider", {}))]
    providers = dict(Organization.objects.filter(pk__in=provider_ids).values_list("pk", "name"))
    selected = {
        "kind": filters.kind,
        "industry": filters.industry,
        "district": filters.district,
        "category": filters.category,
        "voucher": "" if filters.voucher is None else ("1" if filters.voucher else "0"),
        "provider": str(filters.provider or ""),
    }
    labels = {
        "kind": lambda v: str(kinds.get(v, v)),
        "industry": lambda v: clusters.get(v, v),
        "district": lambda v: districts.get(v, v),
        "category": lambda v: v,
        "voucher": lambda v: _("可用创新券") if v == "1" else _("不可用创新券"),
        "provider": lambda v: providers.get(int(v), v) if v.isdigit() else v,
    }
    out = {}
    for name in ("kind", "industry", "district", "category", "voucher", "provider"):
        values = raw.get(name, {})
        items = _top(values) if name in ("provider", "category") else values.items()
        out[name] = [
            FacetValue(v, labels[name](v), n, selected[name] == v) for v, n in items if n > 0
        ]
    return out


def _top(values: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(values.items(), key=lambda kv: -kv[1])[:FACET_LABEL_LIMIT]

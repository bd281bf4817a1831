"""Matching: who can help with a demand, and why.

Two layers. `atelier.catalog.matching.candidates()` finds the resources whose text answers the
demand (lexical BM25F + sentence embeddings + query intent) and gives each a calibrated relevance.
This module adds what a broker would weigh next — does the kind of resource fit the demand type,
the industry, the provider's track record, voucher eligibility, distance — with weights the
operator sets (MatchWeights), and writes the explanation a person reads.

score = Σ weightᵢ · factorᵢ / Σ weightᵢ, every factor in [0, 1]. A factor with no information
(no industry given, no district known, a provider without history) takes its neutral value, so
it moves nothing. The default weights keep text relevance dominant: the business factors break
ties among good answers; they do not lift a poor answer over a good one.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from atelier.catalog.models import Resource, ResourceKind
from atelier.core.codes import OUTSIDE_CODE

from .models import (
    FINAL_STATES,
    OPEN_STATES,
    TYPE_KINDS,
    Demand,
    Docking,
    DockingStatus,
    MatchWeights,
)

MATCH_KINDS = (
    ResourceKind.SERVICE,
    ResourceKind.EXPERT,
    ResourceKind.INSTRUMENT,
    ResourceKind.ACHIEVEMENT,
)
NEUTRAL = 0.5  # the value of a factor nothing is known about


@dataclass
class Factor:
    code: str
    label: str
    detail: str
    value: float  # 0..1
    weight: float

    def as_dict(self) -> dict:
        return {
            "factor": self.code,
            "label": self.label,
            "detail": self.detail,
            "value": round(self.value, 3),
            "weight": round(self.weight, 3),
        }


@dataclass
class Match:
    resource_id: int
    score: float
    resource: Resource | None = None
    factors: list[Factor] = field(default_factory=list)
    matched_terms: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    @property
    def summary(self) -> str:
        shown = [f.detail for f in self.factors if f.code != "relevance" and f.value > NEUTRAL]
        head = (
            _("匹配词：%(terms)s") % {"terms": "、".join(self.matched_terms[:6])}
            if self.matched_terms
            else _("语义相近")
        )
        return "；".join([head, *shown])

    @property
    def explanation(self) -> dict:
        return {"summary": self.summary, "factors": [f.as_dict() for f in self.factors]}


@dataclass
class Context:
    """What we know of the asker beyond the text."""

    industry: str | None = None  # cluster code
    district: str | None = None  # district code of the enterprise
    demand_type: str | None = None
    kinds: list[str] | None = None


STANDARD_TERM = re.compile(r"^(gb|gbt|gbz|qbt|fzt|hgt|sjt|iso|en|astm)(\d[\d.\-]*)$")


def display_terms(terms) -> list[str]:
    """Matched terms as a person reads them: search-mode segmentation also yields the pieces of
    a long word (邻苯二甲酸酯 → 二甲, 甲酸, 酯), so show whole words only; standard numbers as
    written ("gbt3903.6" → "GB/T 3903.6")."""
    unique = [t for t in dict.fromkeys(terms) if t and not t.startswith("~")]
    out = []
    for t in unique:
        if len(t) < 2 or any(t != o and t in o for o in unique):
            continue
        m = STANDARD_TERM.match(t)
        if m:
            family = m.group(1).upper()
            family = family[:-1] + "/T" if family.endswith("T") and len(family) == 3 else family
            t = f"{family} {m.group(2)}"
        out.append(t)
    return out


def provider_quality(provider_ids) -> dict[int, tuple[float, str]]:
    """(value 0..1, description) per provider from its docking record: the share of finished
    dockings that ended in a contract (smoothed towards neutral with two pseudo-dockings) and the
    median hours to a first response. Service orders and ratings join here once they exist."""
    provider_ids = set(provider_ids)
    if not provider_ids:
        return {}
    rows = (
        Docking.objects.filter(provider_id__in=provider_ids)
        .values("provider_id")
        .annotate(
            finished=Count("pk", filter=Q(status__in=FINAL_STATES)),
            won=Count("pk", filter=Q(status=DockingStatus.WON)),
        )
    )
    response = defaultdict(list)
    for pid, started, responded in Docking.objects.filter(
        provider_id__in=provider_ids, responded_at__isnull=False
    ).values_list("provider_id", "started_at", "responded_at"):
        response[pid].append((responded - started).total_seconds() / 3600)
    out = {}
    for row in rows:
        finished, won = row["finished"], row["won"]
        if not finished:
            continue
        value = (won + 2 * NEUTRAL) / (finished + 2)
        hours = response.get(row["provider_id"])
        text = _("对接成交 %(won)d/%(n)d") % {"won": won, "n": finished}
        if hours:
            text += _("，响应中位 %(h).0f 小时") % {"h": median(hours)}
        out[row["provider_id"]] = (value, text)
    return out


def _distance(resource: Resource, district: str | None) -> tuple[float, str] | None:
    if not district:
        return None
    if resource.district_id == district:
        return 1.0, _("同区县（%(d)s）") % {"d": resource.district.label}
    if resource.district_id == OUTSIDE_CODE:
        return 0.2, _("温州市外")
    return 0.6, _("温州市内（%(d)s）") % {"d": resource.district.label}


def _industry(resource: Resource, industry: str | None) -> tuple[float, str] | None:
    if not industry:
        return None
    codes = {c.code: c.label for c in resource.clusters.all()}
    if industry in codes:
        return 1.0, _("行业契合（%(c)s）") % {"c": codes[industry]}
    if codes.keys() & {"general", "supporting"}:
        return 0.6, _("通用/配套服务")
    if not codes:
        return NEUTRAL, _("未标注行业")
    return 0.1, _("行业不同（%(c)s）") % {"c": "、".join(codes.values())}


def rank(text: str, context: Context, *, limit: int = 10, weights=None) -> list[Match]:
    from atelier.catalog.matching import candidates

    weights = weights or MatchWeights.current().as_floats()
    kinds = [k for k in (context.kinds or MATCH_KINDS) if k in MATCH_KINDS]
    found = candidates(text, kinds=kinds, industry=context.industry, limit=max(limit * 4, 40))
    if not found:
        return []
    resources = (
        Resource.objects.filter(pk__in=[c.resource_id for c in found])
        .select_related("provider", "district")
        .prefetch_related("clusters")
        .in_bulk()
    )
    quality = provider_quality(r.provider_id for r in resources.values())
    type_kinds = TYPE_KINDS.get(context.demand_type, ())
    total_weight = sum(weights.values()) or 1.0
    matches = []
    for cand in found:
        resource = resources.get(cand.resource_id)
        if resource is None:
            continue
        factors = [
            Factor("relevance", _("文本相关度"), _("文本与语义相关度"), cand.relevance,
                   weights["relevance"]),
        ]  # fmt: skip
        wanted = list(type_kinds) or list(cand.intent_kinds)
        if wanted:
            fits = resource.kind in wanted
            kind_label = ResourceKind(resource.kind).label
            kind_text = _("需要的资源类型（%(k)s）") if fits else _("资源类型为%(k)s")
            factors.append(
                Factor(
                    "kind_fit", _("类型契合"),
                    kind_text % {"k": kind_label},
                    1.0 if fits else 0.0, weights["kind_fit"],
                )
            )  # fmt: skip
        else:
            factors.append(Factor("kind_fit", _("类型契合"), "", NEUTRAL, weights["kind_fit"]))
        ind = _industry(resource, context.industry)
        factors.append(
            Factor("industry_fit", _("行业契合"), ind[1] if ind else "",
                   ind[0] if ind else NEUTRAL, weights["industry_fit"])
        )  # fmt: skip
        q = quality.get(resource.provider_id)
        factors.append(
            Factor("quality", _("服务质量"), q[1] if q else _("暂无服务记录"),
                   q[0] if q else NEUTRAL, weights["quality"])
        )  # fmt: skip
        factors.append(
            Factor(
                "voucher", _("创新券"),
                _("可用创新券") if resource.voucher_eligible else _("不可用创新券"),
                1.0 if resource.voucher_eligible else NEUTRAL, weights["voucher"],
            )
        )  # fmt: skip
        dist = _distance(resource, context.district)
        factors.append(
            Factor("distance", _("距离"), dist[1] if dist else "",
                   dist[0] if dist else NEUTRAL, weights["distance"])
        )  # fmt: skip
        score = sum(f.value * f.weight for f in factors) / total_weight
        matches.append(
            Match(resource.pk, score, resource, factors, display_terms(cand.matched_terms))
        )
    matches.sort(key=lambda m: (-m.score, m.resource_id))
    return matches[:limit]


def match_text(text, *, industry=None, kinds=None, district=None, limit=10, weights=None):
    """Matches for free text (the API and the live preview while typing a demand)."""
    context = Context(industry=industry or None, district=district or None, kinds=kinds)
    return rank(text, context, limit=limit, weights=weights)


def match_demand(demand: Demand, *, limit=10, weights=None) -> list[Match]:
    context = Context(
        industry=demand.cluster_id,
        district=demand.enterprise.district_id,
        demand_type=demand.type,
    )
    return rank(demand.matching_text(), context, limit=limit, weights=weights)


def opportunities(provider, *, limit=20) -> list[tuple[Demand, float, list[str]]]:
    """商机: open demands this provider could serve, best first, with the demand words its
    listings contain. Each open demand (hundreds, not millions) is compared with the provider's
    published resources: the best calibrated cosine of the sentence embeddings, plus the share of
    the demand's query terms that appear in the provider's listings."""
    from atelier.catalog.matching import calibrate
    from atelier.search import analysis, semantic

    own = list(
        Resource.objects.published()
        .filter(provider=provider, kind__in=MATCH_KINDS)
        .values_list("pk", "title", "category", "keywords", "description")
    )
    if not own:
        return []
    vocabulary = set()
    for _pk, *texts in own:
        vocabulary.update(analysis.tokenize(" ".join(texts)))
    vectors = semantic.matrix()
    own_ids = [row[0] for row in own]
    demands = (
        Demand.objects.filter(status__in=OPEN_STATES)
        .exclude(enterprise=provider)
        .select_related("enterprise", "cluster")
        .order_by("-published_at")[:300]
    )
    results = []
    for demand in demands:
        text = demand.matching_text()
        sims = vectors.similarity(semantic.encode_query(text), own_ids)
        semantic_part = calibrate(max(sims.values())) if sims else 0.0
        terms = [
            t for t in display_terms(t for t in analysis.query_terms(text) if t in vocabulary)
            if not t.isdigit()
        ]  # fmt: skip
        lexical_part = min(len(terms) / 6, 1.0)
        score = 0.6 * semantic_part + 0.4 * lexical_part
        if score >= 0.25:
            results.append((demand, score, terms))
    results.sort(key=lambda r: (-r[1], -r[0].pk))
    return results[:limit]

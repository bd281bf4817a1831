"""The matching and demand-hall API.

`POST /match` is public (DESIGN.md §4): the search result shape plus an explanation per result.
Demands are read through the same visibility rules as the pages, and an anonymous demand's
enterprise is never serialised for someone who may not know it.
"""

from datetime import date

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from atelier.core.errors import ActionError, NotAllowed
from atelier.core.models import Cluster
from atelier.search.highlight import highlight

from . import matching, permissions
from .models import Demand, DemandStatus, DemandType

router = Router(tags=["demands"])


class MatchIn(Schema):
    text: str = Field(..., max_length=4000)
    industry: str | None = None
    kinds: list[str] | None = None
    district: str | None = None
    limit: int = Field(10, ge=1, le=50)


class FactorOut(Schema):
    factor: str
    label: str
    detail: str
    value: float
    weight: float


class ExplanationOut(Schema):
    summary: str
    matched_terms: list[str]
    factors: list[FactorOut]


class MatchHitOut(Schema):
    id: int
    external_id: str | None
    kind: str
    title: str
    provider: str
    district: str
    score: float
    highlight: str
    explanation: ExplanationOut


class MatchOut(Schema):
    count: int
    results: list[MatchHitOut]


def _hits(matches) -> list[dict]:
    out = []
    for m in matches:
        r = m.resource
        out.append(
            {
                "id": r.pk,
                "external_id": r.external_id,
                "kind": r.kind,
                "title": r.title,
                "provider": r.provider.name,
                "district": r.district.name,
                "score": round(m.score, 4),
                "highlight": str(highlight(r.description, m.matched_terms, length=120)),
                "explanation": {
                    "summary": m.summary,
                    "matched_terms": m.matched_terms,
                    "factors": [f.as_dict() for f in m.factors],
                },
            }
        )
    return out


@router.post("/match", response=MatchOut, summary="按需求文本匹配资源（公开）", auth=None)
def match(request, payload: MatchIn):
    text = payload.text.strip()
    if len(text) < 2:
        raise ActionError(_("请描述需求（至少 2 个字）。"), code="text_too_short")
    kinds = payload.kinds or None
    if kinds:
        unknown = [k for k in kinds if k not in matching.MATCH_KINDS]
        if unknown:
            raise ActionError(
                _("不支持的资源类型：%(k)s（可选 service、expert、instrument、achievement）")
                % {"k": "、".join(unknown)},
                code="invalid_kind",
            )
    industry = payload.industry or None
    if industry:
        found = Cluster.objects.lookup(industry)
        if found is None:
            raise ActionError(_("未知的行业：%(v)s") % {"v": industry}, code="invalid_industry")
        industry = found.code
    matches = matching.match_text(
        text, industry=industry, kinds=kinds, district=payload.district, limit=payload.limit
    )
    return {"count": len(matches), "results": _hits(matches)}


class DemandParams(Schema):
    type: str = ""
    industry: str = ""
    status: str = ""
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=100)


class DemandOut(Schema):
    id: int
    type: str
    type_label: str
    title: str
    description: str
    industry: str | None
    budget_min: str | None
    budget_max: str | None
    deadline: date
    status: str
    anonymous: bool
    enterprise: str
    translation: dict | None
    url: str


class DemandPage(Schema):
    count: int
    page: int
    results: list[DemandOut]


def _demand(user, d: Demand) -> dict:
    return {
        "id": d.pk,
        "type": d.type,
        "type_label": d.get_type_display(),
        "title": d.title,
        "description": d.description,
        "industry": d.cluster_id,
        "budget_min": None if d.budget_min is None else f"{d.budget_min:.2f}",
        "budget_max": None if d.budget_max is None else f"{d.budget_max:.2f}",
        "deadline": d.deadline,
        "status": d.status,
        "anonymous": d.is_anonymous,
        "enterprise": permissions.enterprise_label(user, d),
        "translation": {
            "keywords": d.tech_keywords,
            "standards": d.tech_standards,
            "methods": d.tech_methods,
            "summary": d.tech_summary,
        }
        if d.translated
        else None,
        "url": d.get_absolute_url(),
    }


@router.get("/demands", response=DemandPage, summary="需求大厅（按权限可见）", auth=None)
def demands(request, params: Query[DemandParams]):
    qs = Demand.objects.visible_to(request.user).select_related("enterprise", "cluster")
    if params.type:
        if params.type not in DemandType.values:
            raise ActionError(_("未知的需求类型：%(v)s") % {"v": params.type}, code="invalid_type")
        qs = qs.filter(type=params.type)
    if params.industry:
        qs = qs.filter(cluster_id=params.industry)
    if params.status:
        if params.status not in DemandStatus.values:
            raise ActionError(_("未知的状态：%(v)s") % {"v": params.status}, code="invalid_status")
        qs = qs.filter(status=params.status)
    page = Paginator(qs.order_by("-published_at", "-id"), params.page_size).get_page(params.page)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "results": [_demand(request.user, d) for d in page.object_list],
    }


@router.get("/demands/{demand_id}", response=DemandOut, summary="需求详情", auth=None)
def demand_detail(request, demand_id: int):
    return _demand(request.user, permissions.get_demand_for_user(request.user, demand_id))


@router.get("/demands/{demand_id}/matches", response=MatchOut, summary="需求的匹配结果")
def demand_matches(request, demand_id: int):
    demand = permissions.get_demand_for_user(request.user, demand_id)
    user = request.user
    if not (
        permissions.is_member(user, demand.enterprise_id)
        or permissions.is_operator(user)
        or permissions.is_broker(user)
        or permissions.reads_everything(user)
    ):
        raise NotAllowed(_("只有需求企业、技术经纪人和运营方可以查看匹配结果。"))
    matches = matching.match_demand(demand, limit=10)
    return {"count": len(matches), "results": _hits(matches)}

from ninja import Query, Router, Schema

from .searching import Filters, search_resources

router = Router(tags=["resources"])


class SearchParams(Schema):
    q: str = ""
    kind: str = ""
    industry: str = ""
    district: str = ""
    category: str = ""
    voucher: str = ""
    provider: str = ""
    page: int = 1
    page_size: int = 10


class SearchHitOut(Schema):
    id: int
    external_id: str | None
    kind: str
    title: str
    provider: str
    district: str
    score: float
    highlight: str


class FacetOut(Schema):
    value: str
    label: str
    count: int


class SearchOut(Schema):
    count: int
    approximate: bool
    page: int
    page_size: int
    results: list[SearchHitOut]
    facets: dict[str, list[FacetOut]]
    suggestions: list[str]


@router.get("/search", response=SearchOut, summary="检索资源库（公开）", auth=None)
def search(request, params: Query[SearchParams]):
    filters, problems = Filters.parse(params.dict())
    if problems:
        from atelier.core.errors import ActionError

        raise ActionError("；".join(problems), code="invalid_filter")
    page = search_resources(params.q, filters, page=params.page, page_size=params.page_size)
    return {
        "count": page.count,
        "approximate": page.approximate,
        "page": page.page,
        "page_size": page.page_size,
        "results": [
            {
                "id": h.resource.pk,
                "external_id": h.resource.external_id,
                "kind": h.resource.kind,
                "title": h.resource.title,
                "provider": h.resource.provider.name,
                "district": h.resource.district.name,
                "score": round(h.score, 4),
                "highlight": str(h.highlight),
            }
            for h in page.hits
        ],
        "facets": {
            name: [{"value": f.value, "label": f.label, "count": f.count} for f in values]
            for name, values in page.facets.items()
        },
        "suggestions": page.suggestions,
    }

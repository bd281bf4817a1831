from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from .searching import Filters, search_resources

PAGE_SIZE = 10


@vary_on_headers("HX-Request")
def results(request: HttpRequest) -> HttpResponse:
    """The resource library: one query box over every kind, htmx facet filters, highlights."""
    filters, problems = Filters.parse(request.GET)
    try:
        page = int(request.GET.get("page") or 1)
    except ValueError:
        page = 1
    result = search_resources(request.GET.get("q", ""), filters, page=page, page_size=PAGE_SIZE)
    result.problems = problems
    params = request.GET.copy()
    params.pop("page", None)
    ctx = {"result": result, "params": params.urlencode()}
    template = "catalog/search_results.html"
    if request.htmx and request.htmx.target == "search-results":
        template += "#results"
    return render(request, template, ctx)

"""Template tags of the service orders for pages of other apps (the catalog's provider page),
so that those apps show order figures without importing the orders app."""

from django import template
from django.db.models import Avg, Count

from ..models_orders import Rating

register = template.Library()
LATEST = 5


def _stars(average: float) -> list[str]:
    """Five Bootstrap icon names for `average`, rounded to the nearest half star."""
    halves = round(average * 2)
    return ["star-fill" if halves >= 2 * i else "star-half" if halves == 2 * i - 1 else "star"
            for i in range(1, 6)]  # fmt: skip


@register.inclusion_tag("orders/_provider_ratings.html")
def provider_ratings(provider):
    """The provider's service ratings: average score, count and the latest comments; an empty
    context (nothing rendered) when it has none."""
    ratings = Rating.objects.filter(order__provider=provider)
    figures = ratings.aggregate(average=Avg("score"), count=Count("pk"))
    if not figures["count"]:
        return {"count": 0}
    average = float(figures["average"])
    latest = ratings.exclude(comment="").order_by("-at", "-pk")[:LATEST]
    return {
        "count": figures["count"],
        "average": round(average, 1),
        "stars": _stars(average),
        "latest": list(latest),
    }

"""Template tags of the service orders for pages of other apps (the catalog's provider page),
so that those apps show order figures without importing the orders app."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.db.models import Avg, Count

from ..models_orders import Rating

register = template.Library()
LATEST = 5


def _stars(average: Decimal) -> list[str]:
    """Five Bootstrap icon names for `average`, rounded to the nearest half star."""
    halves = int((average * 2).quantize(Decimal(1), ROUND_HALF_UP))
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
    # The mean of 1–5 scores, computed exactly (Avg may come back as float on SQLite).
    average = Decimal(sum(ratings.values_list("score", flat=True))) / figures["count"]
    latest = ratings.exclude(comment="").order_by("-at", "-pk")[:LATEST]
    return {
        "count": figures["count"],
        "average": average.quantize(Decimal("0.1"), ROUND_HALF_UP),
        "stars": _stars(average),
        "latest": list(latest),
    }

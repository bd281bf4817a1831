from django import template
from django.utils.html import format_html

register = template.Library()

STATUS_CLASSES = {
    "pending": "text-bg-warning",
    "submitted": "text-bg-warning",
    "verified": "text-bg-success",
    "accepted": "text-bg-success",
    "published": "text-bg-success",
    "rejected": "text-bg-danger",
    "declined": "text-bg-secondary",
    "revoked": "text-bg-secondary",
    "suspended": "text-bg-dark",
    "docking": "text-bg-primary",
    "resolved": "text-bg-success",
    "closed": "text-bg-secondary",
    "expired": "text-bg-light",
    "interested": "text-bg-info",
    "proposed": "text-bg-warning",
    "active": "text-bg-primary",
    "won": "text-bg-success",
    "lost": "text-bg-secondary",
    "cancelled": "text-bg-secondary",
    "requested": "text-bg-warning",
    "quoted": "text-bg-info",
    "in_service": "text-bg-primary",
    "delivered": "text-bg-info",
    "confirmed": "text-bg-success",
    "issued": "text-bg-success",
}


@register.simple_tag
def status_badge(obj, field: str = "status"):
    """<span class="badge …">已认证</span> for any model with a choices status field."""
    value = getattr(obj, field)
    label = getattr(obj, f"get_{field}_display")()
    css = STATUS_CLASSES.get(value, "text-bg-light")
    return format_html(
        '<span class="badge rounded-pill {}" data-status="{}">{}</span>', css, value, label
    )


@register.filter
def verb_label(verb: str) -> str:
    from atelier.core.audit import verb_label as label

    return label(verb)


@register.filter
def state_label(value: str, workflow):
    return workflow.state_label(value) if value else "—"


@register.filter
def yuan(value, places: int = 2) -> str:
    """A money amount in yuan for display: thousands separators, fixed decimals, never a float
    on the way ("9163683.5" → "9,163,683.50"). Empty for None. Integers of fen go through
    Decimal(fen) / 100 before they get here."""
    from decimal import Decimal, InvalidOperation

    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    places = int(places)
    quantum = Decimal(1).scaleb(-places)
    return f"{amount.quantize(quantum):,.{places}f}"


@register.filter
def fen(value) -> str:
    """An integer amount of fen shown in yuan: 123456 → "1,234.56" (exact, no float)."""
    from decimal import Decimal

    if value is None or value == "":
        return ""
    return yuan(Decimal(int(value)) / 100)

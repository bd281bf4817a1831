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

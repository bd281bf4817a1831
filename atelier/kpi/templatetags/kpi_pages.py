"""Number formatting for the KPI pages: values in an indicator's own decimals, completion ratios
as percentages, progress statuses as colour classes. Decimal all the way (never float)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

STATUS_CSS = {
    "on_track": "kpi-st-ok",
    "at_risk": "kpi-st-risk",
    "behind": "kpi-st-behind",
    "no_data": "kpi-st-none",
    "no_target": "kpi-st-none",
}


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def kpi_num(value, decimals=0) -> str:
    """1234.5 with 1 decimal → "1,234.5"; None → "—"."""
    number = _decimal(value)
    if number is None:
        return "—"
    places = max(0, min(int(decimals or 0), 4))
    number = number.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return f"{number:,.{places}f}"


@register.filter
def kpi_plain(value) -> str:
    """A Decimal without trailing zeros: 10.00 → "10", 9.50 → "9.5"."""
    number = _decimal(value)
    if number is None:
        return "—"
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def kpi_pct(ratio) -> str:
    """A completion ratio 0.8512 → "85.1%"; None → "—"."""
    number = _decimal(ratio)
    if number is None:
        return "—"
    return f"{(number * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


@register.filter
def kpi_bar(ratio) -> int:
    """Width in % (0–100) of a completion bar."""
    number = _decimal(ratio)
    if number is None:
        return 0
    return int(max(Decimal(0), min(number * 100, Decimal(100))))


@register.filter
def kpi_status_css(status: str) -> str:
    return STATUS_CSS.get(status, "kpi-st-none")

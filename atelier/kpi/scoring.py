"""Scoring rules of a plan row: completion ratio → points (linear, thresholds or pass/fail).

Completion is actual ÷ target for higher-is-better indicators and target ÷ actual for
lower-is-better ones, clipped to [0, cap]. A missing actual earns no points.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from atelier.core.errors import ActionError

from .models import Direction, RuleKind

CENT = Decimal("0.01")


def completion(actual, target, direction: str, cap: Decimal | None = None) -> Decimal | None:
    """The completion ratio, rounded to 4 places for display."""
    ratio = _ratio(actual, target, direction, cap)
    return None if ratio is None else ratio.quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _ratio(actual, target, direction: str, cap: Decimal | None = None) -> Decimal | None:
    if actual is None or target is None:
        return None
    actual, target = Decimal(actual), Decimal(target)
    if direction == Direction.LOWER:
        if actual <= 0:
            ratio = Decimal(1) if target >= 0 else Decimal(0)
            ratio = max(ratio, cap or ratio)
        else:
            ratio = target / actual
    elif target == 0:
        ratio = Decimal(1) if actual >= 0 else Decimal(0)
    else:
        ratio = actual / target
    ratio = max(ratio, Decimal(0))
    if cap is not None:
        ratio = min(ratio, Decimal(cap))
    return ratio


def clean_bands(bands) -> list[list[Decimal]]:
    """Threshold bands as [[ratio, share], …] sorted by ratio, highest first. Raises a clear
    error for anything else."""
    if not isinstance(bands, list) or not bands:
        raise ActionError(_("分档计分至少需要一档（完成率, 得分比例）。"), code="bad_bands")
    cleaned = []
    for band in bands:
        try:
            ratio, share = (Decimal(str(v)) for v in band)
        except Exception as exc:
            raise ActionError(
                _("分档格式应为 [完成率, 得分比例]，例如 [1, 1]、[0.8, 0.6]。"), code="bad_bands"
            ) from exc
        if ratio <= 0 or not (0 <= share <= 1):
            raise ActionError(
                _("分档的完成率须大于 0，得分比例须在 0 到 1 之间。"), code="bad_bands"
            )
        cleaned.append([ratio, share])
    return sorted(cleaned, key=lambda b: b[0], reverse=True)


def points(row, actual, target) -> Decimal:
    """The points `row` earns for `actual` against `target` under its rule."""
    ratio = _ratio(actual, target, row.indicator.direction, row.cap)  # unrounded: exact points
    weight = Decimal(row.weight)
    if ratio is None:
        return Decimal("0.00")
    if row.rule == RuleKind.PASS_FAIL:
        earned = weight if ratio >= 1 else Decimal(0)
    elif row.rule == RuleKind.THRESHOLDS:
        earned = Decimal(0)
        for band_ratio, share in clean_bands(row.bands):
            if ratio >= band_ratio:
                earned = weight * share
                break
    else:
        earned = weight * ratio
    return earned.quantize(CENT, ROUND_HALF_UP)


def rule_text(row) -> str:
    """The rule in plain Chinese, as shown beside the score."""
    cap = f"{Decimal(row.cap) * 100:.0f}%"
    if row.rule == RuleKind.PASS_FAIL:
        return _("完成目标得 %(w)s 分，未完成不得分") % {"w": _fmt(row.weight)}
    if row.rule == RuleKind.THRESHOLDS:
        parts = [
            _("完成率≥%(r)s%% 得 %(p)s 分")
            % {"r": _fmt(r * 100), "p": _fmt(Decimal(row.weight) * s)}
            for r, s in clean_bands(row.bands)
        ]
        return "；".join(parts) + _("；其余不得分")
    return _("得分 = %(w)s × 完成率（封顶 %(cap)s）") % {"w": _fmt(row.weight), "cap": cap}


def _fmt(value) -> str:
    value = Decimal(value).quantize(CENT)
    return f"{value:f}".rstrip("0").rstrip(".")

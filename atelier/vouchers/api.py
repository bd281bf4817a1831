"""The voucher API. `GET /stats/vouchers` is public open data (DESIGN.md §4): figures per year,
district, industry or provider, computed from the ledger by atelier.vouchers.stats; amounts are
decimal strings in yuan, and nothing identifies a person (providers are named: they are
registered organisations that chose to take part)."""

from django.utils.translation import gettext as _
from ninja import Router, Schema

from atelier.api import error, public_auth

from . import stats
from .models import fen_to_yuan

router = Router(tags=["vouchers"])

YEAR_MIN, YEAR_MAX = 2000, 2100


class StatsRowOut(Schema):
    key: str
    label: str
    enterprises: int
    fashion_enterprises: int
    shoe_enterprises: int
    amount_issued: str
    amount_redeemed: str
    fashion_amount_redeemed: str


class StatsOut(Schema):
    group_by: str
    rows: list[StatsRowOut]
    total: StatsRowOut


def _row(figures: stats.Figures) -> dict:
    return {
        "key": figures.key,
        "label": figures.label,
        "enterprises": figures.enterprises,
        "fashion_enterprises": figures.fashion_enterprises,
        "shoe_enterprises": figures.shoe_enterprises,
        "amount_issued": str(fen_to_yuan(figures.issued_fen)),
        "amount_redeemed": str(fen_to_yuan(figures.redeemed_fen)),
        "fashion_amount_redeemed": str(fen_to_yuan(figures.fashion_redeemed_fen)),
    }


@router.get(
    "/stats/vouchers",
    auth=public_auth,
    response={200: StatsOut, 400: dict},
    summary="创新券统计（公开数据）",
)
def voucher_stats(request, group_by: str = "district", year: str = ""):
    """Figures per `group_by` (district | industry | year | provider), for one `year` or, without
    it, for all years since the first voucher."""
    if group_by not in stats.GROUPINGS:
        return error(
            request,
            _("group_by 须为 %(choices)s 之一。") % {"choices": " | ".join(stats.GROUPINGS)},
            "bad_group_by",
            400,
        )
    year = (year or "").strip()
    if year and not (year.isascii() and year.isdigit() and YEAR_MIN <= int(year) <= YEAR_MAX):
        return error(request, _("year 须为四位年份，如 2024。"), "bad_year", 400)
    result = stats.voucher_stats(group_by, int(year) if year else None)
    return {
        "group_by": result.group_by,
        "rows": [_row(r) for r in result.rows],
        "total": _row(result.total),
    }

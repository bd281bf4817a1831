"""The public statistics page of the innovation vouchers (创新券统计, open data) and its xlsx
export.

Every figure comes from stats.voucher_stats(), which sums the ledger on each request: about 0.1 s
for the whole page on the demo's 59,000 ledger rows (stats.py aims at ≤ 1 s per grouping at 10^6
rows, docs/benchmarks.md), so the page keeps no cache of its own. Nothing here names a person:
the rows are districts, industries, years or providers (registered organisations that chose to
take part). The charts read their data from a json_script block (atelier/static/atelier/
voucher-stats.js).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from atelier.catalog.exporting import XLSX_TYPE, _workbook_bytes, write_sheet
from atelier.core.widgets import BootstrapFormMixin
from atelier.demands.views_stats import MONEY, PERCENT

from . import stats
from .models import LedgerEntry, Programme, fen_to_yuan

GROUPING_LABELS = {
    "district": gettext_lazy("区县"),
    "industry": gettext_lazy("行业"),
    "year": gettext_lazy("年份"),
    "provider": gettext_lazy("服务机构"),
}
GROUPING_TITLES = {
    "district": gettext_lazy("按区县"),
    "industry": gettext_lazy("按行业"),
    "year": gettext_lazy("按年份"),
    "provider": gettext_lazy("按服务机构"),
}
CHART_TOP = 15  # bars shown for the long groupings (industry, provider): the largest by amount
WAN = Decimal(10_000)


def percent(part: int, whole: int, rounding=ROUND_HALF_UP) -> Decimal | None:
    """part / whole in per cent with one decimal (21.5), None when whole is zero."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=rounding)


def growth(figures: stats.Figures, name: str) -> str | None:
    """Year-on-year change of a figure in per cent with its sign ("+25.0", "-3.5"), None
    without a previous year or when the previous figure was zero."""
    before = figures.previous
    if before is None or not getattr(before, name):
        return None
    now, then = getattr(figures, name), getattr(before, name)
    return format(percent(now - then, then), "+")


def wan_yuan(fen: int) -> str:
    """An amount in 万元 with two decimals, as a string for the chart (no float on the way)."""
    return str((fen_to_yuan(fen) / WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def stats_years() -> list[int]:
    """The years that have programmes or ledger entries, newest first."""
    years = set(Programme.objects.values_list("year", flat=True).distinct())
    years |= set(
        LedgerEntry.objects.filter(enterprise_id__isnull=False)
        .values_list("year", flat=True)
        .distinct()
        .order_by()
    )
    return sorted(years, reverse=True)


class VoucherStatsForm(BootstrapFormMixin, forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年份"), required=False, coerce=int)
    group_by = forms.ChoiceField(
        label=gettext_lazy("分组"),
        required=False,
        choices=[(key, label) for key, label in GROUPING_LABELS.items()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("全部年份"))] + [(y, str(y)) for y in stats_years()]

    def filters(self) -> tuple[int | None, str]:
        """(year, group_by); a bad value falls back to its default (the form keeps the error)."""
        self.is_valid()
        data = self.cleaned_data
        return data.get("year") or None, data.get("group_by") or "district"


def _params(request: HttpRequest):
    form = VoucherStatsForm(request.GET)
    year, group_by = form.filters()
    return form, year, group_by


def line(figures: stats.Figures) -> dict:
    """One row of the page's table and cards: money as Decimal yuan, shares in per cent."""
    return {
        "figures": figures,
        "key": figures.key,
        "label": figures.label,
        "fashion": figures.fashion,
        "enterprises": figures.enterprises,
        "fashion_enterprises": figures.fashion_enterprises,
        "shoe_enterprises": figures.shoe_enterprises,
        "providers": figures.providers,
        "projects": figures.projects,
        "issued": fen_to_yuan(figures.issued_fen),
        "reserved": fen_to_yuan(figures.reserved_fen),
        "redeemed": fen_to_yuan(figures.redeemed_fen),
        "paid": fen_to_yuan(figures.paid_fen),
        "fashion_redeemed": fen_to_yuan(figures.fashion_redeemed_fen),
        "fashion_share": percent(figures.fashion_enterprises, figures.enterprises),
        "shoe_share": percent(figures.shoe_enterprises, figures.fashion_enterprises),
        "fashion_amount_share": percent(figures.fashion_redeemed_fen, figures.redeemed_fen),
        # Rounded down: 100.0 % only when everything issued was redeemed.
        "redemption_rate": percent(figures.redeemed_fen, figures.issued_fen, ROUND_DOWN),
        "enterprises_growth": growth(figures, "enterprises"),
        "redeemed_growth": growth(figures, "redeemed_fen"),
    }


def chart_data(result: stats.Result) -> dict:
    rows = result.rows
    if result.group_by in ("industry", "provider"):
        rows = sorted(rows, key=lambda r: -r.redeemed_fen)[:CHART_TOP]
    series = [
        (_("发放金额"), "issued_fen"),
        (_("兑付金额"), "redeemed_fen"),
        (_("其中时尚企业兑付"), "fashion_redeemed_fen"),
    ]
    if result.group_by == "provider":  # grants belong to no provider: nothing issued there
        series = series[1:]
    this_year = str(timezone.localdate().year)
    return {
        "kind": "line" if result.group_by == "year" else "bar",
        "labels": [
            _("%(year)s（至今）") % {"year": r.label}
            if result.group_by == "year" and r.key == this_year
            else r.label
            for r in rows
        ],
        "unit": _("万元"),
        "series": [
            {"name": name, "values": [wan_yuan(getattr(r, field)) for r in rows]}
            for name, field in series
        ],
    }


@require_GET
def stats_page(request: HttpRequest) -> HttpResponse:
    form, year, group_by = _params(request)
    result = stats.voucher_stats(group_by, year, compare=year is not None)
    ctx = {
        "form": form,
        "year": year,
        "group_by": group_by,
        "grouping_label": GROUPING_LABELS[group_by],
        "grouping_title": GROUPING_TITLES[group_by],
        "rows": [line(r) for r in result.rows],
        "total": line(result.total),
        "compare": year is not None or group_by == "year",
        "chart_data": chart_data(result),
        "this_year": str(timezone.localdate().year),
        "chart_top": CHART_TOP if group_by in ("industry", "provider") else None,
        "chart_rows": len(result.rows),
        "query": request.GET.urlencode(),
        "filter_errors": [
            (form.fields[name].label, " ".join(errors)) for name, errors in form.errors.items()
        ],
    }
    # A bad filter is ignored (its default is shown) and named above the figures.
    return render(request, "vouchers/stats.html", ctx, status=400 if form.errors else 200)


# ---------------------------------------------------------------- xlsx

HEADER = [
    gettext_lazy("参与企业和单位"),
    gettext_lazy("时尚相关企业"),
    gettext_lazy("时尚企业占比（%）"),
    gettext_lazy("其中鞋类企业"),
    gettext_lazy("发放金额（元）"),
    gettext_lazy("预留金额（元）"),
    gettext_lazy("兑付金额（元）"),
    gettext_lazy("拨付金额（元）"),
    gettext_lazy("时尚企业兑付金额（元）"),
    gettext_lazy("时尚兑付占比（%）"),
    gettext_lazy("兑付率（%）"),
    gettext_lazy("服务机构数"),
    gettext_lazy("服务项目数"),
]
FORMATS = {3: PERCENT, 5: MONEY, 6: MONEY, 7: MONEY, 8: MONEY, 9: MONEY, 10: PERCENT, 11: PERCENT}


def xlsx_row(label: str, figures: stats.Figures) -> list:
    row = line(figures)
    return [
        label,
        row["enterprises"],
        row["fashion_enterprises"],
        row["fashion_share"],
        row["shoe_enterprises"],
        row["issued"],
        row["reserved"],
        row["redeemed"],
        row["paid"],
        row["fashion_redeemed"],
        row["fashion_amount_share"],
        row["redemption_rate"],
        row["providers"],
        row["projects"],
    ]


def stats_workbook(year: int | None, groupings) -> bytes:
    """One sheet per grouping (rows, then the total), after a sheet naming the filter and the
    time of the figures."""
    wb = Workbook()
    wb.remove(wb.active)
    info = write_sheet(
        wb,
        _("说明"),
        [_("指标"), _("数值")],
        [
            [_("数据"), _("温州市创新券统计（公开数据，不含个人信息）")],
            [_("年份"), str(year) if year else _("全部年份")],
            [_("统计时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
            [_("金额单位"), _("元")],
        ],
    )
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 44
    for group_by in groupings:
        result = stats.voucher_stats(group_by, year)
        rows = [xlsx_row(r.label, r) for r in result.rows]
        rows.append(xlsx_row(_("合计"), result.total))
        write_sheet(
            wb,
            str(GROUPING_TITLES[group_by]),
            [str(GROUPING_LABELS[group_by]), *(str(h) for h in HEADER)],
            rows,
            widths=[28 if group_by == "provider" else 16, *[12] * 4, *[16] * 5, *[12] * 4],
            formats={column + 1: f for column, f in FORMATS.items()},
        )
    return _workbook_bytes(wb)


def export_filename(year: int | None, group_by: str | None) -> str:
    parts = [_("创新券统计")]
    if year:
        parts.append(str(year))
    if group_by:
        parts.append(str(GROUPING_LABELS[group_by]))
    parts.append(timezone.localdate().strftime("%Y%m%d"))
    return "-".join(parts) + ".xlsx"


@require_GET
@cache_control(public=True, max_age=300)
def stats_xlsx(request: HttpRequest) -> HttpResponse:
    """The selected grouping, or every grouping (one sheet each) when none is given."""
    form = VoucherStatsForm(request.GET)
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    year = form.cleaned_data["year"] or None
    group_by = form.cleaned_data["group_by"] or None
    data = stats_workbook(year, [group_by] if group_by else stats.GROUPINGS)
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, export_filename(year, group_by)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response

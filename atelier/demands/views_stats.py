"""The demand statistics page (需求统计) and its xlsx export, for platform staff: operators,
reviewers (locked to their district), finance, auditors and sysadmins. The figures come from
stats.py; the charts read them from a json_script block (atelier/static/atelier/demand-stats.js)."""

from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from atelier.accounts.models import Role
from atelier.catalog.exporting import XLSX_TYPE, _workbook_bytes, write_sheet
from atelier.core.models import Cluster, District
from atelier.core.widgets import BootstrapFormMixin

from . import stats as demand_stats

# Who sees the reward totals of all brokers (a broker also sees its own, on its page).
REWARD_READERS = {Role.OPERATOR, Role.FINANCE, Role.AUDITOR}


def can_view_stats(user) -> bool:
    return bool(user and user.is_authenticated and user.is_platform_staff)


def sees_all_rewards(user) -> bool:
    return bool(
        user and user.is_authenticated and (user.is_superuser or user.role in REWARD_READERS)
    )


def _locked_district(user) -> str | None:
    """A reviewer only sees its own district's figures."""
    if user.role == Role.REVIEWER and not user.is_superuser:
        return user.district_id
    return None


class StatsFilterForm(BootstrapFormMixin, forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年份"), required=False, coerce=int)
    district = forms.ModelChoiceField(
        label=gettext_lazy("区县"),
        queryset=District.objects.all(),
        required=False,
        empty_label=gettext_lazy("全部区县"),
    )
    industry = forms.ModelChoiceField(
        label=gettext_lazy("行业"),
        queryset=Cluster.objects.all(),
        required=False,
        empty_label=gettext_lazy("全部行业"),
    )

    def __init__(self, *args, locked_district: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        years = set(demand_stats.publication_years()) | {demand_stats.this_year()}
        self.fields["year"].choices = [("", _("全部年份"))] + [
            (y, str(y)) for y in sorted(years, reverse=True)
        ]
        self.fields["district"].label_from_instance = lambda d: d.label
        self.fields["industry"].label_from_instance = lambda c: c.label
        if locked_district:
            field = self.fields["district"]
            field.disabled = True
            field.initial = locked_district
            field.help_text = _("审核员只能查看本区县的统计。")

    def filters(self, locked_district: str | None = None) -> demand_stats.Filters:
        self.is_valid()  # a bad value drops that filter only; the valid ones stay
        data = self.cleaned_data
        district = data.get("district")
        cluster = data.get("industry")
        return demand_stats.Filters(
            year=data.get("year") or None,
            district=locked_district or (district.pk if district else None),
            cluster=cluster.pk if cluster else None,
        )


def _report(request: HttpRequest):
    if not can_view_stats(request.user):
        raise PermissionDenied(_("只有平台工作人员可以查看需求统计。"))
    locked = _locked_district(request.user)
    form = StatsFilterForm(request.GET, locked_district=locked)
    filters = form.filters(locked)
    return form, filters, demand_stats.report(filters)


def _filter_labels(filters: demand_stats.Filters) -> dict[str, str]:
    district = District.objects.filter(pk=filters.district).first() if filters.district else None
    cluster = Cluster.objects.filter(pk=filters.cluster).first() if filters.cluster else None
    return {
        "year": str(filters.year) if filters.year else _("全部年份"),
        "district": district.label if district else _("全部区县"),
        "industry": cluster.label if cluster else _("全部行业"),
    }


def _chart_data(report: demand_stats.Report) -> dict:
    return {
        "type": {
            "labels": [r.label for r in report.by_type],
            "values": [r.count for r in report.by_type],
            "name": _("需求数"),
        },
        "month": {
            "labels": [r.label for r in report.by_month],
            "values": [r.count for r in report.by_month],
            "name": _("发布需求数"),
        },
        "funnel": {
            "steps": [{"name": label, "value": n} for _key, label, n in report.funnel.steps()],
            "name": _("需求数"),
        },
    }


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    form, filters, report = _report(request)
    funnel = report.funnel
    ctx = {
        "form": form,
        "report": report,
        "filters": filters,
        "labels": _filter_labels(filters),
        "funnel_rows": [(key, label, n, funnel.rate(n)) for key, label, n in funnel.steps()],
        "chart_data": _chart_data(report),
        "sees_rewards": sees_all_rewards(request.user),
        "locked_district": _locked_district(request.user),
        "query": request.GET.urlencode(),
    }
    return render(request, "demands/stats.html", ctx)


# ---------------------------------------------------------------- xlsx

MONEY = "#,##0.00"
PERCENT = "0.0"


def _overview_rows(report: demand_stats.Report, labels: dict) -> list[list]:
    funnel, response = report.funnel, report.response
    rows: list[list] = [
        [_("年份"), labels["year"]],
        [_("区县"), labels["district"]],
        [_("行业"), labels["industry"]],
        [_("统计时间"), timezone.localtime(report.made_at).strftime("%Y-%m-%d %H:%M")],
        [],
    ]
    for _key, label, n in funnel.steps():
        rows.append([label, n])
    rows += [
        [_("签约合同数"), funnel.contracts],
        [_("合同金额合计（元）"), funnel.contract_total],
        [],
        [_("对接总数"), response.dockings],
        [_("已响应对接"), response.responded],
        [_("首次响应时间中位数（小时）"), response.median_hours],
        [_("已到响应期限的对接"), response.due],
        [_("按期响应"), response.on_time],
        [_("逾期响应"), response.late],
        [_("当前超期未响应"), response.overdue_now],
        [_("按期响应率（%）"), response.on_time_rate],
    ]
    return rows


def stats_workbook(report: demand_stats.Report, labels: dict, *, rewards: bool) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    ws = write_sheet(wb, _("概览"), [_("指标"), _("数值")], _overview_rows(report, labels))
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 20
    for (cell,) in ws.iter_rows(min_col=2, max_col=2, min_row=2):
        if isinstance(cell.value, Decimal):  # money has two decimals, percentages one
            cell.number_format = MONEY if cell.value.as_tuple().exponent == -2 else PERCENT
    funnel = report.funnel
    write_sheet(
        wb,
        _("对接漏斗"),
        [_("环节"), _("需求数"), _("占已发布（%）")],
        [[label, n, funnel.rate(n)] for _key, label, n in funnel.steps()],
        widths=[18, 10, 14],
        formats={3: PERCENT},
    )
    for title, head, rows in (
        (_("按类型"), _("需求类型"), report.by_type),
        (_("按行业"), _("行业"), report.by_cluster),
        (_("按区县"), _("区县"), report.by_district),
        (_("按月份"), _("月份"), report.by_month),
    ):
        write_sheet(
            wb, title, [head, _("需求数")], [[r.label, r.count] for r in rows], widths=[18, 10]
        )
    header = [
        _("技术经纪人"), _("所在单位"), _("指派需求"), _("经手对接"), _("签约"),
        _("已结束对接"), _("成功率（%）"),
    ]  # fmt: skip
    if rewards:
        header.append(_("奖励合计（元）"))
    rows = []
    for profile, f in report.brokers:
        row = [
            str(profile), profile.employer, f.assigned, f.handled, f.won, f.finished,
            f.success_rate,
        ]  # fmt: skip
        if rewards:
            row.append(f.rewards_total)
        rows.append(row)
    formats = {7: PERCENT, 8: MONEY} if rewards else {7: PERCENT}
    widths = [14, 30, 10, 10, 8, 10, 10, 14]
    write_sheet(wb, _("技术经纪人"), header, rows, widths=widths, formats=formats)
    return _workbook_bytes(wb)


def export_filename(labels: dict, filters: demand_stats.Filters) -> str:
    parts = [_("需求统计")]
    if filters.year:
        parts.append(labels["year"])
    if filters.district:
        parts.append(labels["district"])
    if filters.cluster:
        parts.append(labels["industry"])
    parts.append(timezone.localdate().strftime("%Y%m%d"))
    return "-".join(parts) + ".xlsx"


@login_required
@require_GET
def stats_xlsx(request: HttpRequest) -> HttpResponse:
    _form, filters, report = _report(request)
    labels = _filter_labels(filters)
    data = stats_workbook(report, labels, rewards=sees_all_rewards(request.user))
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, export_filename(labels, filters)
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

"""The data cockpit (数据驾驶舱): a normal-screen page, a big-screen page (dark, 1920 × 1080,
full screen) and the JSON both pages fetch every minute. The figures come from
`cockpit.cached_build()`; the views only parse the filters and check who may look.

Who may look: operator, reviewer, finance, auditor, sysadmin (and superusers). A reviewer's
default filter is its own district (it may widen it: the figures are aggregates, no record of
another district is shown).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from atelier.accounts.models import Role

from . import cockpit

COCKPIT_ROLES = {Role.OPERATOR, Role.REVIEWER, Role.FINANCE, Role.AUDITOR, Role.SYSADMIN}


def can_view_cockpit(user) -> tuple[bool, str]:
    """(allowed, reason shown when not)."""
    if not user.is_authenticated:
        return False, _("请先登录。")
    if user.reads_everything or user.role in COCKPIT_ROLES:
        return True, ""
    return False, _(
        "数据驾驶舱仅向运营方、主管部门审核员、财政、审计和系统管理员开放；"
        "企业和服务机构可在“创新券统计”查看公开数据。"
    )


def _check(request: HttpRequest) -> None:
    allowed, reason = can_view_cockpit(request.user)
    if not allowed:
        raise PermissionDenied(reason)


class CockpitFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int)
    district = forms.ChoiceField(label=gettext_lazy("区县"), required=False)
    cluster = forms.ChoiceField(label=gettext_lazy("行业"), required=False)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, _("%(y)s 年") % {"y": y}) for y in years]
        self.fields["district"].choices = [("", _("温州全市")), *cockpit.district_choices()]
        self.fields["cluster"].choices = [("", _("全部行业")), *cockpit.cluster_choices()]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


def filters_for(request: HttpRequest) -> tuple[CockpitFilterForm, dict, list]:
    """The bound form, the cleaned filters (year, district, cluster) and errors to show. An
    invalid value falls back to its default; a reviewer's default district is its own."""
    years = cockpit.cached_years()
    default_year = cockpit.this_year() if cockpit.this_year() in years else years[0]
    default_district = ""
    user = request.user
    if user.role == Role.REVIEWER and getattr(user, "district_id", None):
        default_district = user.district_id
    data = {
        "year": request.GET.get("year", default_year),
        "district": request.GET.get("district", default_district),
        "cluster": request.GET.get("cluster", ""),
    }
    form = CockpitFilterForm(data, years=years)
    errors = []
    if form.is_valid():
        cleaned = form.cleaned_data
    else:
        cleaned = {"year": default_year, "district": default_district, "cluster": ""}
        for name in ("year", "district", "cluster"):
            if name in form.errors:
                errors.append((form.fields[name].label, form.errors[name][0]))
            elif name in form.cleaned_data:
                cleaned[name] = form.cleaned_data[name]
        form = CockpitFilterForm(cleaned, years=years)
        form.is_valid()
    filters = {
        "year": int(cleaned["year"]),
        "district": cleaned["district"] or None,
        "cluster": cleaned["cluster"] or None,
    }
    return form, filters, errors


def _query(filters: dict) -> str:
    return urlencode(
        {
            "year": filters["year"],
            "district": filters["district"] or "",
            "cluster": filters["cluster"] or "",
        }
    )


def _payload(filters: dict) -> dict:
    data = dict(cockpit.cached_build(filters["year"], filters["district"], filters["cluster"]))
    now = timezone.localtime()
    data["served_at"] = now.isoformat(timespec="seconds")
    data["refresh_seconds"] = cockpit.REFRESH_SECONDS
    return data


def _context(request: HttpRequest, *, screen: bool) -> dict:
    form, filters, errors = filters_for(request)
    query = _query(filters)
    data = _payload(filters)
    return {
        "screen": screen,
        "form": form,
        "filters": filters,
        "filter_errors": errors,
        "data": data,
        "headline": data["headline"],
        "query": query,
        "config": {
            "dataUrl": reverse("kpi:cockpit_data") + "?" + query,
            "pageUrl": reverse("kpi:cockpit_screen" if screen else "kpi:cockpit"),
            "refreshSeconds": cockpit.REFRESH_SECONDS,
            "theme": "dark" if screen else "light",
            "district": filters["district"] or "",
            "cluster": filters["cluster"] or "",
            "year": filters["year"],
            "timeZone": settings.TIME_ZONE,
        },
        "i18n": {
            "updated": _("更新于"),
            "wan": _("万元"),
            "hours": _("小时"),
            "redeemed": _("兑付金额"),
            "issued": _("发放金额"),
            "enterprises": _("服务企业"),
            "demands": _("发布需求"),
            "signed": _("签约对接"),
            "effective": _("有效机时"),
            "external": _("对外服务机时"),
            "noData": _("暂无数据"),
            "noTarget": _("指标尚未设定目标值"),
            "contracts": _("合同金额 %(a)s 万元"),
            "refreshFailed": _("刷新失败，将稍后重试"),
            "target": _("目标"),
            "actual": _("实际"),
            "rate": _("转化率"),
            "clickToFilter": _("点击区县可按该区县筛选"),
            "people": _("家"),
            "items": _("条"),
        },
        "screen_url": reverse("kpi:cockpit_screen") + "?" + query,
        "normal_url": reverse("kpi:cockpit") + "?" + query,
    }


@never_cache
@login_required
def cockpit_view(request: HttpRequest) -> HttpResponse:
    _check(request)
    return render(request, "kpi/cockpit.html", _context(request, screen=False))


@never_cache
@login_required
def cockpit_screen_view(request: HttpRequest) -> HttpResponse:
    _check(request)
    return render(request, "kpi/cockpit_screen.html", _context(request, screen=True))


@never_cache
@login_required
def cockpit_data_view(request: HttpRequest) -> JsonResponse:
    _check(request)
    _form, filters, _errors = filters_for(request)
    return JsonResponse(_payload(filters), json_dumps_params={"ensure_ascii": False})

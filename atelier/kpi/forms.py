"""Forms of the KPI pages. They only parse what people type; every rule (ranges, targets, the
pledge, evidence by content, who may do what) is checked by `actions`, whose Chinese errors the
views put back on these forms."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from atelier.core.models import Cluster, District
from atelier.core.widgets import BootstrapFormMixin

from . import computations
from .catalogue import PROVINCIAL_ROWS
from .models import (
    PLEDGE_TEXT,
    Aggregation,
    Direction,
    Indicator,
    Line,
    PlanTemplate,
    RuleKind,
    Source,
)

NUMBER_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none was chosen)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        value = super().clean(data, initial)
        return [value] if value else []


# ---------------------------------------------------------------- plans


class PlanForm(BootstrapFormMixin, forms.Form):
    template = forms.ChoiceField(
        label=_("模板"),
        choices=[
            (PlanTemplate.OUHAI_2019, PlanTemplate.OUHAI_2019.label),
            (PlanTemplate.PROVINCIAL, PlanTemplate.PROVINCIAL.label),
            (PlanTemplate.CUSTOM, _("空白方案（自行添加指标）")),
        ],
        initial=PlanTemplate.PROVINCIAL,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("方案名称"), max_length=120)
    complex_name = forms.CharField(label=_("综合体名称"), max_length=120)
    start_year = forms.IntegerField(label=_("起始年度"), min_value=2000, max_value=2100)
    end_year = forms.IntegerField(label=_("结束年度"), min_value=2000, max_value=2100)
    district = forms.ModelChoiceField(
        label=_("所在区县"), queryset=District.objects.none(), required=False
    )
    cluster = forms.ModelChoiceField(
        label=_("服务产业"), queryset=Cluster.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].widget.attrs["class"] = "form-check-input"
        self.fields["district"].queryset = District.objects.wenzhou().order_by("sort", "code")
        self.fields["district"].empty_label = _("温州市（全市）")
        self.fields["cluster"].queryset = Cluster.objects.all()
        self.fields["cluster"].empty_label = _("全部产业")
        self.fields["name"].widget.attrs["placeholder"] = _("例如：鹿城鞋业综合体 2026 年度考核")
        codes = [r[0] for r in PROVINCIAL_ROWS]
        indicators = Indicator.objects.in_bulk(codes, field_name="code")
        self.target_fields = []
        for code in codes:
            indicator = indicators.get(code)
            if indicator is None:
                continue
            name = f"target_{code}"
            self.fields[name] = forms.DecimalField(
                label=indicator.name,
                required=False,
                max_digits=18,
                decimal_places=4,
                help_text=indicator.unit,
                widget=forms.TextInput(attrs={**NUMBER_ATTRS, "class": "form-control"}),
            )
            self.target_fields.append(self[name])

    def clean(self):
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("结束年度不能早于起始年度。"))
        return data

    def targets(self) -> dict[str, Decimal]:
        return {
            name.removeprefix("target_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("target_") and value is not None
        }


def parse_bands(text: str) -> list[list[str]]:
    """ "100:100; 95:80; 90:60" (completion % : share of the weight %) → [["1", "1"], …]."""
    bands = []
    for part in re.split(r"[;；,，\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        pieces = re.split(r"\s*[:：=]\s*", part.replace("%", "").replace("％", ""))
        try:
            ratio, share = (Decimal(p.strip()) for p in pieces)
        except (ValueError, InvalidOperation):
            raise ValidationError(
                _("分档格式应为「完成率%%:得分比例%%」，用分号分隔，例如 100:100; 95:80; 90:60。")
            ) from None
        bands.append(
            [format((ratio / 100).normalize(), "f"), format((share / 100).normalize(), "f")]
        )
    return bands


def format_bands(bands) -> str:
    parts = []
    for ratio, share in bands or []:
        r = (Decimal(str(ratio)) * 100).normalize()
        s = (Decimal(str(share)) * 100).normalize()
        parts.append(f"{r:f}:{s:f}")
    return "; ".join(parts)


class RowForm(forms.Form):
    """One row of the 指标分解表: line, section, unit, weight, rule and a target per plan year.
    With `add=True` it also picks the indicator (adding a row)."""

    indicator = forms.ModelChoiceField(label=_("指标"), queryset=Indicator.objects.none())
    line = forms.ChoiceField(label=_("考核条线"), choices=Line.choices)
    section = forms.CharField(label=_("类别"), max_length=40, required=False)
    responsible_unit = forms.CharField(label=_("牵头单位"), max_length=120, required=False)
    weight = forms.CharField(label=_("分值"), max_length=20, initial="10")
    rule = forms.ChoiceField(label=_("计分规则"), choices=RuleKind.choices)
    cap = forms.DecimalField(
        label=_("完成率封顶（%）"), min_value=10, max_value=200, decimal_places=2, initial=100
    )
    bands = forms.CharField(
        label=_("分档"),
        required=False,
        max_length=200,
        help_text=_("完成率%:得分%，如 100:100; 90:60"),
    )

    def __init__(self, *args, plan, row=None, add=False, exclude=(), **kwargs):
        if row is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "line": row.line,
                "section": row.section,
                "responsible_unit": row.responsible_unit,
                "weight": format(Decimal(row.weight).normalize(), "f"),
                "rule": row.rule,
                "cap": _plain(Decimal(row.cap) * 100),
                "bands": format_bands(row.bands),
                **{f"target_{t.year}": _plain(t.value) for t in row.targets.all()},
            }
        prefix = "add" if add else f"r{row.pk}" if row is not None else None
        super().__init__(*args, prefix=prefix, **kwargs)
        self.plan, self.row, self.add = plan, row, add
        if add:
            self.fields["indicator"].queryset = Indicator.objects.exclude(pk__in=exclude).order_by(
                "source", "code"
            )
            self.fields["indicator"].empty_label = _("选择指标…")
        else:
            del self.fields["indicator"]
            del self.fields["line"]
        self.year_fields = []
        for year in plan.years:
            name = f"target_{year}"
            self.fields[name] = forms.CharField(
                label=_("%(year)s 年目标") % {"year": year}, required=False, max_length=30
            )
            self.year_fields.append((year, name))
        self.form_id = "row-form-add" if add else f"row-form-{row.pk}" if row else "row-form"
        for name, field in self.fields.items():
            widget = field.widget
            widget.attrs["form"] = self.form_id
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = (
                f"{css} form-control-sm"
                if css == "form-control"
                else ("form-select form-select-sm")
            )
            if name == "weight" or name == "cap" or name.startswith("target_"):
                widget.attrs.update(NUMBER_ATTRS)
                widget.attrs["class"] += " text-end"
        self.fields["rule"].widget.attrs["data-kpi-rule"] = ""
        widths = {"section": "kpi-sec", "responsible_unit": "kpi-unit-in", "weight": "kpi-w",
                  "rule": "kpi-rule-in", "cap": "kpi-cap", "bands": "kpi-bands-in"}  # fmt: skip
        for name, field in self.fields.items():
            css = widths.get(name, "kpi-t" if name.startswith("target_") else "")
            if css:
                field.widget.attrs["class"] += f" {css}"

    def clean_bands(self):
        return parse_bands(self.cleaned_data.get("bands", ""))

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def values(self) -> dict:
        """Keyword arguments for actions.set_row (without actor and plan)."""
        data = self.cleaned_data
        return {
            "indicator": data["indicator"] if self.add else self.row.indicator,
            "line": data["line"] if self.add else self.row.line,
            "section": data.get("section", ""),
            "responsible_unit": data.get("responsible_unit", ""),
            "weight": data["weight"],
            "rule": data["rule"],
            "cap": data["cap"] / 100,
            "bands": data["bands"],
            "targets": {year: data.get(name, "") for year, name in self.year_fields},
        }

    def bound_years(self):
        return [(year, self[name]) for year, name in self.year_fields]


def _plain(value) -> str:
    return format(Decimal(value).normalize(), "f") if value is not None else ""


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, required=False)


# ---------------------------------------------------------------- reporting


class ReportForm(BootstrapFormMixin, forms.Form):
    value = forms.CharField(
        label=_("填报值"), max_length=30, widget=forms.TextInput(attrs=NUMBER_ATTRS)
    )
    as_of = forms.DateField(
        label=_("数据截至"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("数据来源、统计口径等，例如“区统计局 2026 年 6 月快报”。"),
    )
    evidence = MultipleFileField(
        label=_("佐证材料"),
        required=False,
        help_text=_("可多选；PDF、JPG 或 PNG，系统按文件内容校验。"),
    )
    pledge = forms.BooleanField(label=PLEDGE_TEXT, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"
        self.fields["pledge"].widget.attrs["class"] = "form-check-input"


class AnnotationForm(forms.Form):
    text = forms.CharField(label=_("说明"), max_length=2000, required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("采纳")), ("reject", _("退回"))])
    reason = forms.CharField(label=_("审核意见"), max_length=300, required=False)


# ---------------------------------------------------------------- assessment


class ScoreForm(forms.Form):
    comment = forms.CharField(label=_("评语"), max_length=2000, required=False)
    adjusted = forms.CharField(label=_("调整后得分"), max_length=20, required=False)
    adjust_reason = forms.CharField(label=_("调整理由"), max_length=300, required=False)


class CommentsForm(forms.Form):
    comments = forms.CharField(label=_("总体评价"), max_length=5000, required=False)


# ---------------------------------------------------------------- indicators


class IndicatorForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label=_("指标代码"),
        max_length=40,
        help_text=_("小写字母开头，只含小写字母、数字和下划线；公式用它引用指标。"),
    )
    name = forms.CharField(label=_("指标名称"), max_length=100)
    unit = forms.CharField(label=_("单位"), max_length=16)
    source = forms.ChoiceField(label=_("数据来源"), choices=Source.choices)
    direction = forms.ChoiceField(label=_("方向"), choices=Direction.choices)
    aggregation = forms.ChoiceField(label=_("汇总方式"), choices=Aggregation.choices)
    computation = forms.ChoiceField(label=_("计算函数"), required=False)
    formula = forms.CharField(
        label=_("计算公式"),
        max_length=300,
        required=False,
        help_text=_("只用指标代码、数字、+ − × ÷ 和括号，例如 service_revenue / voucher_redeemed"),
    )
    min_value = forms.CharField(label=_("取值下限"), max_length=30, required=False)
    max_value = forms.CharField(label=_("取值上限"), max_length=30, required=False)
    decimals = forms.IntegerField(label=_("小数位"), min_value=0, max_value=4, initial=0)
    description = forms.CharField(
        label=_("口径说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["computation"].choices = [
            ("", _("（仅自动计算的指标）"))
        ] + computations.choices()
        self.fields["formula"].widget.attrs["class"] += " font-monospace"
        self.fields["code"].widget.attrs["class"] += " font-monospace"
        for name in ("min_value", "max_value"):
            self.fields[name].widget.attrs.update(NUMBER_ATTRS)

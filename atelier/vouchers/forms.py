"""Forms of the voucher pages. Money is typed in Decimal yuan and converted to fen once, here or
in the action; nothing here writes (the views call `actions`)."""

import secrets
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from atelier.core.models import District
from atelier.core.widgets import BootstrapFormMixin
from atelier.orgs.models import SizeBand

from .models import ClaimDocument, Programme, RedemptionMode, RuleSet, yuan_to_fen

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01")}


def fen(value: Decimal) -> int:
    return yuan_to_fen(value)


class ProgrammeForm(BootstrapFormMixin, forms.ModelForm):
    budget_yuan = forms.DecimalField(label=_("预算（元）"), **MONEY)
    size_choices = forms.MultipleChoiceField(
        label=_("企业规模"),
        choices=SizeBand.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选为不限。"),
    )

    half_fields = ("authority", "district", "year", "batch", "opens_on", "closes_on")
    third_fields = ("budget_yuan", "status", "cross_region")

    class Meta:
        model = Programme
        fields = [
            "name", "authority", "district", "year", "batch", "opens_on", "closes_on",
            "budget_yuan", "status", "cross_region", "size_choices", "categories",
        ]  # fmt: skip
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {"categories": _("分号分隔，如：检测认证；工业设计；留空为不限。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.order_by("code")
        self.fields["district"].empty_label = _("温州市（全市）")
        self.fields["name"].widget.attrs["placeholder"] = _("例如：鹿城区 2026 年第一批科技创新券")

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("截止日期不能早于开始日期。"))
        return data

    def values(self) -> dict:
        """Keyword arguments for actions.programme_create."""
        data = dict(self.cleaned_data)
        data["size_bands"] = ",".join(data.pop("size_choices") or [])
        return data


class RulesForm(BootstrapFormMixin, forms.Form):
    """A new version of the rules. The price bands are rows: an upper bound in yuan (empty on
    the last row: "above") and the share the voucher pays."""

    BAND_ROWS = 4

    per_draw_cap = forms.DecimalField(label=_("单次使用上限（元）"), **MONEY)
    holding_cap = forms.DecimalField(label=_("持有上限（元）"), **MONEY)
    yearly_cap = forms.DecimalField(label=_("年度上限（元）"), **MONEY)
    validity_days = forms.IntegerField(label=_("有效期（天）"), min_value=1, max_value=3650)
    redeem_days = forms.IntegerField(
        label=_("兑付期限（使用期满后天数）"), min_value=0, max_value=3650
    )
    notice_days = forms.IntegerField(label=_("公示天数"), min_value=0, max_value=60)
    spot_check_percent = forms.IntegerField(label=_("抽查比例（%）"), min_value=5, max_value=100)
    modes = forms.MultipleChoiceField(
        label=_("兑付方式"), choices=RedemptionMode.choices, widget=forms.CheckboxSelectMultiple
    )

    third_fields = ("per_draw_cap", "holding_cap", "yearly_cap")
    half_fields = ("validity_days", "redeem_days", "notice_days", "spot_check_percent")

    def __init__(self, *args, current: RuleSet | None = None, **kwargs):
        if current is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(current)
        super().__init__(*args, **kwargs)
        for i in range(self.BAND_ROWS):
            self.fields[f"upper_{i}"] = forms.DecimalField(
                label=_("价格上限（元）"), required=False, **MONEY
            )
            self.fields[f"ratio_{i}"] = forms.IntegerField(
                label=_("补助比例（%）"), required=False, min_value=1, max_value=100
            )
        for name in self.fields:
            if name.startswith(("upper_", "ratio_")):
                self.fields[name].widget.attrs["class"] = "form-control form-control-sm"

    @staticmethod
    def initial_from(rules: RuleSet) -> dict:
        from .models import fen_to_yuan

        initial = {
            "per_draw_cap": fen_to_yuan(rules.per_draw_cap_fen),
            "holding_cap": fen_to_yuan(rules.holding_cap_fen),
            "yearly_cap": fen_to_yuan(rules.yearly_cap_fen),
            "validity_days": rules.validity_days,
            "redeem_days": rules.redeem_days,
            "notice_days": rules.notice_days,
            "spot_check_percent": rules.spot_check_percent,
            "modes": rules.mode_list(),
        }
        for i, (upper, ratio) in enumerate(rules.bands):
            initial[f"upper_{i}"] = fen_to_yuan(upper) if upper is not None else None
            initial[f"ratio_{i}"] = ratio
        return initial

    def band_rows(self):
        return [(self[f"upper_{i}"], self[f"ratio_{i}"]) for i in range(self.BAND_ROWS)]

    def visible_fields(self):
        return [f for f in super().visible_fields() if not f.name.startswith(("upper_", "ratio_"))]

    def clean(self):
        data = super().clean()
        bands = []
        for i in range(self.BAND_ROWS):
            upper, ratio = data.get(f"upper_{i}"), data.get(f"ratio_{i}")
            if upper is None and ratio is None:
                continue
            if ratio is None:
                self.add_error(f"ratio_{i}", _("请填写补助比例。"))
                continue
            bands.append([fen(upper) if upper is not None else None, ratio])
        if not bands:
            raise ValidationError(_("至少填写一个价格分段。"))
        data["bands"] = bands
        caps = [data.get(k) for k in ("per_draw_cap", "holding_cap", "yearly_cap")]
        if None not in caps and not caps[0] <= caps[1] <= caps[2]:
            raise ValidationError(_("上限须满足：单次 ≤ 持有 ≤ 年度。"))
        return data

    def values(self) -> dict:
        """The RuleSet fields for actions.rules_publish."""
        d = self.cleaned_data
        return {
            "per_draw_cap_fen": fen(d["per_draw_cap"]),
            "holding_cap_fen": fen(d["holding_cap"]),
            "yearly_cap_fen": fen(d["yearly_cap"]),
            "bands": d["bands"],
            "validity_days": d["validity_days"],
            "redeem_days": d["redeem_days"],
            "notice_days": d["notice_days"],
            "spot_check_percent": d["spot_check_percent"],
            "modes": ",".join(m for m in RedemptionMode.values if m in d["modes"]),
        }


class ApplyForm(BootstrapFormMixin, forms.Form):
    enterprise = forms.ModelChoiceField(label=_("申领企业"), queryset=None, empty_label=None)
    amount = forms.DecimalField(
        label=_("申领额度（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    purpose = forms.CharField(
        label=_("用途"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("准备购买哪些服务、解决什么问题。"),
    )

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        self.fields["amount"].widget.attrs.update({"inputmode": "decimal", "step": "0.01"})
        self.fields["purpose"].widget.attrs["placeholder"] = _(
            "例如：委托检测男鞋剥离强度和耐折性能，改进鞋底粘合工艺"
        )


class ReserveForm(BootstrapFormMixin, forms.Form):
    provider = forms.ModelChoiceField(label=_("服务机构（已入库）"), queryset=None)
    service = forms.CharField(label=_("服务内容"), max_length=200)
    price = forms.DecimalField(label=_("服务价格（元）"), **MONEY)
    contract_no = forms.CharField(label=_("合同编号"), max_length=60, required=False)

    half_fields = ("price", "contract_no")

    category = forms.ChoiceField(label=_("服务类别"), required=False)

    def __init__(self, *args, providers, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        if categories:  # the programme limits the service categories: the user picks one
            self.fields["category"].choices = [("", _("请选择"))] + [(c, c) for c in categories]
            self.fields["category"].required = True
        else:
            del self.fields["category"]
        self.fields["provider"].queryset = providers
        self.fields["provider"].empty_label = _("请选择")
        self.fields["price"].widget.attrs.update({"inputmode": "decimal", "step": "0.01"})
        self.fields["service"].widget.attrs["placeholder"] = _("例如：男鞋成品物理性能检测")


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, strip=True)


class ClaimForm(BootstrapFormMixin, forms.Form):
    """The redemption claim with its four documents. The idempotency key is made when the form
    is rendered and travels back hidden: a second click of the same form returns the claim the
    first one made."""

    invoice_no = forms.CharField(label=_("发票号码"), max_length=40)
    contract = forms.FileField(label=ClaimDocument.Kind.CONTRACT.label)
    invoice = forms.FileField(label=ClaimDocument.Kind.INVOICE.label)
    payment = forms.FileField(label=ClaimDocument.Kind.PAYMENT.label)
    report = forms.FileField(label=ClaimDocument.Kind.REPORT.label)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    half_fields = ("contract", "invoice", "payment", "report")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", secrets.token_urlsafe(24))
        super().__init__(*args, **kwargs)
        for name in ("contract", "invoice", "payment", "report"):
            self.fields[name].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"
            self.fields[name].help_text = _("PDF/JPG/PNG，10 MB 以内")

    def documents(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("contract", "invoice", "payment", "report")}


class ReviewForm(BootstrapFormMixin, forms.Form):
    approved = forms.DecimalField(
        label=_("核定金额（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0")
    )
    reasons = forms.CharField(
        label=_("核减/驳回理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一条，将自动编号；全额通过可不填。"),
    )

    def reason_list(self) -> list[str]:
        return [r.strip() for r in self.cleaned_data["reasons"].splitlines() if r.strip()]

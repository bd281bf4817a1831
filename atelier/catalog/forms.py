"""Forms of the resource library pages: the common listing fields, one detail form per kind,
the lifecycle's reason/note form and the filters of "my resources".

The forms only parse and validate input; the views hand `cleaned_data` to the actions, which
validate again (full_clean) and do the writing.
"""

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from atelier.core.models import Cluster, District, Industry
from atelier.core.uploads import validate_document
from atelier.core.validators import normalize_patent_number
from atelier.core.widgets import BootstrapFormMixin
from atelier.orgs.forms import IndustryField
from atelier.search.analysis import normalize

from .models import (
    DETAIL_MODELS,
    AchievementDetail,
    PartnerDetail,
    PolicyDetail,
    Resource,
    ResourceKind,
    ResourceStatus,
)

# Technology readiness levels (GB/T 22900-2022 《科学技术研究项目评价通则》), short labels.
TRL_LABELS = {
    1: _("发现基本原理"),
    2: _("形成技术概念"),
    3: _("关键功能可行性验证"),
    4: _("实验室环境验证"),
    5: _("相关环境部件验证"),
    6: _("相关环境系统演示"),
    7: _("实际环境样机试验"),
    8: _("定型试验完成"),
    9: _("规模化应用"),
}

# Category suggestions offered per kind (a free-text field: providers may type their own).
CATEGORY_SUGGESTIONS = {
    ResourceKind.SERVICE: [
        "检测认证", "工业设计", "研发服务", "知识产权", "管理咨询", "数字化改造", "品牌营销",
        "人才培训", "金融服务", "法律服务",
    ],
    ResourceKind.EXPERT: ["鞋类设计", "皮革化工", "光学工程", "服装工艺", "智能制造", "质量管理"],
    ResourceKind.INSTRUMENT: ["物理性能检测", "化学分析", "光学检测", "环境试验", "三维扫描"],
    ResourceKind.ACHIEVEMENT: ["新材料", "新工艺", "智能装备", "绿色制造", "数字技术"],
    ResourceKind.POLICY: ["科技创新", "技术改造", "人才引进", "知识产权", "创新券"],
    ResourceKind.PARTNER: ["高校院所", "设计机构", "检测机构", "行业协会", "国际合作"],
}  # fmt: skip

TITLE_PLACEHOLDERS = {
    ResourceKind.EXPERT: _("如：鞋类结构设计专家 张某某"),
    ResourceKind.INSTRUMENT: _("如：三维足型扫描仪"),
    ResourceKind.ACHIEVEMENT: _("如：超纤合成革无溶剂涂层工艺"),
    ResourceKind.POLICY: _("如：温州市科技创新券管理办法"),
    ResourceKind.PARTNER: _("如：意大利鞋类技术中心"),
}

COMMON_FORM_FIELDS = [
    "title", "category", "district", "clusters", "industries", "description", "keywords",
    "price", "price_unit", "voucher_eligible",
]  # fmt: skip

DATE = {"type": "date"}


class ResourceForm(BootstrapFormMixin, forms.ModelForm):
    """The fields every kind has. The provider and the kind are fixed once created."""

    # Layout hints for catalog/_fields.html: half- and third-width columns on wide screens.
    half_fields = {
        "provider", "category", "district", "keywords", "price", "price_unit", "voucher_eligible",
    }  # fmt: skip
    third_fields: set[str] = set()
    field_order = [
        "title", "category", "keywords", "clusters", "industries", "description", "price",
        "price_unit", "district", "voucher_eligible",
    ]  # fmt: skip

    clusters = forms.ModelMultipleChoiceField(
        label=_("产业集群"),
        queryset=Cluster.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    industries = IndustryField(
        label=_("国民经济行业（GB/T 4754-2017）"),
        queryset=Industry.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("选填，可多选（按住 Ctrl 或 ⌘）。"),
    )
    district = forms.ModelChoiceField(
        label=_("所在区县"), queryset=District.objects.all(), empty_label=_("请选择")
    )

    class Meta:
        model = Resource
        fields = COMMON_FORM_FIELDS
        widgets = {
            "title": forms.TextInput(
                attrs={"placeholder": _("如：鞋类物理性能检测（耐折、剥离强度）")}
            ),
            "category": forms.TextInput(attrs={"list": "category-options", "autocomplete": "off"}),
            "description": forms.Textarea(attrs={"rows": 6}),
            "keywords": forms.TextInput(attrs={"placeholder": _("多个关键词以空格或逗号分隔")}),
            "price": forms.NumberInput(
                attrs={"step": "0.01", "min": "0", "placeholder": _("面议")}
            ),
            "price_unit": forms.TextInput(attrs={"placeholder": _("如：次、样、小时、项")}),
        }

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["voucher_eligible"].help_text = _("勾选表示企业可使用创新券支付该项费用。")
        self.category_options = CATEGORY_SUGGESTIONS.get(kind, [])
        if kind in TITLE_PLACEHOLDERS:
            self.fields["title"].widget.attrs["placeholder"] = TITLE_PLACEHOLDERS[kind]
        if kind == ResourceKind.POLICY:  # a policy has no price and takes no voucher
            for name in ("price", "price_unit", "voucher_eligible"):
                del self.fields[name]


class ResourceCreateForm(ResourceForm):
    provider = forms.ModelChoiceField(
        label=_("发布机构"), queryset=None, empty_label=None,
        help_text=_("只能为您所在且已通过实名认证的机构发布资源。"),
    )  # fmt: skip

    field_order = [
        "provider", "district", "title", "category", "keywords", "clusters", "industries",
        "description", "price", "price_unit", "voucher_eligible",
    ]  # fmt: skip
    # Here the voucher box follows the price pair on a row of its own: full width, no offset.
    half_fields = ResourceForm.half_fields - {"voucher_eligible"}

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        if not self.is_bound and "district" not in self.initial:
            first = providers.select_related("district").first()
            if first:
                self.initial["district"] = first.district_id


# The order the detail fields appear in on the form (every editable field of the table).
DETAIL_FIELD_ORDER = {
    ResourceKind.SERVICE: ["lead_time_days", "standards"],
    ResourceKind.EXPERT: [
        "person_name", "title", "employer", "consulting_available", "specialties",
    ],
    ResourceKind.INSTRUMENT: [
        "model_number", "maker", "fee_per_hour", "fee_per_sample", "sharing_status", "location",
        "specs",
    ],
    ResourceKind.ACHIEVEMENT: ["trl", "transfer_mode", "patents", "negotiable"],
    ResourceKind.POLICY: ["issuer", "document_number", "issued_on", "scope", "attachment"],
    ResourceKind.PARTNER: [
        "country", "is_foreign", "agreement_status", "agreement_start", "agreement_end", "terms",
    ],
}  # fmt: skip


def detail_fields(model) -> list[str]:
    """The editable fields of a detail table (all but the link to the resource), in form order."""
    names = [f.name for f in model._meta.concrete_fields if f.name != "resource"]
    kind = next(k for k, m in DETAIL_MODELS.items() if m is model)
    order = DETAIL_FIELD_ORDER.get(kind, [])
    return sorted(names, key=lambda n: order.index(n) if n in order else len(order))


class DetailForm(BootstrapFormMixin, forms.ModelForm):
    """Base of the per-kind detail forms (fields prefixed `detail-` in the page)."""

    half_fields = {
        "lead_time_days", "person_name", "title", "employer", "consulting_available",
        "model_number", "maker", "trl", "transfer_mode", "issuer", "document_number",
        "issued_on", "scope", "country", "is_foreign",
    }  # fmt: skip
    third_fields = {
        "fee_per_hour", "fee_per_sample", "sharing_status", "agreement_status",
        "agreement_start", "agreement_end",
    }  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # "请选择" rather than Django's "---------"
            choices = getattr(field, "choices", None)
            if choices and list(choices)[0] == ("", "---------"):
                field.choices = [("", _("请选择")), *list(choices)[1:]]

    def values(self) -> dict:
        """What to hand to the action as `detail=`."""
        return {name: self.cleaned_data[name] for name in self.fields}


class AchievementDetailForm(DetailForm):
    trl = forms.TypedChoiceField(
        label=_("技术成熟度（TRL）"),
        choices=[("", _("未评估"))] + [(n, f"TRL {n} · {text}") for n, text in TRL_LABELS.items()],
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = AchievementDetail
        fields = detail_fields(AchievementDetail)

    def clean_patents(self):
        raw = self.cleaned_data["patents"]
        parts = [p.strip() for p in raw.replace("，", ";").replace(",", ";").split(";")]
        return "; ".join(normalize_patent_number(p) for p in parts if p)


class PolicyDetailForm(DetailForm):
    class Meta:
        model = PolicyDetail
        fields = detail_fields(PolicyDetail)
        widgets = {"issued_on": forms.DateInput(format="%Y-%m-%d", attrs=DATE)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachment"].label = _("政策原文（PDF、JPG 或 PNG，不超过 10 MB）")
        self.fields["attachment"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"

    def clean_attachment(self):
        upload = self.cleaned_data["attachment"]
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            kind = validate_document(upload)
            upload.name = f"{uuid.uuid4().hex}.{kind}"  # never keep the sender's file name
        return upload

    def values(self) -> dict:
        data = super().values()
        attachment = data.pop("attachment")
        if attachment is False:  # "clear" ticked
            data["attachment"] = ""
        elif attachment and hasattr(attachment, "content_type"):
            data["attachment"] = attachment
        return data


class PartnerDetailForm(DetailForm):
    class Meta:
        model = PartnerDetail
        fields = detail_fields(PartnerDetail)
        widgets = {
            "agreement_start": forms.DateInput(format="%Y-%m-%d", attrs=DATE),
            "agreement_end": forms.DateInput(format="%Y-%m-%d", attrs=DATE),
            "terms": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("agreement_start"), data.get("agreement_end")
        if start and end and end < start:
            self.add_error("agreement_end", _("协议到期日不能早于生效日。"))
        return data


DETAIL_FORMS: dict[str, type[DetailForm]] = {
    ResourceKind.ACHIEVEMENT: AchievementDetailForm,
    ResourceKind.POLICY: PolicyDetailForm,
    ResourceKind.PARTNER: PartnerDetailForm,
}


def detail_form_class(kind: str) -> type[DetailForm]:
    if kind in DETAIL_FORMS:
        return DETAIL_FORMS[kind]
    widgets = {
        "specs": forms.Textarea(attrs={"rows": 4}),
        "fee_per_hour": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        "fee_per_sample": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    }
    model = DETAIL_MODELS[kind]
    return forms.modelform_factory(
        model, form=DetailForm, fields=detail_fields(model), widgets=widgets
    )


class TransitionForm(forms.Form):
    """The optional note (publish) or reason (reject, archive) sent with a lifecycle button."""

    reason = forms.CharField(max_length=500, required=False, strip=True)
    note = forms.CharField(max_length=500, required=False, strip=True)


class MineFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "")] + ResourceStatus.choices)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型"))] + ResourceKind.choices
    )
    org = forms.TypedChoiceField(label=_("机构"), required=False, coerce=int, empty_value=None)
    stale = forms.BooleanField(required=False)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", _("全部机构"))] + [(o.pk, o.name) for o in orgs]
        for name in ("kind", "org"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"


# Words of a synonym group may be separated by spaces or by Chinese/Latin commas and 、;
SYNONYM_SEPARATORS = re.compile(r"[\s,，、;；]+")
SYNONYM_WORD_MAX = 30


class SynonymGroupForm(BootstrapFormMixin, forms.Form):
    """An operator's synonym group: the words (normalised to one space-separated line) and
    whether the group is in use. `synonym_group_save` checks the same rules again."""

    words = forms.CharField(
        label=_("同义词"),
        max_length=500,
        help_text=_("两个或更多意思相同的词，以空格或逗号分隔，如：开胶 脱胶 剥离"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": _("请填写同义词。"),
            "max_length": _("同义词组不能超过 %(limit_value)d 个字（当前 %(show_value)d 个）。"),
        },
    )
    active = forms.BooleanField(
        label=_("启用"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_words(self) -> str:
        words: dict[str, str] = {}  # normalised → as typed (first spelling wins)
        for word in SYNONYM_SEPARATORS.split(self.cleaned_data["words"]):
            if word:
                words.setdefault(normalize(word), word)
        too_long = [w for w in words.values() if len(w) > SYNONYM_WORD_MAX]
        if too_long:
            raise forms.ValidationError(
                _("单个词不能超过 %(n)d 个字：%(word)s"),
                code="word_too_long",
                params={"n": SYNONYM_WORD_MAX, "word": too_long[0]},
            )
        if len(words) < 2:
            raise forms.ValidationError(
                _("同义词组至少需要两个不同的词，以空格分隔。"), code="too_few_words"
            )
        return " ".join(words.values())

from django import forms
from django.utils.translation import gettext_lazy as _

from atelier.core.models import District, EnterpriseTag, Industry
from atelier.core.validators import normalize_credit_code
from atelier.core.widgets import BootstrapFormMixin

from .models import Membership, Organization, OrgKind, OrgStatus, SizeBand

PROFILE_WIDGETS = {
    "founded_on": forms.DateInput(attrs={"type": "date"}),
    "description": forms.Textarea(attrs={"rows": 4}),
}


class IndustryField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.label}"


class OrganizationForm(BootstrapFormMixin, forms.ModelForm):
    half_fields = (
        "size_band", "founded_on", "contact_name", "contact_mobile", "contact_email", "website",
        "name_en",
    )  # fmt: skip
    industries = IndustryField(
        label=_("所属行业（GB/T 4754-2017）"),
        queryset=Industry.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("可多选（按住 Ctrl 或 ⌘）。"),
    )
    website = forms.URLField(label=_("网站"), required=False, assume_scheme="https")
    tags = forms.ModelMultipleChoiceField(
        label=_("企业标签"),
        queryset=EnterpriseTag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Organization
        fields = [
            "name_en",
            "address",
            "size_band",
            "founded_on",
            "website",
            "contact_name",
            "contact_mobile",
            "contact_email",
            "description",
        ]
        widgets = PROFILE_WIDGETS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["size_band"].choices = [("", _("请选择"))] + list(SizeBand.choices)


class OrganizationRegisterForm(OrganizationForm):
    kind = forms.ChoiceField(label=_("机构类型"), choices=OrgKind.choices)
    name = forms.CharField(label=_("机构名称（与营业执照一致）"), max_length=120)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), max_length=24, help_text=_("18 位，见营业执照左上方。")
    )
    district = forms.ModelChoiceField(
        label=_("所在区县"), queryset=District.objects.all(), empty_label=_("请选择")
    )
    licence = forms.FileField(
        label=_("营业执照（PDF、JPG 或 PNG，不超过 10 MB）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    field_order = [
        "kind", "district", "name", "credit_code", "licence", "industries", "tags", "size_band",
        "founded_on", "contact_name", "contact_mobile", "contact_email", "website", "name_en",
        "address", "description",
    ]  # fmt: skip
    half_fields = (
        "kind", "district", "credit_code", "size_band", "founded_on", "contact_name",
        "contact_mobile", "contact_email", "website", "name_en",
    )  # fmt: skip

    def clean_credit_code(self):
        return normalize_credit_code(self.cleaned_data["credit_code"])


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("备注"), max_length=500, required=False)


class ResubmitForm(BootstrapFormMixin, forms.Form):
    licence = forms.FileField(label=_("新的营业执照（选填）"), required=False)
    note = forms.CharField(label=_("补充说明"), max_length=500, required=False)


class InviteForm(BootstrapFormMixin, forms.Form):
    contact = forms.CharField(label=_("手机号或邮箱"), max_length=150)
    role = forms.ChoiceField(label=_("机构角色"), choices=Membership.Role.choices)


class OrgFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("名称或信用代码"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型"))] + OrgKind.choices
    )
    district = forms.ModelChoiceField(
        label=_("区县"),
        required=False,
        queryset=District.objects.all(),
        empty_label=_("全部区县"),
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态"))] + OrgStatus.choices
    )

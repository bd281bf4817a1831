from django import forms
from django.utils.translation import gettext_lazy as _

from atelier.accounts.models import Role, User
from atelier.core.models import Cluster, District
from atelier.core.widgets import BootstrapFormMixin

from .models import Demand, DemandStatus, DemandType, DockingStatus, MatchWeights, NoteKind


class DemandForm(BootstrapFormMixin, forms.ModelForm):
    enterprise = forms.ModelChoiceField(label=_("需求企业"), queryset=None, empty_label=None)
    attachment = forms.FileField(
        label=_("附件"),
        required=False,
        help_text=_("可选：图纸、照片或说明文档（PDF/JPG/PNG，10 MB 以内）。"),
    )

    half_fields = ("type", "cluster", "budget_min", "budget_max", "deadline", "visibility")

    class Meta:
        model = Demand
        fields = [
            "enterprise", "type", "title", "description", "cluster", "budget_min", "budget_max",
            "deadline", "visibility",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "deadline": forms.DateInput(attrs={"type": "date"}),
            "visibility": forms.RadioSelect,
        }
        help_texts = {
            "description": _("用自己的话写清楚遇到的问题、目标和已有条件，平台会据此推荐服务。"),
            "visibility": _("匿名发布时，服务方在您同意对接之前看不到企业名称。"),
        }

    def __init__(self, *args, enterprises=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["enterprise"]
        else:
            self.fields["enterprise"].queryset = enterprises
        self.fields["cluster"].queryset = Cluster.objects.order_by("sort")
        self.fields["cluster"].empty_label = _("不限行业")
        self.fields["visibility"].widget.attrs.pop("class", None)
        self.fields["title"].widget.attrs["placeholder"] = _("例如：PU 鞋底发泡有气泡，求工艺改进")

    def clean(self):
        data = super().clean()
        low, high = data.get("budget_min"), data.get("budget_max")
        if low is not None and high is not None and low > high:
            self.add_error("budget_max", _("预算上限不能低于下限。"))
        return data


class TransitionForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, strip=True)
    deadline = forms.DateField(required=False)


class TranslationForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Demand
        fields = ["tech_keywords", "tech_standards", "tech_methods", "tech_summary"]
        widgets = {"tech_summary": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "tech_keywords": _("用分号或空格分隔，如：聚氨酯发泡；泡孔结构；脱模剂"),
            "tech_standards": _("如：GB/T 3903.6-2017"),
        }


class BrokerAssignForm(forms.Form):
    broker = forms.ModelChoiceField(
        label=_("技术经纪人"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["broker"].queryset = User.objects.filter(
            role=Role.BROKER, is_active=True, broker_profile__active=True
        ).order_by("name", "username")
        self.fields["broker"].widget.attrs["class"] = "form-select"
        self.fields["broker"].empty_label = _("（不指派）")


class HallFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    type = forms.ChoiceField(required=False, choices=[("", _("全部类型"))] + DemandType.choices)
    cluster = forms.ModelChoiceField(
        required=False, queryset=Cluster.objects.order_by("sort"), empty_label=_("全部行业")
    )
    district = forms.ModelChoiceField(
        required=False, queryset=District.objects.order_by("sort"), empty_label=_("全部区县")
    )
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("进行中")),
            (DemandStatus.RESOLVED, _("已解决")),
            ("all", _("全部")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-control" if isinstance(field, forms.CharField) else "form-select"
            field.widget.attrs["class"] = f"{css} form-select-sm" if css == "form-select" else css


class DockingStartForm(forms.Form):
    provider = forms.IntegerField(widget=forms.HiddenInput)
    resource = forms.IntegerField(widget=forms.HiddenInput, required=False)
    message = forms.CharField(max_length=1000, required=False, strip=True)


class NoteForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=NoteKind.choices, initial=NoteKind.NOTE)
    text = forms.CharField(
        label=_("内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    meeting_at = forms.DateTimeField(
        label=_("会谈时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    location = forms.CharField(label=_("地点/方式"), max_length=120, required=False)

    half_fields = ("meeting_at", "location")
    third_fields = ()


class DockingOutcomeForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, strip=True)
    amount = forms.CharField(max_length=20, required=False, strip=True)
    signed_on = forms.DateField(required=False)


class DockingFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", _("全部状态"))] + DockingStatus.choices
    )
    overdue = forms.BooleanField(required=False)


class WeightsForm(BootstrapFormMixin, forms.ModelForm):
    third_fields = MatchWeights.FIELDS

    class Meta:
        model = MatchWeights
        fields = list(MatchWeights.FIELDS)
        widgets = {
            f: forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "5"})
            for f in MatchWeights.FIELDS
        }

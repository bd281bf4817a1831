from django import forms
from django.utils.translation import gettext_lazy as _

from atelier.core.widgets import BootstrapFormMixin

from .models import TestItem, TestReport


class ReportForm(BootstrapFormMixin, forms.ModelForm):
    half_fields = ("received_on", "tested_on", "sample_name", "sample_count")
    third_fields = ("tester", "checker", "approver")

    class Meta:
        model = TestReport
        fields = [
            "client_name", "sample_name", "sample_count", "sample_description", "received_on",
            "tested_on", "conclusion", "tester", "checker", "approver",
        ]  # fmt: skip
        widgets = {
            "received_on": forms.DateInput(attrs={"type": "date"}),
            "tested_on": forms.DateInput(attrs={"type": "date"}),
            "sample_description": forms.Textarea(attrs={"rows": 2}),
            "conclusion": forms.Textarea(attrs={"rows": 2}),
        }


class ItemForm(forms.ModelForm):
    class Meta:
        model = TestItem
        fields = ["name", "method", "unit", "limit_min", "limit_max", "result", "result_text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"
        self.fields["result"].required = False


ItemFormSet = forms.formset_factory(ItemForm, extra=6, max_num=30, validate_max=True)


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("待核验的报告 PDF"))

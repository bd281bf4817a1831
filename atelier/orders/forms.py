from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

C = "form-control form-control-sm"


class BookForm(forms.Form):
    day = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date", "class": C})
    )
    start = forms.TimeField(
        label=_("开始"), widget=forms.TimeInput(attrs={"type": "time", "class": C})
    )
    end = forms.TimeField(
        label=_("结束"), widget=forms.TimeInput(attrs={"type": "time", "class": C})
    )
    purpose = forms.CharField(
        label=_("用途"), max_length=200, widget=forms.TextInput(attrs={"class": C})
    )

    def clean(self):
        data = super().clean()
        if all(data.get(k) for k in ("day", "start", "end")):
            tz = timezone.get_current_timezone()
            data["start_at"] = datetime.combine(data["day"], data["start"], tzinfo=tz)
            data["end_at"] = datetime.combine(data["day"], data["end"], tzinfo=tz)
        return data


class StopForm(forms.Form):
    samples = forms.IntegerField(label=_("样品数"), min_value=0, initial=0, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)

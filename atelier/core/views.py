from datetime import datetime, time

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .permissions import audit_visible_to, can_browse_audit
from .widgets import BootstrapFormMixin


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    actor = forms.CharField(label=_lazy("操作人"), required=False, max_length=60)
    verb = forms.CharField(label=_lazy("操作"), required=False, max_length=64)
    obj = forms.CharField(label=_lazy("对象"), required=False, max_length=100)
    since = forms.DateField(
        label=_lazy("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_lazy("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not can_browse_audit(request.user):
        raise PermissionDenied(_("只有运营方、审计和系统管理员可以查看审计日志。"))
    qs = audit_visible_to(request.user).select_related("content_type")
    form = AuditFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        tz = timezone.get_current_timezone()
        if data["actor"]:
            qs = qs.filter(actor_label__icontains=data["actor"])
        if data["verb"]:
            qs = qs.filter(verb__startswith=data["verb"])
        if data["obj"]:
            qs = qs.filter(object_repr__icontains=data["obj"])
        if data["since"]:
            qs = qs.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=tz))
        if data["until"]:
            qs = qs.filter(at__lte=datetime.combine(data["until"], time.max, tzinfo=tz))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"form": form, "page": page})

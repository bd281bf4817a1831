"""Pages of the test reports: the lab's list, create, one report (issue, revoke, PDF) and the
public verification page the QR code points to."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atelier.core.errors import ActionError
from atelier.core.forms import apply_error
from atelier.orgs.models import Organization, OrgStatus

from . import actions
from .forms import ItemFormSet, ReportForm, VerifyForm
from .models import ReportStatus, TestReport

MAX_VERIFY_BYTES = 20 * 1024 * 1024


def _reports_for(user):
    if user.is_superuser or user.reads_everything:
        return TestReport.objects.all()
    return TestReport.objects.filter(
        Q(lab__memberships__user=user) | Q(client__memberships__user=user)
    ).distinct()


def _get(user, pk) -> TestReport:
    try:
        return _reports_for(user).select_related("lab", "client").get(pk=pk)
    except (TestReport.DoesNotExist, ValueError, TypeError):
        raise Http404(_("报告不存在或无权查看。")) from None


def _labs(user):
    return (
        Organization.objects.filter(memberships__user=user, status=OrgStatus.VERIFIED)
        .exclude(kind="enterprise")
        .distinct()
    )


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    reports = _reports_for(request.user).select_related("lab").order_by("-created_at")[:200]
    return render(
        request,
        "reports/list.html",
        {"reports": reports, "can_create": _labs(request.user).exists()},
    )


@login_required
def report_create(request: HttpRequest) -> HttpResponse:
    labs = list(_labs(request.user))
    if not labs:
        raise PermissionDenied(_("只有通过认证的检测机构成员可以出具报告。"))
    form = ReportForm(request.POST or None)
    items = ItemFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() & items.is_valid():
        rows = [f.cleaned_data for f in items.forms if f.cleaned_data.get("name")]
        lab = next((o for o in labs if str(o.pk) == request.POST.get("lab")), labs[0])
        try:
            report = actions.report_create(request.user, lab, form.cleaned_data, rows)
        except (ValidationError, ActionError) as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("报告草稿已保存，核对无误后签发。"))
            return redirect(report)
    status = 400 if request.method == "POST" else 200
    ctx = {"form": form, "items": items, "labs": labs}
    return render(request, "reports/form.html", ctx, status=status)


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        raise Http404
    report = _get(request.user, pk)
    is_lab = actions._lab_member(request.user, report.lab_id)
    return render(
        request,
        "reports/detail.html",
        {"report": report, "items": list(report.items.all()), "is_lab": is_lab},
    )


@login_required
@require_POST
def report_event(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    report = _get(request.user, pk)
    try:
        if event == "issue":
            actions.report_issue(request.user, report)
            messages.success(request, _("报告已签发，PDF 与核验二维码已生成。"))
        elif event == "revoke":
            actions.report_revoke(request.user, report, reason=request.POST.get("reason", ""))
            messages.success(request, _("报告已撤销，核验页面会显示撤销状态。"))
        else:
            raise Http404
    except (ValidationError, ActionError) as exc:
        messages.error(request, getattr(exc, "message", None) or "；".join(exc.messages))
    return redirect(report)


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = _get(request.user, pk)
    if not report.pdf:
        raise Http404(_("报告尚未签发。"))
    response = FileResponse(report.pdf.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: the key facts and the fingerprint of an issued report, and a byte-for-byte check
    of an uploaded copy. Nothing else of the report (no client contacts, no raw data)."""
    report = (
        TestReport.objects.filter(code=code)
        .exclude(status=ReportStatus.DRAFT)
        .select_related("lab")
        .first()
    )
    if report is None:
        return render(request, "reports/verify.html", {"code": code}, status=404)
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_VERIFY_BYTES:
            form.add_error("file", _("文件过大。"))
        else:
            result = actions.verify(report, upload.read())
    return render(
        request,
        "reports/verify.html",
        {"report": report, "items": list(report.items.all()), "form": form, "result": result},
    )

"""The assessment report files of a plan, year and line: the PDF and the xlsx.

Whoever may view plans may download them (permissions.can_view_plans); anyone else gets a 403
that says why, before anything about the plan is looked up. The files are built on request from
`report_files`: a signed assessment's frozen scores make the same numbers every time.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import report_files
from .models import Line, Plan
from .permissions import can_view_plans


def _plan_for(request: HttpRequest, pk: int, year: int, line: str) -> Plan:
    if not can_view_plans(request.user):
        raise PermissionDenied(
            _("考核报告仅向运营方、主管部门审核员、财政、审计和系统管理员开放。")
        )
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=pk)
    if line not in Line.values or year not in plan.years:
        raise Http404(_("该方案没有这一年度或考核条线。"))
    return plan


def _file_response(content: bytes, content_type: str, names: tuple[str, str], *, inline: bool):
    """A download with a UTF-8 file name (RFC 6266/5987) and an ASCII one for old clients."""
    filename, ascii_name = names
    disposition = "inline" if inline else "attachment"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _filenames(plan: Plan, year: int, line: str, ext: str) -> tuple[str, str]:
    return f"考核报告-{plan.pk}-{year}-{line}.{ext}", f"assessment-{plan.pk}-{year}-{line}.{ext}"


@require_GET
@login_required
def assessment_pdf(request: HttpRequest, pk: int, year: int, line: str) -> HttpResponse:
    plan = _plan_for(request, pk, year, line)
    data = report_files.assessment_data(plan, year, line)
    return _file_response(
        report_files.render_pdf(data),
        "application/pdf",
        _filenames(plan, year, line, "pdf"),
        inline=True,
    )


@require_GET
@login_required
def assessment_xlsx(request: HttpRequest, pk: int, year: int, line: str) -> HttpResponse:
    plan = _plan_for(request, pk, year, line)
    data = report_files.assessment_data(plan, year, line)
    return _file_response(
        report_files.render_xlsx(data),
        report_files.XLSX_TYPE,
        _filenames(plan, year, line, "xlsx"),
        inline=False,
    )

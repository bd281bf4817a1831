"""Operator pages of the bulk import (`catalog:import`), the import template, the error report,
and the spreadsheet export of the resource library (`catalog:export`).

The import runs in two steps: the upload is validated in full and previewed (counts, first rows,
or every error as a table and as a downloadable xlsx); the operator then confirms, and the rows
are imported, all or nothing, published at once.

Between the two steps the uploaded file waits in the configured storage backend (never on an app
server's local disk only — DESIGN.md §3 "scale-out") under `imports/pending/<random token>`, and
the token lives in the operator's session, so the confirmation cannot name another file. The
confirmation re-validates the stored file against the database as it is then. The file is
deleted on import or cancel; abandoned ones are purged after a day whenever a file is uploaded.
"""

import secrets
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from atelier.search import engine

from . import exporting, importing, permissions
from .models import Resource, ResourceKind
from .searching import Filters, clean_query

PENDING_DIR = "imports/pending"
SESSION_KEY = "catalog_import"
PURGE_AFTER = timedelta(days=1)
PREVIEW_ROWS = 10
SHOWN_ERRORS = 200
EXPORT_SEARCH_LIMIT = 10_000  # listings an export of a search may hold


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("资源文件"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        field.help_text = _(
            "Excel 工作簿（.xlsx）或 CSV（UTF-8 或 GBK 编码），不超过 %(n)d MB。"
        ) % {"n": importing.max_import_bytes() // 1024 // 1024}
        field.widget.attrs.update({"class": "form-control", "accept": ".xlsx,.csv,text/csv"})


def _require_operator(request: HttpRequest) -> None:
    if not permissions.is_moderator(request.user):
        raise PermissionDenied(_("只有运营方可以批量导入资源。"))


# --- the pending upload -------------------------------------------------------------------------


def _purge_stale() -> None:
    try:
        _, names = default_storage.listdir(PENDING_DIR)
    except (FileNotFoundError, NotImplementedError):
        return
    limit = timezone.now() - PURGE_AFTER
    for name in names:
        path = f"{PENDING_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue


def _discard(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        default_storage.delete(pending["path"])


def _stash(request: HttpRequest, upload) -> str:
    _discard(request)
    _purge_stale()
    token = secrets.token_hex(16)
    upload.seek(0)
    path = default_storage.save(f"{PENDING_DIR}/{token}.upload", upload)
    request.session[SESSION_KEY] = {
        "token": token,
        "path": path,
        "filename": importing.display_path(upload)[:200],
        "size": upload.size,
    }
    return token


def _pending(request: HttpRequest, token: str | None = None) -> dict:
    """The session's pending upload; 404 when there is none or `token` is not its token."""
    pending = request.session.get(SESSION_KEY)
    if not pending or (token is not None and not secrets.compare_digest(token, pending["token"])):
        raise Http404(_("没有待导入的文件，请重新上传。"))
    if not default_storage.exists(pending["path"]):
        request.session.pop(SESSION_KEY, None)
        raise Http404(_("待导入的文件已过期，请重新上传。"))
    return pending


def _prepare_pending(pending: dict) -> importing.Plan:
    with default_storage.open(pending["path"], "rb") as fh:
        return importing.prepare(fh)


def _render(request, *, form, plan=None, pending=None, status=200) -> HttpResponse:
    ctx = {"form": form, "plan": plan, "pending": pending, "shown_errors": SHOWN_ERRORS}
    if plan is not None:
        ctx["preview"] = [
            (r, plan.actions.get(r.line), ResourceKind(r.kind).label)
            for r in plan.rows[:PREVIEW_ROWS]
        ]
        ctx["errors"] = plan.errors[:SHOWN_ERRORS]
    return render(request, "catalog/import.html", ctx, status=status)


# --- views --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    """Step 1: upload, validate the whole file, preview it (or list its errors)."""
    _require_operator(request)
    if request.method == "GET":
        return _render(request, form=ImportUploadForm())
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, form=form, status=400)
    upload = form.cleaned_data["file"]
    plan = importing.prepare(upload)  # checks the size before reading anything
    pending = None
    if upload.size <= importing.max_import_bytes():
        _stash(request, upload)
        pending = request.session[SESSION_KEY]
    return _render(
        request, form=ImportUploadForm(), plan=plan, pending=pending,
        status=200 if plan.ok else 400,
    )  # fmt: skip


@login_required
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: import the previewed file (or cancel it)."""
    _require_operator(request)
    pending = _pending(request, request.POST.get("token", ""))
    if "cancel" in request.POST:
        _discard(request)
        messages.info(request, _("已取消导入，没有写入任何数据。"))
        return redirect("catalog:import")
    plan = _prepare_pending(pending)
    if plan.ok:
        try:
            result = importing.resources_import(
                actor=request.user, rows=plan.rows, publish=True,
                note=_("网页导入：%(name)s") % {"name": pending["filename"]},
            )  # fmt: skip
        except importing.ImportRejected as exc:
            plan.errors = exc.errors
        else:
            _discard(request)
            message = _("导入完成：新建 %(created)d 条，更新 %(updated)d 条") % {
                "created": result.created, "updated": result.updated,
            }  # fmt: skip
            if result.providers_created:
                message += _("（新建待认证机构 %(n)d 家）") % {"n": result.providers_created}
            messages.success(request, message)
            return redirect("catalog:import")
    return _render(request, form=ImportUploadForm(), plan=plan, pending=pending, status=400)


@login_required
@require_GET
def import_errors(request: HttpRequest) -> HttpResponse:
    """The errors of the pending upload as an xlsx (行, 列, 值, 原因)."""
    _require_operator(request)
    pending = _pending(request, request.GET.get("token") or None)
    plan = _prepare_pending(pending)
    data = exporting.errors_workbook(plan.errors, filename=pending["filename"])
    return _xlsx_response(data, "import-errors.xlsx")


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    """The import template: ?format=xlsx (default; with the allowed values) or ?format=csv."""
    _require_operator(request)
    if request.GET.get("format") == "csv":
        response = HttpResponse(exporting.template_csv(), content_type=exporting.CSV_TYPE)
        response["Content-Disposition"] = 'attachment; filename="resource-import-template.csv"'
        return response
    return _xlsx_response(exporting.template_workbook(), "resource-import-template.xlsx")


@require_GET
def export_view(request: HttpRequest) -> HttpResponse:
    """The resources the user can see, filtered like the list page, as a re-importable xlsx."""
    qs = Resource.objects.visible_to(request.user)
    qs, q = exporting.filter_resources(qs, request.GET)
    q = clean_query(q)
    if q:
        # What the search page finds for `q` (published listings: only those are indexed). The
        # engine takes one value per filter; filter_resources() above handles repeated ones.
        single = {k: v[0] for k, v in request.GET.lists() if len(v) == 1}
        filters, _problems = Filters.parse(single)
        found = engine.search(q, filters=filters.as_engine(), limit=EXPORT_SEARCH_LIMIT)
        qs = qs.filter(pk__in=[hit.doc_id for hit in found.hits])
    qs = (
        qs.select_related("provider", "district")
        .prefetch_related("clusters", "industries")
        .order_by("pk")
    )
    data = exporting.export_workbook(qs.iterator(chunk_size=1000))
    return _xlsx_response(data, exporting.export_filename())


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=exporting.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

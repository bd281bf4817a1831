"""Synonym groups of the resource search, kept by operators (`catalog:synonyms`).

Any word of a group finds the listings that contain another word of it (开胶 finds 脱胶). Adding,
editing, switching a group on or off and deleting it all go through
`actions.synonym_group_save` / `synonym_group_delete`, which re-index the affected listings in the
same transaction and write the audit row: a change shows in search results as soon as it is saved.

The rows are edited in place with htmx; without JavaScript the same links and forms work as
plain pages (`?edit=<id>` opens a row for editing, every POST redirects back to the list).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from atelier.core.errors import ActionError
from atelier.core.forms import apply_error
from atelier.search.models import SynonymGroup

from . import actions, permissions
from .forms import SynonymGroupForm

TEMPLATE = "catalog/synonym_list.html"
PAGE_SIZE = 50


def _require_operator(request: HttpRequest) -> None:
    if not permissions.is_moderator(request.user):
        raise PermissionDenied(_("只有运营方可以维护同义词。"))


def _get_group(request: HttpRequest, pk: int) -> SynonymGroup:
    _require_operator(request)  # before the lookup: ids reveal nothing to others
    return get_object_or_404(SynonymGroup, pk=pk)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ActionError):
        return exc.message
    return pgettext("message separator", "；").join(exc.messages)


def _row_form(group: SynonymGroup, data=None) -> SynonymGroupForm:
    initial = {"words": group.words, "active": group.active}
    return SynonymGroupForm(data, initial=initial, auto_id=f"synonym-{group.pk}-%s")


def _new_form(data=None) -> SynonymGroupForm:
    return SynonymGroupForm(data, auto_id="new-synonym-%s")


def _save(request: HttpRequest, form: SynonymGroupForm, group: SynonymGroup | None):
    """Hand a valid form to the action; its errors go back onto the form. None on failure."""
    if not form.is_valid():
        return None
    try:
        return actions.synonym_group_save(
            actor=request.user,
            group=group,
            words=form.cleaned_data["words"],
            active=form.cleaned_data["active"],
        )
    except (ValidationError, ActionError) as exc:
        apply_error(form, exc)
        return None


def _counts() -> dict:
    counts = SynonymGroup.objects.aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(active=True))
    )
    return {"total": counts["total"], "active_count": counts["active"]}


def _page_context(request: HttpRequest, *, filtered: bool = True, **extra) -> dict:
    groups = SynonymGroup.objects.order_by("-updated_at", "-pk")
    q = (request.GET.get("q") or "").strip()[:30] if filtered else ""
    if q:
        groups = groups.filter(words__icontains=q)
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page") if filtered else 1)
    ctx = {
        "page": page,
        "q": q,
        **_counts(),
        "editing": None,
        "edit_form": None,
        "form": _new_form(),
    }
    ctx.update(extra)
    return ctx


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def synonym_list(request: HttpRequest) -> HttpResponse:
    """The groups (newest change first, filterable by a word) and the form that adds one."""
    _require_operator(request)
    if request.method == "POST":
        form = _new_form(request.POST)
        group = _save(request, form, None)
        if group is not None and not request.htmx:
            messages.success(request, _("已添加同义词组：%(words)s") % {"words": group.words})
            return redirect("catalog:synonyms")
        if group is not None:
            # The list from the top, where the new group now is, and an empty form.
            ctx = _page_context(request, filtered=False, created=group)
            return render(request, TEMPLATE + "#synonyms", ctx)
        ctx = _page_context(request, filtered=False, form=form)
        if request.htmx:
            return render(request, TEMPLATE + "#synonyms", ctx)
        return render(request, TEMPLATE, ctx, status=400)

    ctx = _page_context(request)
    editing = request.GET.get("edit", "")
    if editing.isdigit():
        group = SynonymGroup.objects.filter(pk=int(editing)).first()
        if group is not None:
            ctx.update(editing=group.pk, edit_form=_row_form(group))
    if request.htmx and request.htmx.target == "synonym-results":
        return render(request, TEMPLATE + "#synonym-results", ctx)
    return render(request, TEMPLATE, ctx)


def _row(request: HttpRequest, group: SynonymGroup, *, status: int = 200, **extra):
    ctx = {"g": group, "editing": None, "edit_form": None, **extra}
    return render(request, TEMPLATE + "#synonym-row", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def synonym_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: one row, read-only or (`?edit=1`) as a form. POST: save the row's form."""
    group = _get_group(request, pk)
    list_url = reverse("catalog:synonyms")
    if request.method == "GET":
        if not request.htmx:
            return redirect(f"{list_url}?edit={group.pk}#synonym-{group.pk}")
        if request.GET.get("edit"):
            return _row(request, group, editing=group.pk, edit_form=_row_form(group))
        return _row(request, group)

    form = _row_form(group, request.POST)
    saved = _save(request, form, group)
    if saved is None:
        group.refresh_from_db()  # as stored: the form keeps what was typed
        if request.htmx:
            return _row(request, group, editing=group.pk, edit_form=form)
        ctx = _page_context(request, filtered=False, editing=group.pk, edit_form=form)
        return render(request, TEMPLATE, ctx, status=400)
    done = _("已保存，相关资源已重新索引。")
    if request.htmx:
        return _row(request, saved, row_done=done, counts_changed=True, **_counts())
    messages.success(request, done)
    return redirect(f"{list_url}#synonym-{saved.pk}")


@require_POST
@login_required
def synonym_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a group on (`active=1`) or off (`active=0`) without touching its words."""
    group = _get_group(request, pk)
    active = request.POST.get("active") == "1"
    error = done = None
    try:
        group = actions.synonym_group_save(
            actor=request.user, group=group, words=group.words, active=active
        )
    except (ValidationError, ActionError) as exc:
        group.refresh_from_db()
        error = _error_text(exc)
    else:
        done = _("已启用。") if active else _("已停用，这些词不再互相检索。")
    if request.htmx:
        return _row(
            request, group, row_done=done, row_error=error, counts_changed=True, **_counts()
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(f"{reverse('catalog:synonyms')}#synonym-{group.pk}")


@require_POST
@login_required
def synonym_delete(request: HttpRequest, pk: int) -> HttpResponse:
    group = _get_group(request, pk)
    words = group.words
    deleted_pk = group.pk
    actions.synonym_group_delete(actor=request.user, group=group)
    done = _("已删除同义词组：%(words)s") % {"words": words}
    if request.htmx:
        ctx = {"deleted_pk": deleted_pk, "deleted_done": done, **_counts()}
        return render(request, TEMPLATE + "#synonym-deleted", ctx)
    messages.success(request, done)
    return redirect("catalog:synonyms")

"""Finance (财政): payout batches made of the claims whose public notice has ended, their approval
and payment, the xlsx for the bank, and the fund ledger (资金台账) per programme. Operators and
auditors read these pages; only finance approves and pays (operators may also make a batch)."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from atelier.catalog.exporting import (
    HEADER_FILL,
    HEADER_FONT,
    XLSX_TYPE,
    _workbook_bytes,
    safe_cell,
)
from atelier.core.errors import ActionError
from atelier.core.workflow import history

from . import actions, ledger, permissions
from .models import BatchStatus, Claim, LedgerEntry, UseStatus, fen_to_yuan
from .views import entry_yuan, error_text, money, yuanify

MONEY_FORMAT = "#,##0.00"


def _require_reader(user) -> None:
    if not permissions.reads_everything(user):
        raise PermissionDenied(_("只有财政、运营方和审计可以查看拨付。"))


def ready_claims(today=None):
    """Claims approved, out of their public notice and in no batch yet."""
    today = today or timezone.localdate()
    return Claim.objects.filter(
        use__status=UseStatus.NOTICED, batch__isnull=True, notice_until__lt=today
    )


@login_required
def finance(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_reader(user)
    today = timezone.localdate()
    ready = {
        row["use__voucher__programme"]: row
        for row in ready_claims(today)
        .values("use__voucher__programme")
        .annotate(n=Count("pk"), total=Sum("approved_fen"))
    }
    noticing = dict(
        Claim.objects.filter(use__status=UseStatus.NOTICED, notice_until__gte=today)
        .values_list("use__voucher__programme")
        .annotate(n=Count("pk"))
    )
    programmes = []
    for p in permissions.programmes_visible_to(user).order_by("-year", "name"):
        row = ready.get(p.pk)
        if row or noticing.get(p.pk):
            p.ready_n = row["n"] if row else 0
            p.ready_total_yuan = fen_to_yuan(row["total"] if row else 0)
            p.noticing_n = noticing.get(p.pk, 0)
            programmes.append(p)
    batches = list(
        permissions.batches_visible_to(user)
        .annotate(n=Count("claims"), total=Sum("claims__approved_fen"))
        .order_by("status", "-created_at")[:50]
    )
    for b in batches:
        b.total_yuan = fen_to_yuan(b.total or 0)
    ctx = {
        "programmes": programmes,
        "batches": batches,
        "can_create": bool(permissions.can_create_batch(user)),
        "can_run": bool(permissions.can_run_batches(user)),
    }
    return render(request, "vouchers/finance.html", ctx)


@login_required
@require_POST
def batch_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.get_programme_for_user(request.user, pk)
    if not (decision := permissions.can_create_batch(request.user)):
        raise PermissionDenied(decision.reason)
    try:
        batch = actions.batch_create(request.user, programme)
    except (ValidationError, ActionError) as exc:
        messages.error(request, error_text(exc))
        return redirect("vouchers:finance")
    messages.success(request, _("已生成拨付批次 #%(n)d，请审批。") % {"n": batch.pk})
    return redirect("vouchers:batch", batch.pk)


def _batch_claims(batch):
    return list(
        batch.claims.select_related(
            "claimant", "use", "use__voucher", "use__voucher__enterprise", "use__provider"
        ).order_by("pk")
    )


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = permissions.get_batch_for_user(request.user, pk)
    claims = _batch_claims(batch)
    yuanify(*claims)
    can_run = bool(permissions.can_run_batches(request.user))
    ctx = {
        "batch": batch,
        "claims": claims,
        "total_yuan": fen_to_yuan(sum(c.approved_fen or 0 for c in claims)),
        "can_approve": can_run and batch.status == BatchStatus.DRAFT,
        "can_pay": can_run and batch.status == BatchStatus.APPROVED,
        "history": list(history(batch)),
        "workflow": actions.BATCH_FLOW,
    }
    return render(request, "vouchers/batch_detail.html", ctx)


@login_required
@require_POST
def batch_event(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    batch = permissions.get_batch_for_user(request.user, pk)
    try:
        if event == "approve":
            actions.batch_approve(request.user, batch)
            messages.success(request, _("拨付批次已审批，可导出给银行。"))
        elif event == "paid":
            actions.batch_paid(request.user, batch)
            messages.success(request, _("已确认拨付，相关兑付已记入资金台账。"))
        else:
            raise PermissionDenied
    except (ValidationError, ActionError) as exc:
        messages.error(request, error_text(exc))
    return redirect("vouchers:batch", batch.pk)


def batch_workbook(batch, claims) -> bytes:
    """The bank's sheet: one transfer per claim. The account holder is the organisation itself
    (public money goes only to the payee's own account); amounts are yuan with two decimals."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("拨付清单")
    header = [
        _("序号"), _("收款单位"), _("账户名称"), _("金额（元）"), _("兑付申请编号"),
        _("发票号码"), _("券号"), _("兑付方式"), _("服务内容"),
    ]  # fmt: skip
    ws.append([safe_cell(h) for h in header])
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    total = Decimal("0.00")
    for i, claim in enumerate(claims, start=1):
        amount = fen_to_yuan(claim.approved_fen or 0)
        total += amount
        ws.append(
            [
                i,
                safe_cell(claim.claimant.name),
                safe_cell(claim.claimant.name),
                amount,
                f"DF{claim.pk:06d}",
                safe_cell(claim.invoice_no),
                safe_cell(claim.use.voucher.code),
                safe_cell(claim.get_mode_display()),
                safe_cell(claim.use.service),
            ]
        )
    ws.append([None, _("合计"), None, total])
    for (cell,) in ws.iter_rows(min_row=2, min_col=4, max_col=4):
        cell.number_format = MONEY_FORMAT
    for letter, width in zip("ABCDEFGHI", (6, 32, 32, 14, 14, 16, 22, 22, 30), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    return _workbook_bytes(wb)


@login_required
def batch_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    batch = permissions.get_batch_for_user(request.user, pk)
    data = batch_workbook(batch, _batch_claims(batch))
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f"voucher-payout-{batch.pk}.xlsx"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _yuan_balances(b: ledger.Balances) -> dict:
    return {**money(b), "balanced": b.balanced}


@login_required
def ledger_page(request: HttpRequest) -> HttpResponse:
    """The fund ledger (资金台账): the balances of every programme, summed from the ledger rows,
    with the invariant checked, and the latest movements."""
    user = request.user
    _require_reader(user)
    sums = {
        row["programme"]: row
        for row in LedgerEntry.objects.values("programme").annotate(
            **{b: Sum(f"d_{b}") for b in ledger.BUCKETS}
        )
    }
    rows = []
    for p in permissions.programmes_visible_to(user).order_by("-year", "name"):
        s = sums.get(p.pk, {})
        rows.append((p, ledger.Balances(**{k: s.get(k) or 0 for k in ledger.BUCKETS})))
    total = ledger.Balances(**{k: sum(getattr(b, k) for _p, b in rows) for k in ledger.BUCKETS})
    kind = request.GET.get("kind", "")
    entries = LedgerEntry.objects.select_related("programme", "voucher", "actor").order_by(
        "-at", "-pk"
    )
    if kind:
        entries = entries.filter(kind=kind)
    entries = list(entries[:50])
    for e in entries:
        e.amount_yuan = entry_yuan(e)
    unpaid = Claim.objects.filter(
        Q(use__status=UseStatus.NOTICED) & ~Q(batch__status=BatchStatus.PAID)
    ).aggregate(n=Count("pk"), total=Sum("approved_fen"))
    ctx = {
        "rows": [(p, _yuan_balances(b)) for p, b in rows],
        "total": _yuan_balances(total),
        "entries": entries,
        "kind": kind,
        "kinds": LedgerEntry._meta.get_field("kind").choices,
        "unpaid": unpaid,
        "unpaid_yuan": fen_to_yuan(unpaid["total"] or 0),
    }
    return render(request, "vouchers/ledger.html", ctx)

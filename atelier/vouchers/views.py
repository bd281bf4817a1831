"""Pages of the innovation vouchers (创新券): programmes and their rules, and the enterprise's
workspace (我的创新券: apply with live checks, vouchers, reserving a service, confirming it).

The provider's and the reviewer's pages are in views_claims.py and views_review.py, finance's in
views_finance.py. Every write goes through `actions`; every read through the scoping functions
of `permissions`, so an object outside the user's scope answers 404.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from atelier.core.errors import ActionError
from atelier.core.forms import apply_error
from atelier.core.workflow import history

from . import actions, ledger, permissions
from .forms import ApplyForm, ProgrammeForm, ReasonForm, ReserveForm, RulesForm
from .models import (
    Application,
    ApplicationStatus,
    Enrolment,
    EnrolmentStatus,
    ProgrammeStatus,
    RedemptionMode,
    UseStatus,
    Voucher,
    VoucherStatus,
    VoucherUse,
    fen_to_yuan,
    yuan_to_fen,
)

U = UseStatus
SOON_DAYS = 14  # a deadline this close is shown in red


def error_text(exc: Exception) -> str:
    if isinstance(exc, ActionError):
        return exc.message
    return pgettext("message separator", "；").join(exc.messages)


def yuanify(*objects):
    """Give every `<name>_fen` attribute of each object a `<name>_yuan` twin (Decimal) for the
    `yuan` filter: money is converted once, here, never in a template."""
    for obj in objects:
        for name, value in list(vars(obj).items()):
            if name.endswith("_fen") and (value is None or isinstance(value, int)):
                setattr(obj, name[:-4] + "_yuan", fen_to_yuan(value))
    return objects


def money(balances: ledger.Balances) -> dict:
    return {name: fen_to_yuan(getattr(balances, name)) for name in ledger.BUCKETS}


ENTRY_BUCKET = {
    "budget": "budget", "grant": "granted", "reserve": "reserved", "release": "available",
    "spend": "spent", "reclaim": "granted", "clawback": "spent", "payout": "paid",
}  # fmt: skip


def entry_yuan(entry):
    """The amount a ledger row moved, as a reader names it (核销 → spent, 拨付 → paid, …)."""
    bucket = ENTRY_BUCKET.get(entry.kind)
    fen = abs(getattr(entry, f"d_{bucket}")) if bucket else 0
    if not fen:
        fen = max(abs(getattr(entry, f"d_{b}")) for b in ledger.BUCKETS)
    return fen_to_yuan(fen)


def days_left(day) -> int:
    return (day - timezone.localdate()).days


# ---------------------------------------------------------------- programmes


def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = (
        permissions.programmes_visible_to(request.user)
        .annotate(
            open_first=Case(
                When(status=ProgrammeStatus.OPEN, then=Value(0)),
                When(status=ProgrammeStatus.DRAFT, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "-year", "closes_on", "pk")
    )
    rows = list(programmes)
    for p in rows:
        p.granted_fen = p.budget_fen - p.unallocated_fen
        p.used_percent = round(100 * p.granted_fen / p.budget_fen) if p.budget_fen else 0
    yuanify(*rows)
    ctx = {
        "programmes": rows,
        "can_create": bool(permissions.can_manage_programmes(request.user)),
        "has_enterprise": permissions.enterprises_of(request.user).exists(),
    }
    return render(request, "vouchers/programme_list.html", ctx)


@login_required
def programme_create(request: HttpRequest) -> HttpResponse:
    if not (decision := permissions.can_manage_programmes(request.user)):
        raise PermissionDenied(decision.reason)
    today = timezone.localdate()
    form = ProgrammeForm(
        request.POST or None, initial={"year": today.year, "batch": 1, "status": "draft"}
    )
    if request.method == "POST" and form.is_valid():
        values = form.values()
        budget = values.pop("budget_yuan")
        try:
            programme = actions.programme_create(request.user, budget_yuan=budget, **values)
        except (ValidationError, ActionError) as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("项目已设立。请发布第一版规则，企业才能申领。"))
            return redirect("vouchers:rules", programme.pk)
    status = 400 if form.errors else 200
    return render(request, "vouchers/programme_form.html", {"form": form}, status=status)


def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    programme = permissions.get_programme_for_user(user, pk)
    rules = programme.rules()
    balances = ledger.balances(programme=programme)
    versions = list(programme.rule_sets.filter(published_at__isnull=False).order_by("-version"))
    enrolments = list(
        Enrolment.objects.filter(programme=programme)
        .select_related("provider", "provider__district")
        .order_by("status", "provider__name")
    )
    can_decide = bool(permissions.can_decide_enrolment(user, programme))
    accepted = [e for e in enrolments if e.status == EnrolmentStatus.ACCEPTED]
    others = [e for e in enrolments if e.status != EnrolmentStatus.ACCEPTED]
    mine = set(permissions.providers_of(user).values_list("pk", flat=True))
    enrolled = {e.provider_id for e in enrolments}
    can_enrol = [
        o for o in permissions.providers_of(user) if o.pk not in enrolled
    ] if programme.status != ProgrammeStatus.CLOSED else []  # fmt: skip
    ctx = {
        "programme": programme,
        "rules": rules,
        "rules_lines": actions.rules_text(rules) if rules else [],
        "versions": versions,
        "money": money(balances),
        "used_percent": round(100 * balances.granted / balances.budget) if balances.budget else 0,
        "accepted": accepted,
        "pending_enrolments": others
        if (can_decide or permissions.reads_everything(user))
        else [e for e in others if e.provider_id in mine],  # fmt: skip
        "can_decide": can_decide,
        "can_enrol": can_enrol,
        "can_manage": bool(permissions.can_manage_programmes(user)),
        "can_apply": programme.status == ProgrammeStatus.OPEN
        and rules is not None
        and permissions.enterprises_of(user).exists(),
        "categories": programme.category_list(),
        "size_bands": [b for b in programme.size_bands.split(",") if b],
        "tags": list(programme.required_tags.all()),
    }
    return render(request, "vouchers/programme_detail.html", ctx)


@login_required
def rules_publish(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.get_programme_for_user(request.user, pk)
    if not (decision := permissions.can_manage_programmes(request.user)):
        raise PermissionDenied(decision.reason)
    current = programme.rules()
    form = RulesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            rules = actions.rules_publish(request.user, programme, form.values())
        except (ValidationError, ActionError) as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("已发布第 %(v)d 版规则，即时生效。") % {"v": rules.version})
            return redirect(programme)
    ctx = {"form": form, "programme": programme, "current": current}
    return render(request, "vouchers/rules_form.html", ctx, status=400 if form.errors else 200)


@login_required
@require_POST
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.get_programme_for_user(request.user, pk)
    provider = permissions.providers_of(request.user).filter(pk=request.POST.get("org")).first()
    if provider is None:
        messages.error(request, _("请选择本机构。"))
        return redirect(programme)
    try:
        actions.enrol(request.user, programme, provider)
    except (ValidationError, ActionError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已提交入库申请，等待主管部门审核。"))
    return redirect(programme)


@login_required
@require_POST
def enrolment_decide(request: HttpRequest, pk: int, eid: int, decision: str) -> HttpResponse:
    programme = permissions.get_programme_for_user(request.user, pk)
    enrolment = Enrolment.objects.filter(programme=programme, pk=eid).first()
    if enrolment is None or decision not in ("accept", "reject"):
        messages.error(request, _("入库申请不存在。"))
        return redirect(programme)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        actions.enrolment_decide(
            request.user,
            enrolment,
            accept=decision == "accept",
            reason=form.cleaned_data.get("reason", ""),
        )
    except (ValidationError, ActionError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已处理：%(p)s") % {"p": enrolment.provider.name})
    return redirect(programme)


# ---------------------------------------------------------------- applying


def _checks(programme, enterprise, amount_text: str):
    """The automatic checks for the amount typed so far (None when it is not a number yet)."""
    try:
        amount_fen = yuan_to_fen(amount_text)
    except (ValueError, ArithmeticError):
        return None, None
    if amount_fen <= 0:
        return None, None
    return actions.eligibility(programme, enterprise, amount_fen), amount_fen


@login_required
@vary_on_headers("HX-Request")
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.get_programme_for_user(request.user, pk)
    enterprises = permissions.enterprises_of(request.user).order_by("name")
    if not enterprises.exists():
        ctx = {"programme": programme, "form": None, "no_enterprise": True}
        return render(request, "vouchers/apply.html", ctx)
    form = ApplyForm(request.POST or None, enterprises=enterprises)
    rules = programme.rules()
    checks = None
    if request.method == "POST":
        if form.is_valid():
            enterprise = form.cleaned_data["enterprise"]
            try:
                application = actions.apply(
                    request.user, programme, enterprise,
                    amount=form.cleaned_data["amount"], purpose=form.cleaned_data["purpose"],
                )  # fmt: skip
            except (ValidationError, ActionError) as exc:
                apply_error(form, exc)
                checks, _fen = _checks(programme, enterprise, str(form.cleaned_data["amount"]))
            else:
                messages.success(
                    request,
                    _("申领已提交（%(a)s 元），主管部门审核通过后即发放电子券。")
                    % {"a": fen_to_yuan(application.amount_fen)},
                )
                return redirect("vouchers:mine")
    else:
        enterprise = enterprises.first()
        checks, _fen = _checks(programme, enterprise, request.GET.get("amount", ""))
    ctx = {
        "programme": programme,
        "rules": rules,
        "rules_lines": actions.rules_text(rules) if rules else [],
        "form": form,
        "checks": checks,
    }
    return render(request, "vouchers/apply.html", ctx, status=400 if form.errors else 200)


@login_required
def apply_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The eligibility checks for what is typed in the apply form (htmx)."""
    programme = permissions.get_programme_for_user(request.user, pk)
    source = request.POST if request.method == "POST" else request.GET
    enterprises = permissions.enterprises_of(request.user)
    enterprise = enterprises.filter(pk=source.get("enterprise") or 0).first() or enterprises.first()
    checks = None
    if enterprise is not None:
        checks, _fen = _checks(programme, enterprise, source.get("amount", ""))
    return render(request, "vouchers/apply.html#checks", {"checks": checks})


# ---------------------------------------------------------------- the enterprise's workspace


@dataclass
class Step:
    text: str
    url: str = ""
    label: str = ""
    urgent: bool = False


@dataclass
class VoucherCard:
    voucher: Voucher
    uses: list = field(default_factory=list)
    steps: list = field(default_factory=list)


def next_steps(voucher: Voucher, uses, *, modes) -> list[Step]:
    """What the enterprise should do next with this voucher, most pressing first."""
    steps = []
    if voucher.status != VoucherStatus.ACTIVE:
        return [Step(_("该券已结束，未使用的额度已收回。"))]
    use_days, redeem_days = days_left(voucher.use_by), days_left(voucher.redeem_by)
    for use in uses:
        if use.status == U.RESERVED:
            steps.append(
                Step(
                    _("“%(s)s”完成后请确认服务，才能申请兑付。") % {"s": use.service},
                    voucher.get_absolute_url() + f"#use-{use.pk}",
                    _("确认服务"),
                    urgent=redeem_days <= SOON_DAYS,
                )
            )
        elif use.status == U.CONFIRMED:
            if RedemptionMode.TONGYONG in modes:
                text = _("“%(s)s”已确认：请在 %(d)s 前上传合同、发票、付款凭证和成果报告申请兑付。")
                steps.append(
                    Step(
                        text % {"s": use.service, "d": voucher.redeem_by},
                        reverse("vouchers:claim_submit", args=[use.pk]),
                        _("申请兑付"),
                        urgent=redeem_days <= SOON_DAYS,
                    )
                )
            else:
                steps.append(Step(_("“%(s)s”已确认，等待服务机构申请通兑。") % {"s": use.service}))
        elif use.status == U.CLAIMED:
            steps.append(Step(_("“%(s)s”的兑付申请审核中。") % {"s": use.service}))
        elif use.status == U.NOTICED:
            notice_until = getattr(getattr(use, "claim", None), "notice_until", None)
            steps.append(
                Step(
                    _("“%(s)s”审核通过，公示至 %(d)s，期满后拨付。")
                    % {"s": use.service, "d": notice_until}
                )
            )
    if voucher.available_fen > 0 and use_days >= 0:
        steps.append(
            Step(
                _("还可抵扣 %(a)s 元：请在 %(d)s 前向入库服务机构购买服务。")
                % {"a": f"{fen_to_yuan(voucher.available_fen):,}", "d": voucher.use_by},
                voucher.get_absolute_url() + "#reserve",
                _("使用创新券"),
                urgent=use_days <= SOON_DAYS,
            )
        )
    if not steps:
        steps.append(Step(_("额度已全部使用，等待兑付完成。")))
    return steps


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = request.user
    enterprises = list(permissions.enterprises_of(user).order_by("name"))
    uses_qs = VoucherUse.objects.select_related("provider", "claim").order_by("created_at")
    vouchers = list(
        Voucher.objects.filter(enterprise__in=enterprises)
        .select_related("programme", "enterprise", "application__rules")
        .prefetch_related(Prefetch("uses", queryset=uses_qs))
        .annotate(
            active_first=Case(
                When(status=VoucherStatus.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("active_first", "use_by", "pk")
    )
    cards = []
    for v in vouchers:
        uses = list(v.uses.all())
        v.use_days, v.redeem_days = days_left(v.use_by), days_left(v.redeem_by)
        modes = v.application.rules.mode_list()
        cards.append(VoucherCard(v, uses, next_steps(v, uses, modes=modes)))
    active = [v for v in vouchers if v.status == VoucherStatus.ACTIVE]
    totals = {
        "granted": fen_to_yuan(sum(v.granted_fen for v in active)),
        "available": fen_to_yuan(sum(v.available_fen for v in active)),
        "reserved": fen_to_yuan(sum(v.reserved_fen for v in active)),
        "spent": fen_to_yuan(sum(v.spent_fen for v in vouchers)),
    }
    yuanify(*vouchers)
    applications = list(
        Application.objects.filter(enterprise__in=enterprises)
        .exclude(status=ApplicationStatus.APPROVED)
        .select_related("programme", "enterprise")[:20]
    )
    yuanify(*applications)
    for a in applications:
        if a.status == ApplicationStatus.REJECTED:
            last = history(a).order_by("-at").first()
            a.reason = last.reason if last else ""
    open_programmes = list(
        permissions.programmes_visible_to(user)
        .filter(status=ProgrammeStatus.OPEN, closes_on__gte=timezone.localdate())
        .order_by("closes_on")[:6]
    )
    ctx = {
        "enterprises": enterprises,
        "cards": cards,
        "totals": totals,
        "applications": applications,
        "open_programmes": open_programmes,
        "soon_days": SOON_DAYS,
    }
    return render(request, "vouchers/mine.html", ctx)


# ---------------------------------------------------------------- one voucher


def _reserve_providers(voucher: Voucher):
    from atelier.orgs.models import Organization

    return (
        Organization.objects.filter(
            voucher_enrolments__programme_id=voucher.programme_id,
            voucher_enrolments__status=EnrolmentStatus.ACCEPTED,
        )
        .exclude(pk=voucher.enterprise_id)
        .order_by("name")
    )


def _voucher_context(request, voucher: Voucher, reserve_form=None) -> dict:
    user = request.user
    can_use = bool(permissions.can_use_voucher(user, voucher))
    active = voucher.status == VoucherStatus.ACTIVE and days_left(voucher.use_by) >= 0
    uses = list(voucher.uses.select_related("provider", "claim").order_by("-created_at"))
    rules = voucher.programme.rules()
    modes = voucher.application.rules.mode_list()
    for use in uses:
        use.claim_obj = getattr(use, "claim", None)
    if reserve_form is None and can_use and active:
        reserve_form = ReserveForm(
            providers=_reserve_providers(voucher), categories=voucher.programme.category_list()
        )
    voucher.use_days, voucher.redeem_days = days_left(voucher.use_by), days_left(voucher.redeem_by)
    entries = list(voucher.ledger.select_related("actor").order_by("at", "pk"))
    for e in entries:
        e.amount_yuan = entry_yuan(e)
    yuanify(voucher, *uses)
    return {
        "voucher": voucher,
        "uses": uses,
        "rules": rules,
        "rules_lines": actions.rules_text(rules) if rules else [],
        "can_use": can_use,
        "can_claim": can_use and RedemptionMode.TONGYONG in modes,
        "reserve_form": reserve_form if (can_use and active) else None,
        "steps": next_steps(voucher, uses, modes=modes) if can_use else [],
        "entries": entries,
        "history": list(history(voucher)),
        "soon_days": SOON_DAYS,
    }


@login_required
def voucher_detail(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = permissions.get_voucher_for_user(request.user, pk)
    return render(request, "vouchers/voucher_detail.html", _voucher_context(request, voucher))


@login_required
def quote(request: HttpRequest, pk: int) -> HttpResponse:
    """How much of a price the voucher pays, by the rules in force (htmx, on the reserve form)."""
    voucher = permissions.get_voucher_for_user(request.user, pk)
    rules = voucher.programme.rules()
    part = price = None
    try:
        price = yuan_to_fen(request.GET.get("price", ""))
    except (ValueError, ArithmeticError):
        price = None
    if price and price > 0 and rules is not None:
        part = min(rules.voucher_part(price), voucher.available_fen)
    ctx = {
        "price": fen_to_yuan(price) if price and price > 0 else None,
        "part": fen_to_yuan(part) if part is not None else None,
        "own": fen_to_yuan(price - part) if part is not None else None,
        "capped": part is not None and part == voucher.available_fen,
    }
    return render(request, "vouchers/voucher_detail.html#quote", ctx)


@login_required
@require_POST
def reserve(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = permissions.get_voucher_for_user(request.user, pk)
    if not (decision := permissions.can_use_voucher(request.user, voucher)):
        raise PermissionDenied(decision.reason)
    form = ReserveForm(
        request.POST,
        providers=_reserve_providers(voucher),
        categories=voucher.programme.category_list(),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            use = actions.reserve(
                request.user, voucher, provider=data["provider"], price=data["price"],
                service=data["service"], contract_no=data["contract_no"],
                category=data.get("category", ""),
            )  # fmt: skip
        except (ValidationError, ActionError) as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request,
                _("已预占 %(a)s 元。服务完成后请回到这里确认服务。")
                % {"a": f"{fen_to_yuan(use.amount_fen):,}"},
            )
            return redirect(voucher)
    voucher.refresh_from_db()
    ctx = _voucher_context(request, voucher, reserve_form=form)
    return render(request, "vouchers/voucher_detail.html", ctx, status=400)


@login_required
@require_POST
def use_event(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    use = permissions.get_use_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        if event == "confirm":
            actions.use_confirm(request.user, use)
            messages.success(request, _("已确认服务完成，可以申请兑付。"))
        elif event == "release":
            actions.use_release(request.user, use, reason=form.cleaned_data.get("reason", ""))
            messages.success(request, _("已取消，预占的额度已退回创新券。"))
        else:
            raise PermissionDenied
    except (ValidationError, ActionError) as exc:
        messages.error(request, error_text(exc))
    if permissions.is_member(request.user, use.voucher.enterprise_id):
        return redirect(use.voucher)
    return redirect("vouchers:provider")

"""Every write on innovation vouchers. Each action checks permission and rules, moves money only
through `ledger` (compare-and-set + append-only entry), moves states through Workflows
(StatusChange + audit) and does it all in one transaction: a refusal changes nothing."""

import hashlib
import secrets
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from atelier.accounts.models import Role
from atelier.core import audit
from atelier.core.errors import ActionError, Conflict, NotAllowed
from atelier.core.uploads import validate_document
from atelier.core.workflow import Transition, Workflow
from atelier.orgs.models import Membership, Organization, OrgKind, OrgStatus

from . import ledger, risk
from .models import (
    Application,
    ApplicationStatus,
    BatchStatus,
    Claim,
    ClaimDocument,
    Enrolment,
    EnrolmentStatus,
    Entry,
    LedgerEntry,
    PayoutBatch,
    Programme,
    ProgrammeStatus,
    RedemptionMode,
    RuleSet,
    UseStatus,
    Voucher,
    VoucherStatus,
    VoucherUse,
    fen_to_yuan,
    yuan_to_fen,
)

A = ApplicationStatus
APPLICATION_FLOW = Workflow(
    Application,
    [
        Transition("approve", (A.SUBMITTED,), A.APPROVED, "批准发券"),
        Transition("reject", (A.SUBMITTED,), A.REJECTED, "不予批准", requires_reason=True),
    ],
)
E = EnrolmentStatus
ENROLMENT_FLOW = Workflow(
    Enrolment,
    [
        Transition("accept", (E.PENDING, E.REJECTED), E.ACCEPTED, "同意入库"),
        Transition("reject", (E.PENDING, E.ACCEPTED), E.REJECTED, "不予入库", requires_reason=True),
    ],
)
V = VoucherStatus
VOUCHER_FLOW = Workflow(
    Voucher,
    [
        Transition("expire", (V.ACTIVE,), V.EXPIRED, "到期回收"),
        Transition("cancel", (V.ACTIVE,), V.CANCELLED, "作废", requires_reason=True),
    ],
)
U = UseStatus
USE_FLOW = Workflow(
    VoucherUse,
    [
        Transition("confirm", (U.RESERVED,), U.CONFIRMED, "确认服务完成"),
        Transition("claim", (U.CONFIRMED,), U.CLAIMED, "申请兑付"),
        Transition("approve", (U.CLAIMED,), U.NOTICED, "审核通过并公示"),
        Transition("reject", (U.CLAIMED,), U.REJECTED, "审核不通过", requires_reason=True),
        Transition("pay", (U.NOTICED,), U.PAID, "拨付"),
        Transition(
            "release",
            (U.RESERVED, U.CONFIRMED),
            U.RELEASED,
            "取消并释放",
            requires_reason=True,
        ),  # fmt: skip
    ],
)
B = BatchStatus
BATCH_FLOW = Workflow(
    PayoutBatch,
    [
        Transition("approve", (B.DRAFT,), B.APPROVED, "审批拨付"),
        Transition("pay", (B.APPROVED,), B.PAID, "确认已拨付"),
    ],
)

REQUIRED_DOCUMENTS = (
    ClaimDocument.Kind.CONTRACT,
    ClaimDocument.Kind.INVOICE,
    ClaimDocument.Kind.PAYMENT,
    ClaimDocument.Kind.REPORT,
)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise NotAllowed(message)


def _member(user, org_id: int) -> bool:
    return bool(
        user and user.is_authenticated
        and Membership.objects.filter(user=user, organization_id=org_id).exists()
    )  # fmt: skip


def _is(user, *roles) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in roles))


def can_review(user, programme: Programme) -> bool:
    """The programme's district reviewer (any reviewer for a city-wide programme)."""
    if not _is(user, Role.REVIEWER):
        return _is(user)  # superuser
    return programme.district_id is None or user.district_id == programme.district_id


def _money(value, field: str) -> int:
    try:
        fen = yuan_to_fen(value)
    except (ValueError, ArithmeticError):
        raise ValidationError({field: _("金额须为数字，最多两位小数。")}) from None
    if fen <= 0:
        raise ValidationError({field: _("金额须大于零。")})
    return fen


# ---------------------------------------------------------------- programmes and rules


def programme_create(actor, *, budget_yuan, **fields) -> Programme:
    _require(_is(actor, Role.OPERATOR), _("只有运营方可以设立创新券项目。"))
    fen = _money(budget_yuan, "budget_yuan")
    programme = Programme(budget_fen=0, unallocated_fen=0, **fields)
    programme.full_clean(exclude=["budget_fen"])
    with transaction.atomic():
        programme.save()
        ledger.budget(programme, fen, actor=actor, note="项目预算")
        audit.record(actor=actor, verb="programme.create", obj=programme)
    programme.refresh_from_db()
    return programme


def rules_publish(actor, programme: Programme, values: dict) -> RuleSet:
    """A new version of the rules, in force from now. Earlier versions stay as they were."""
    _require(_is(actor, Role.OPERATOR), _("只有运营方可以发布规则。"))
    with transaction.atomic():
        ledger.lock(programme)
        last = programme.rule_sets.order_by("-version").values_list("version", flat=True).first()
        rules = RuleSet(
            programme=programme, version=(last or 0) + 1, published_at=timezone.now(),
            created_by=actor, **values,
        )  # fmt: skip
        _validate_bands(rules.bands)
        rules.full_clean(exclude=["programme", "created_by"])
        rules.save()
        audit.record(actor=actor, verb="rules.publish", obj=programme, note=f"v{rules.version}")
    return rules


def _validate_bands(bands) -> None:
    ok = isinstance(bands, list) and bands
    last = 0
    for i, band in enumerate(bands or []):
        if not (isinstance(band, list | tuple) and len(band) == 2):
            ok = False
            break
        upper, ratio = band
        if not isinstance(ratio, int) or not 0 < ratio <= 100:
            ok = False
        if upper is None:
            ok = ok and i == len(bands) - 1
        elif not isinstance(upper, int) or upper <= last:
            ok = False
        else:
            last = upper
    if not ok or bands[-1][0] is not None:
        raise ValidationError(
            {"bands": _("分段比例须按价格从低到高排列，比例为 1–100 的整数，最后一段不设上限。")}
        )


def enrol(actor, programme: Programme, provider: Organization) -> Enrolment:
    _require(_member(actor, provider.pk), _("只能为本机构申请入库。"))
    if provider.status != OrgStatus.VERIFIED or provider.kind == OrgKind.GOVERNMENT:
        raise ActionError(_("通过认证的服务机构才能申请入库。"), code="not_a_provider")
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(programme=programme, provider=provider)
            audit.record(actor=actor, verb="enrolment.create", obj=enrolment)
    except IntegrityError:
        raise Conflict(_("本机构已申请过该项目的入库。"), code="already_enrolled") from None
    return enrolment


def enrolment_decide(actor, enrolment: Enrolment, *, accept: bool, reason: str = "") -> Enrolment:
    _require(
        _is(actor, Role.OPERATOR) or can_review(actor, enrolment.programme),
        _("只有运营方或主管部门可以审核入库。"),
    )
    with transaction.atomic():
        ENROLMENT_FLOW.apply(
            enrolment, "accept" if accept else "reject", actor=actor, reason=reason
        )
    return enrolment


def rules_text(rules: RuleSet) -> list[str]:
    """The rules in plain Chinese, as applicants read them."""
    y = fen_to_yuan
    lines = []
    lower = 0
    parts = []
    for upper, ratio in rules.bands:
        if upper is None:
            parts.append(
                _("%(low)s 元以上部分按 %(r)d%% 补助") % {"low": f"{y(lower):,.0f}", "r": ratio}
            )
        else:
            span = (
                _("%(high)s 元以内") % {"high": f"{y(upper):,.0f}"}
                if lower == 0
                else _("%(low)s–%(high)s 元部分")
                % {"low": f"{y(lower):,.0f}", "high": f"{y(upper):,.0f}"}
            )
            parts.append(_("%(span)s按 %(r)d%% 补助") % {"span": span, "r": ratio})
            lower = upper
    lines.append(_("服务费用：") + "；".join(parts) + "。")
    lines.append(
        _(
            "每次使用最多抵扣 %(a)s 元；同时持有的创新券合计不超过 %(b)s 元；"
            "每家企业每年最多 %(c)s 元。"
        )
        % {
            "a": f"{y(rules.per_draw_cap_fen):,.0f}",
            "b": f"{y(rules.holding_cap_fen):,.0f}",
            "c": f"{y(rules.yearly_cap_fen):,.0f}",
        }
    )
    lines.append(
        _(
            "创新券自发放之日起 %(d)d 天内有效，逾期未使用的额度自动收回；"
            "服务完成后须在使用期满 %(r)d 天内申请兑付。"
        )
        % {"d": rules.validity_days, "r": rules.redeem_days}
    )
    modes = [str(RedemptionMode(m).label) for m in rules.mode_list()]
    lines.append(_("兑付方式：") + "、".join(modes) + "。")
    lines.append(
        _("兑付结果公示 %(n)d 天；每年随机抽查不少于 %(p)d%% 的已兑付项目。")
        % {"n": rules.notice_days, "p": rules.spot_check_percent}
    )
    return lines


# ---------------------------------------------------------------- applying and issuing


def _held_fen(enterprise_id: int, programme: Programme) -> int:
    return (
        Voucher.objects.filter(
            enterprise_id=enterprise_id, programme=programme, status=VoucherStatus.ACTIVE
        ).aggregate(s=Sum("available_fen") + Sum("reserved_fen"))["s"]
        or 0
    )


def _granted_this_year(enterprise_id: int, programme: Programme) -> int:
    """Granted to the enterprise this year by the same authority (area), net of reclaims."""
    return (
        LedgerEntry.objects.filter(
            enterprise_id=enterprise_id,
            year=programme.year,
            programme__district_id=programme.district_id,
            kind__in=(Entry.GRANT, Entry.RECLAIM),
        ).aggregate(s=Sum("d_granted"))["s"]
        or 0
    )


def money(fen: int) -> str:
    """Fen as yuan in a message: 5000000 → "50,000.00"."""
    return f"{fen_to_yuan(fen):,.2f}"


def eligibility(programme: Programme, enterprise: Organization, amount_fen: int, today=None):
    """The automatic checks, each {"code", "ok", "text"}; an application goes in only when all
    pass. Shown to the applicant and to the reviewer."""
    today = today or timezone.localdate()
    rules = programme.rules()
    checks = []

    def check(code, ok, text):
        checks.append({"code": code, "ok": bool(ok), "text": str(text)})

    check(
        "window",
        programme.status == ProgrammeStatus.OPEN
        and programme.opens_on <= today <= programme.closes_on,
        _("申领期 %(a)s 至 %(b)s") % {"a": programme.opens_on, "b": programme.closes_on},
    )
    check("rules", rules is not None, _("项目规则已发布"))
    check("verified", enterprise.status == OrgStatus.VERIFIED, _("企业已通过实名认证"))
    check("kind", enterprise.kind == OrgKind.ENTERPRISE, _("申领主体为企业"))
    check("blacklist", not risk.is_blacklisted(enterprise, on=today), _("未被列入创新券黑名单"))
    in_area = programme.district_id is None or enterprise.district_id == programme.district_id
    check(
        "area",
        in_area or programme.cross_region,
        _("企业注册地在发放区域内") if not programme.cross_region else _("本项目接受跨区域申领"),
    )
    bands = [b for b in programme.size_bands.split(",") if b]
    if bands:
        check("size", enterprise.size_band in bands, _("企业规模符合要求"))
    required = set(programme.required_tags.values_list("pk", flat=True))
    if required:
        have = set(enterprise.tags.values_list("pk", flat=True))
        check("tags", required <= have, _("具备要求的企业资质标签"))
    if rules is not None:
        held = _held_fen(enterprise.pk, programme)
        check(
            "holding_cap",
            held + amount_fen <= rules.holding_cap_fen,
            _("持有额度（现有 %(h)s 元 + 本次 %(a)s 元）不超过 %(c)s 元")
            % {"h": money(held), "a": money(amount_fen), "c": money(rules.holding_cap_fen)},
        )
        year = _granted_this_year(enterprise.pk, programme)
        check(
            "yearly_cap",
            year + amount_fen <= rules.yearly_cap_fen,
            _("本年度已获 %(g)s 元，加本次不超过年度上限 %(c)s 元")
            % {"g": money(year), "c": money(rules.yearly_cap_fen)},
        )
    pending = Application.objects.filter(
        programme=programme, enterprise=enterprise, status=A.SUBMITTED
    ).exists()
    check("pending", not pending, _("没有待审核的申领"))
    return checks


def apply(actor, programme: Programme, enterprise: Organization, *, amount, purpose: str):
    _require(_member(actor, enterprise.pk), _("只能为本企业申领创新券。"))
    amount_fen = _money(amount, "amount")
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("请说明创新券的用途。")})
    with transaction.atomic():
        ledger.lock(programme)
        checks = eligibility(programme, enterprise, amount_fen)
        failed = [c["text"] for c in checks if not c["ok"]]
        if failed:
            raise ActionError(
                _("不符合申领条件：%(r)s") % {"r": "；".join(failed)}, code="not_eligible"
            )
        application = Application.objects.create(
            programme=programme, enterprise=enterprise, rules=programme.rules(),
            amount_fen=amount_fen, purpose=purpose[:2000], checks=checks, applied_by=actor,
        )  # fmt: skip
        audit.record(actor=actor, verb="application.create", obj=application)
    return application


def _voucher_code(programme: Programme) -> str:
    area = programme.district_id or "330300"
    return f"CX{programme.year}{area[-2:]}{secrets.token_hex(5).upper()}"


def application_approve(actor, application: Application, *, note: str = "") -> Voucher:
    programme = application.programme
    _require(can_review(actor, programme), _("只能审核本区县项目的申领。"))
    rules = application.rules
    with transaction.atomic():
        ledger.lock(programme)
        # The caps again: other vouchers may have been issued since the application.
        checks = eligibility(programme, application.enterprise, application.amount_fen)
        failed = [
            c["text"] for c in checks
            if not c["ok"] and c["code"] in ("holding_cap", "yearly_cap", "verified", "blacklist")
        ]  # fmt: skip
        if failed:
            raise ActionError(
                _("已不符合条件：%(r)s") % {"r": "；".join(failed)}, code="not_eligible"
            )
        APPLICATION_FLOW.apply(application, "approve", actor=actor, reason=note)
        ledger.take_budget(programme, application.amount_fen)
        today = timezone.localdate()
        use_by = today + timedelta(days=rules.validity_days)
        voucher = Voucher.objects.create(
            code=_voucher_code(programme), application=application, programme=programme,
            enterprise=application.enterprise, granted_fen=application.amount_fen,
            available_fen=application.amount_fen,
            use_by=use_by, redeem_by=use_by + timedelta(days=rules.redeem_days),
        )  # fmt: skip
        ledger.grant(programme, voucher, application.amount_fen, actor=actor)
        audit.record(actor=actor, verb="voucher.issue", obj=voucher)
    return voucher


def application_reject(actor, application: Application, *, reason: str) -> Application:
    _require(can_review(actor, application.programme), _("只能审核本区县项目的申领。"))
    with transaction.atomic():
        APPLICATION_FLOW.apply(application, "reject", actor=actor, reason=reason)
    return application


# ---------------------------------------------------------------- using


def reserve(
    actor, voucher: Voucher, *, provider: Organization, price, service: str,
    contract_no: str = "", resource=None, category: str = "",
) -> VoucherUse:  # fmt: skip
    """Spend the voucher on a service: the voucher part of the price is reserved."""
    _require(_member(actor, voucher.enterprise_id), _("只有持券企业可以使用该创新券。"))
    price_fen = _money(price, "price")
    service = (service or "").strip()
    if not service:
        raise ValidationError({"service": _("请填写服务内容。")})
    programme = voucher.programme
    with transaction.atomic():
        ledger.lock(programme, voucher)
        voucher.refresh_from_db()
        today = timezone.localdate()
        if voucher.status != VoucherStatus.ACTIVE or voucher.use_by < today:
            raise ActionError(_("该创新券已过期或已作废。"), code="voucher_inactive")
        if not Enrolment.objects.filter(
            programme=programme, provider=provider, status=EnrolmentStatus.ACCEPTED
        ).exists():
            raise ActionError(_("该服务机构未入库本项目，不能使用创新券。"), code="not_enrolled")
        risk.ensure_not_blacklisted(provider, on=today)
        risk.ensure_not_blacklisted(voucher.enterprise, on=today)
        if provider.pk == voucher.enterprise_id:
            raise ActionError(_("不能向本企业购买服务。"), code="self_dealing")
        allowed = programme.category_list()
        if allowed and not category and resource is not None:
            category = resource.category
        if allowed and category not in allowed:
            raise ActionError(
                _("服务类别“%(c)s”不在本项目支持范围内。") % {"c": category or _("未填写")},
                code="category_not_allowed",
            )
        rules = programme.rules()
        part = min(rules.voucher_part(price_fen), voucher.available_fen)
        if part <= 0:
            raise ledger.Insufficient(_("创新券余额不足。"))
        use = VoucherUse.objects.create(
            voucher=voucher, provider=provider, resource=resource, contract_no=contract_no[:60],
            service=service[:200], price_fen=price_fen, amount_fen=part, created_by=actor,
        )  # fmt: skip
        ledger.reserve(voucher, use, part, actor=actor)
        audit.record(actor=actor, verb="voucher.reserve", obj=use, note=f"{fen_to_yuan(part)}")
    return use


def use_confirm(actor, use: VoucherUse) -> VoucherUse:
    # actor None: the system, when an order is confirmed automatically after delivery.
    _require(
        actor is None or _member(actor, use.voucher.enterprise_id),
        _("由持券企业确认服务完成。"),
    )
    with transaction.atomic():
        USE_FLOW.apply(use, "confirm", actor=actor)
    return use


def use_release(actor, use: VoucherUse, *, reason: str) -> VoucherUse:
    voucher = use.voucher
    _require(
        _member(actor, voucher.enterprise_id) or _member(actor, use.provider_id)
        or _is(actor, Role.OPERATOR),
        _("无权取消该项使用。"),
    )  # fmt: skip
    with transaction.atomic():
        ledger.lock(voucher.programme, voucher)
        USE_FLOW.apply(use, "release", actor=actor, reason=reason)
        ledger.release(voucher, use, use.amount_fen, actor=actor, note=reason)
    return use


def _sha256(upload) -> str:
    upload.seek(0)
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    return digest


def claim_submit(
    actor, use: VoucherUse, *, mode: str, invoice_no: str, documents: dict, idempotency_key: str
) -> Claim:
    """The redemption claim. Idempotent: the same key returns the claim already made."""
    key = (idempotency_key or "").strip()[:64]
    if not key:
        raise ValidationError({"idempotency_key": _("缺少幂等键。")})
    existing = Claim.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.use_id != use.pk:
            raise Conflict(_("该幂等键已用于另一项兑付申请。"), code="idempotency_conflict")
        return existing
    voucher = use.voucher
    rules = voucher.programme.rules()
    if mode not in rules.mode_list():
        raise ActionError(_("本项目不支持该兑付方式。"), code="mode_not_allowed")
    claimant_id = use.provider_id if mode == RedemptionMode.TONGDUI else voucher.enterprise_id
    _require(
        _member(actor, claimant_id),
        _("通兑由服务机构申请，通用由企业申请。"),
    )
    if timezone.localdate() > voucher.redeem_by:
        raise ActionError(_("已超过兑付截止日期。"), code="redeem_expired")
    invoice_no = (invoice_no or "").strip().upper()
    if not invoice_no:
        raise ValidationError({"invoice_no": _("请填写发票号码。")})
    missing = [str(ClaimDocument.Kind(k).label) for k in REQUIRED_DOCUMENTS if k not in documents]
    if missing:
        raise ValidationError({"documents": _("缺少材料：%(m)s") % {"m": "、".join(missing)}})
    hashes = {}
    for kind, upload in documents.items():
        validate_document(upload)
        hashes[kind] = _sha256(upload)
    if len(set(hashes.values())) < len(hashes):
        raise ValidationError({"documents": _("不同材料上传了同一个文件。")})
    reused = ClaimDocument.objects.filter(sha256__in=hashes.values()).exclude(
        kind=ClaimDocument.Kind.CONTRACT
    )
    if reused.exists():
        raise ActionError(
            _("材料与其他兑付申请中的文件相同（按文件内容比对）。"), code="document_reused"
        )
    try:
        with transaction.atomic():
            USE_FLOW.apply(use, "claim", actor=actor)
            claim = Claim.objects.create(
                use=use, mode=mode, claimant_id=claimant_id, idempotency_key=key,
                invoice_issuer_id=use.provider_id, invoice_no=invoice_no,
                claimed_fen=use.amount_fen, submitted_by=actor,
            )  # fmt: skip
            for kind, upload in documents.items():
                ClaimDocument.objects.create(
                    claim=claim, kind=kind, file=upload, sha256=hashes[kind]
                )
            audit.record(actor=actor, verb="claim.submit", obj=claim)
    except IntegrityError:
        existing = Claim.objects.filter(idempotency_key=key).first()
        if existing is not None and existing.use_id == use.pk:
            return existing  # the same request, submitted twice at once
        raise Conflict(
            _("发票号码 %(n)s 已被使用。") % {"n": invoice_no}, code="invoice_reused"
        ) from None
    return claim


def claim_review(actor, claim: Claim, *, approved, reasons: list[str] = ()) -> Claim:
    """Line-level result: the approved amount (≤ claimed) and numbered reasons for any cut."""
    use = claim.use
    voucher = use.voucher
    programme = voucher.programme
    _require(can_review(actor, programme), _("只能审核本区县项目的兑付。"))
    try:
        approved_fen = yuan_to_fen(approved)
    except (ValueError, ArithmeticError):
        raise ValidationError({"approved": _("金额须为数字，最多两位小数。")}) from None
    if not 0 <= approved_fen <= claim.claimed_fen:
        raise ValidationError({"approved": _("核定金额须在 0 与申请金额之间。")})
    reasons = [r.strip() for r in reasons if r and r.strip()]
    if approved_fen < claim.claimed_fen and not reasons:
        raise ValidationError({"reasons": _("核减或驳回须写明理由。")})
    numbered = [{"no": i, "text": r[:300]} for i, r in enumerate(reasons, start=1)]
    rules = programme.rules()
    with transaction.atomic():
        ledger.lock(programme, voucher)
        if approved_fen == 0:
            USE_FLOW.apply(use, "reject", actor=actor, reason="；".join(reasons))
            ledger.release(voucher, use, use.amount_fen, actor=actor, note="兑付未通过")
        else:
            notice_until = timezone.localdate() + timedelta(days=rules.notice_days)
            USE_FLOW.apply(use, "approve", actor=actor, reason="；".join(reasons))
            ledger.spend(voucher, use, approved_fen, use.amount_fen, actor=actor)
            voucher.refresh_from_db(fields=["status"])
            if voucher.status != V.ACTIVE:  # the cut goes back to the programme, not the voucher
                ledger.reclaim(voucher, actor=actor, note="核减部分回收")
            claim.notice_until = notice_until
        claim.approved_fen = approved_fen
        claim.reasons = numbered
        Claim.objects.filter(pk=claim.pk, approved_fen__isnull=True).update(
            approved_fen=approved_fen, reasons=numbered, notice_until=claim.notice_until
        )
        audit.record(
            actor=actor, verb="claim.review", obj=claim,
            note=f"{fen_to_yuan(approved_fen)} / {fen_to_yuan(claim.claimed_fen)}",
        )  # fmt: skip
    return claim


# ---------------------------------------------------------------- paying out


def batch_create(actor, programme: Programme, today: date | None = None) -> PayoutBatch:
    """A payout batch of every claim whose public notice has ended."""
    _require(_is(actor, Role.FINANCE, Role.OPERATOR), _("只有财政或运营方可以生成拨付批次。"))
    today = today or timezone.localdate()
    with transaction.atomic():
        ready = Claim.objects.filter(
            use__voucher__programme=programme, use__status=U.NOTICED, batch__isnull=True,
            notice_until__lt=today,
        )  # fmt: skip
        if not ready.exists():
            raise ActionError(_("没有公示期满、待拨付的兑付。"), code="nothing_to_pay")
        batch = PayoutBatch.objects.create(programme=programme, created_by=actor)
        ready.update(batch=batch)
        audit.record(actor=actor, verb="batch.create", obj=batch)
    return batch


def batch_approve(actor, batch: PayoutBatch) -> PayoutBatch:
    _require(_is(actor, Role.FINANCE), _("拨付批次由财政审批。"))
    with transaction.atomic():
        BATCH_FLOW.apply(batch, "approve", actor=actor)
    return batch


def batch_paid(actor, batch: PayoutBatch) -> PayoutBatch:
    _require(_is(actor, Role.FINANCE), _("由财政确认拨付。"))
    with transaction.atomic():
        BATCH_FLOW.apply(batch, "pay", actor=actor, updates={"paid_at": timezone.now()})
        for claim in batch.claims.select_related("use", "use__voucher"):
            USE_FLOW.apply(claim.use, "pay", actor=actor)
            ledger.payout(claim.use, claim.approved_fen, actor=actor)
    return batch


# ---------------------------------------------------------------- scheduled


def vouchers_reclaim(today: date | None = None) -> int:
    """Vouchers past their use-by date: the unused balance goes back to the programme. Reserved
    amounts stay reserved (the service may still be claimed) until the redeem-by date, after
    which they are released and reclaimed too."""
    today = today or timezone.localdate()
    count = 0
    for voucher in Voucher.objects.filter(status=V.ACTIVE, use_by__lt=today):
        with transaction.atomic():
            ledger.lock(voucher.programme, voucher)
            VOUCHER_FLOW.apply(voucher, "expire", actor=None, reason=_("超过使用期限"))
            ledger.reclaim(voucher, note="到期回收")
        count += 1
    stale = VoucherUse.objects.filter(
        status__in=(U.RESERVED, U.CONFIRMED), voucher__redeem_by__lt=today
    ).select_related("voucher")
    for use in stale:
        with transaction.atomic():
            ledger.lock(use.voucher.programme, use.voucher)
            USE_FLOW.apply(use, "release", actor=None, reason=_("超过兑付期限"))
            ledger.release(use.voucher, use, use.amount_fen, note="超过兑付期限")
            if use.voucher.status != V.ACTIVE:
                ledger.reclaim(use.voucher, note="兑付期满回收")
        count += 1
    return count


def voucher_cancel(actor, voucher: Voucher, *, reason: str) -> Voucher:
    _require(can_review(actor, voucher.programme), _("只有主管部门可以作废创新券。"))
    with transaction.atomic():
        ledger.lock(voucher.programme, voucher)
        if voucher.uses.filter(status__in=(U.RESERVED, U.CONFIRMED, U.CLAIMED)).exists():
            raise ActionError(_("该券有进行中的使用，请先处理。"), code="voucher_in_use")
        VOUCHER_FLOW.apply(voucher, "cancel", actor=actor, reason=reason)
        ledger.reclaim(voucher, actor=actor, note=reason)
    return voucher

"""Innovation vouchers (创新券): programmes with versioned rules, provider enrolment, quota
applications, vouchers, uses (reservations against a service), redemption claims, payout batches
and the append-only ledger every balance comes from.

Money is integer fen everywhere in the database (SQLite does decimal arithmetic in SQL as
floats); Decimal yuan only at the edges (forms, API, templates through `fen_to_yuan`).

The ledger (LedgerEntry) is the record. Each row moves amounts between the buckets of one
voucher (available, reserved, spent) or of one programme (unallocated budget → granted), and
nothing else ever changes a balance. The running figures on Programme and Voucher rows are a
concurrency guard, moved by a compare-and-set UPDATE … WHERE bucket >= amount in the same
transaction as the ledger row (atomic on SQLite and PostgreSQL alike); `ledger.check()` proves
they equal the ledger sums, and the invariant `granted = available + reserved + spent` holds for
every voucher and programme.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FEN = 100


def yuan_to_fen(value) -> int:
    """Decimal yuan (or a string of it) → integer fen; refuses more than two decimals."""
    amount = Decimal(str(value).replace(",", "").strip())
    if not amount.is_finite():
        raise ValueError("amount is not finite")
    fen = amount * FEN
    if fen != fen.to_integral_value():
        raise ValueError("more than two decimals")
    return int(fen)


def fen_to_yuan(fen: int | None) -> Decimal | None:
    if fen is None:
        return None
    return (Decimal(fen) / FEN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    OPEN = "open", _("受理中")
    CLOSED = "closed", _("已截止")


class Programme(models.Model):
    """One call (批次) of an issuing authority: its budget, window, eligibility and rules."""

    name = models.CharField(_("名称"), max_length=120)
    authority = models.CharField(_("发放单位"), max_length=120)
    # The authority's area: a district, or none for the city (温州市) as a whole.
    district = models.ForeignKey(
        "core.District",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发放区域"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    batch = models.PositiveSmallIntegerField(_("批次"), default=1)
    budget_fen = models.BigIntegerField(_("预算（分）"))
    opens_on = models.DateField(_("申领开始"))
    closes_on = models.DateField(_("申领截止"))
    cross_region = models.BooleanField(
        _("允许区域外企业申领"), default=False, help_text=_("长三角“通用通兑”等跨区域互认。")
    )
    size_bands = models.CharField(
        _("企业规模"), max_length=40, blank=True, help_text=_("留空为不限；如 small,micro")
    )
    required_tags = models.ManyToManyField(
        "core.EnterpriseTag", blank=True, verbose_name=_("须具备的企业标签")
    )
    categories = models.CharField(
        _("可用服务类别"), max_length=300, blank=True, help_text=_("分号分隔；留空为不限。")
    )
    status = models.CharField(
        _("状态"), max_length=8, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    # Running figures (the concurrency guard; see the module docstring).
    unallocated_fen = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "district_id", "batch"]
        verbose_name = _("创新券项目")
        verbose_name_plural = _("创新券项目")
        constraints = [
            models.UniqueConstraint(fields=["district", "year", "batch"], name="programme_batch"),
            models.CheckConstraint(condition=models.Q(budget_fen__gte=0), name="budget_ge_0"),
            models.CheckConstraint(
                condition=models.Q(unallocated_fen__gte=0), name="unallocated_ge_0"
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="window_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("vouchers:programme", args=[self.pk])

    def category_list(self) -> list[str]:
        return [c.strip() for c in self.categories.replace("；", ";").split(";") if c.strip()]

    def rules(self, at=None) -> "RuleSet | None":
        """The rule set in force at `at` (default now): the latest version published by then."""
        at = at or timezone.now()
        return self.rule_sets.filter(published_at__lte=at).order_by("-version").first()


class RedemptionMode(models.TextChoices):
    TONGDUI = "tongdui", _("通兑（服务机构兑付券面部分）")
    TONGYONG = "tongyong", _("通用（企业全额付款后申请补助）")


class RuleSet(models.Model):
    """A version of a programme's rules. Never edited once published: a change is a new
    version, and each application records the version it was checked against."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rule_sets")
    version = models.PositiveSmallIntegerField(_("版本"))
    per_draw_cap_fen = models.BigIntegerField(_("单次使用上限（分）"))
    holding_cap_fen = models.BigIntegerField(_("持有上限（分）"))
    yearly_cap_fen = models.BigIntegerField(_("年度上限（分）"))
    # Co-funding by price band: [[upper bound in fen or null for "above", ratio in %], …],
    # e.g. [[1000000, 100], [null, 50]]: ≤ ¥10,000 fully, the part above at 50%.
    bands = models.JSONField(_("分段补助比例"))
    validity_days = models.PositiveSmallIntegerField(_("有效期（天）"), default=90)
    redeem_days = models.PositiveSmallIntegerField(_("兑付期限（使用期满后天数）"), default=60)
    modes = models.CharField(_("兑付方式"), max_length=30, default="tongdui,tongyong")
    spot_check_percent = models.PositiveSmallIntegerField(_("抽查比例（%）"), default=5)
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=5)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["programme", "-version"]
        verbose_name = _("创新券规则")
        verbose_name_plural = _("创新券规则")
        constraints = [
            models.UniqueConstraint(fields=["programme", "version"], name="ruleset_version"),
            models.CheckConstraint(
                condition=models.Q(per_draw_cap_fen__gt=0)
                & models.Q(holding_cap_fen__gte=models.F("per_draw_cap_fen"))
                & models.Q(yearly_cap_fen__gte=models.F("holding_cap_fen")),
                name="ruleset_caps_order",
            ),
            models.CheckConstraint(
                condition=models.Q(spot_check_percent__gte=5, spot_check_percent__lte=100),
                name="ruleset_spot_check_min_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} v{self.version}"

    def mode_list(self) -> list[str]:
        return [m for m in self.modes.split(",") if m]

    def voucher_part(self, price_fen: int) -> int:
        """How much of a service priced `price_fen` the voucher pays, by the bands, capped by
        the per-draw cap. Integer arithmetic; fractions of a fen round down (the enterprise
        never gets more than the rule says)."""
        covered, lower = 0, 0
        for upper, ratio in self.bands:
            top = price_fen if upper is None else min(price_fen, upper)
            if top > lower:
                covered += (top - lower) * int(ratio) // 100
            if upper is None or price_fen <= upper:
                break
            lower = upper
        return min(covered, self.per_draw_cap_fen)


class EnrolmentStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("已入库")
    REJECTED = "rejected", _("未通过")


class Enrolment(models.Model):
    """A service provider registered for a programme (服务机构入库)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="enrolments")
    provider = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="voucher_enrolments"
    )
    status = models.CharField(
        max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务机构入库")
        verbose_name_plural = _("服务机构入库")
        constraints = [
            models.UniqueConstraint(fields=["programme", "provider"], name="enrolment_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} @ {self.programme}"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class Application(models.Model):
    """An enterprise asks a programme for a quota (申领)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="voucher_applications"
    )
    rules = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField(_("申领额度（分）"))
    purpose = models.TextField(_("用途"))
    status = models.CharField(
        max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    checks = models.JSONField(_("自动核验"), default=list)  # [{"code", "ok", "text"}]
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-applied_at", "-id"]
        verbose_name = _("创新券申领")
        verbose_name_plural = _("创新券申领")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="apply_amount_gt_0")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {fen_to_yuan(self.amount_fen)}"


class VoucherStatus(models.TextChoices):
    ACTIVE = "active", _("可使用")
    EXPIRED = "expired", _("已过期回收")
    CANCELLED = "cancelled", _("已作废")


class Voucher(models.Model):
    """An electronic voucher (电子券) issued on an approved application."""

    code = models.CharField(_("券号"), max_length=24, unique=True)
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="voucher"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="vouchers")
    enterprise = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="vouchers"
    )
    granted_fen = models.BigIntegerField(_("面额（分）"))
    use_by = models.DateField(_("使用截止"))
    redeem_by = models.DateField(_("兑付截止"))
    status = models.CharField(
        max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.ACTIVE
    )
    issued_at = models.DateTimeField(default=timezone.now)
    # Running figures (the concurrency guard; see the module docstring).
    available_fen = models.BigIntegerField(default=0)
    reserved_fen = models.BigIntegerField(default=0)
    spent_fen = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("创新券")
        verbose_name_plural = _("创新券")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(available_fen__gte=0, reserved_fen__gte=0, spent_fen__gte=0),
                name="voucher_buckets_ge_0",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    granted_fen=models.F("available_fen")
                    + models.F("reserved_fen")
                    + models.F("spent_fen")
                ),
                name="voucher_granted_is_sum",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("vouchers:voucher", args=[self.pk])


class UseStatus(models.TextChoices):
    RESERVED = "reserved", _("已预占")
    CONFIRMED = "confirmed", _("服务已确认")
    CLAIMED = "claimed", _("已申请兑付")
    APPROVED = "approved", _("审核通过")
    NOTICED = "noticed", _("公示中")
    PAID = "paid", _("已拨付")
    REJECTED = "rejected", _("审核未通过")
    RELEASED = "released", _("已释放")


class VoucherUse(models.Model):
    """The voucher spent on one service: an order (issue 6) or a contract entered here."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="uses")
    provider = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="voucher_uses"
    )
    resource = models.ForeignKey(
        "catalog.Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contract_no = models.CharField(_("合同编号"), max_length=60, blank=True)
    service = models.CharField(_("服务内容"), max_length=200)
    price_fen = models.BigIntegerField(_("服务价格（分）"))
    amount_fen = models.BigIntegerField(_("券抵扣（分）"))
    status = models.CharField(max_length=10, choices=UseStatus.choices, default=UseStatus.RESERVED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("创新券使用")
        verbose_name_plural = _("创新券使用")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0, price_fen__gte=models.F("amount_fen")),
                name="use_amount_within_price",
            )
        ]

    def __str__(self) -> str:
        return f"{self.voucher} · {self.service}"


class Claim(models.Model):
    """A redemption claim (兑付申请) for one use, with its documents and the review result."""

    use = models.OneToOneField(VoucherUse, on_delete=models.PROTECT, related_name="claim")
    mode = models.CharField(max_length=10, choices=RedemptionMode.choices)
    claimant = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="voucher_claims"
    )
    idempotency_key = models.CharField(max_length=64, unique=True)
    invoice_issuer = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+"
    )
    invoice_no = models.CharField(_("发票号码"), max_length=40)
    claimed_fen = models.BigIntegerField(_("申请金额（分）"))
    approved_fen = models.BigIntegerField(_("核定金额（分）"), null=True, blank=True)
    reasons = models.JSONField(_("核减/驳回理由"), default=list)  # [{"no": 1, "text": …}]
    notice_until = models.DateField(_("公示截止"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    batch = models.ForeignKey(
        "PayoutBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("兑付申请")
        verbose_name_plural = _("兑付申请")
        constraints = [
            models.UniqueConstraint(
                fields=["invoice_issuer", "invoice_no"], name="invoice_unique_per_issuer"
            ),
            models.CheckConstraint(condition=models.Q(claimed_fen__gt=0), name="claim_gt_0"),
            models.CheckConstraint(
                condition=models.Q(approved_fen__isnull=True)
                | models.Q(approved_fen__gte=0, approved_fen__lte=models.F("claimed_fen")),
                name="claim_approved_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_no} · {fen_to_yuan(self.claimed_fen)}"


class ClaimDocument(models.Model):
    class Kind(models.TextChoices):
        CONTRACT = "contract", _("合同")
        INVOICE = "invoice", _("发票")
        PAYMENT = "payment", _("付款凭证")
        REPORT = "report", _("服务成果报告")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to="vouchers/claims/%Y/%m/")
    sha256 = models.CharField(max_length=64, db_index=True)

    class Meta:
        verbose_name = _("兑付材料")
        verbose_name_plural = _("兑付材料")
        constraints = [
            models.UniqueConstraint(fields=["claim", "kind"], name="one_document_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.claim} · {self.get_kind_display()}"


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("待审批")
    APPROVED = "approved", _("已审批")
    PAID = "paid", _("已拨付")


class PayoutBatch(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="batches")
    status = models.CharField(max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("拨付批次")
        verbose_name_plural = _("拨付批次")

    def __str__(self) -> str:
        return f"{self.programme} #{self.pk}"


class Entry(models.TextChoices):
    BUDGET = "budget", _("预算下达")
    GRANT = "grant", _("发券")
    RESERVE = "reserve", _("预占")
    RELEASE = "release", _("释放")
    SPEND = "spend", _("核销")
    RECLAIM = "reclaim", _("过期回收")
    CLAWBACK = "clawback", _("追回")
    PAYOUT = "payout", _("拨付")


class LedgerEntry(models.Model):
    """One movement. Deltas in fen per bucket; a row is never updated or deleted (corrections
    are new rows). Programme buckets: unallocated (budget not yet granted) and granted; voucher
    buckets: available, reserved, spent; paid counts what left the treasury."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="ledger")
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    enterprise = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    use = models.ForeignKey(
        VoucherUse, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    kind = models.CharField(max_length=10, choices=Entry.choices)
    d_budget = models.BigIntegerField(default=0)
    d_unallocated = models.BigIntegerField(default=0)
    d_granted = models.BigIntegerField(default=0)
    d_available = models.BigIntegerField(default=0)
    d_reserved = models.BigIntegerField(default=0)
    d_spent = models.BigIntegerField(default=0)
    d_paid = models.BigIntegerField(default=0)
    year = models.PositiveSmallIntegerField(db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("台账分录")
        verbose_name_plural = _("台账分录")
        indexes = [
            models.Index(fields=["programme", "kind"]),
            models.Index(fields=["enterprise", "year"]),
            # Covering indexes of the statistics (migration 0002, docs/benchmarks.md).
            models.Index(
                fields=[
                    "enterprise",
                    "year",
                    "provider",
                    "kind",
                    "d_granted",
                    "d_reserved",
                    "d_spent",
                    "d_paid",
                ],
                name="ledger_stats_enterprise",
            ),  # fmt: skip
            models.Index(
                fields=["kind", "year", "enterprise", "provider"], name="ledger_stats_kind"
            ),
        ]
        constraints = [
            # Every row keeps granted = available + reserved + spent, and budget = unallocated +
            # granted: the sums of all rows then keep them too.
            models.CheckConstraint(
                condition=models.Q(
                    d_granted=models.F("d_available") + models.F("d_reserved") + models.F("d_spent")
                ),
                name="entry_voucher_balanced",
            ),
            models.CheckConstraint(
                condition=models.Q(d_budget=models.F("d_unallocated") + models.F("d_granted")),
                name="entry_programme_balanced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("ledger entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("ledger entries are append-only")


from .models_risk import *  # noqa: E402, F403  (party register, spot checks, blacklist)

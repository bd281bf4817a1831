"""Risk data of innovation vouchers: the party register (who is behind an organisation), spot
checks of paid uses (a recorded, reproducible draw and each check's result), the blacklist, and
the record of deadline reminders sent. Imported at the end of models.py, so Django sees these
models as part of the `vouchers` app; the logic is in risk.py and spotchecks.py."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Blacklist",
    "PartyFact",
    "PartyKind",
    "PartySource",
    "SpotCheck",
    "SpotCheckDraw",
    "SpotCheckStatus",
    "VoucherReminder",
]


class PartyKind(models.TextChoices):
    LEGAL_REP = "legal_rep", _("法定代表人")
    SHAREHOLDER = "shareholder", _("股东")
    PHONE = "phone", _("电话")
    ADDRESS = "address", _("地址")
    BANK_ACCOUNT = "bank_account", _("银行账户")


class PartySource(models.TextChoices):
    ORG_RECORD = "org_record", _("机构登记信息")
    ENROLMENT = "enrolment", _("入库申请表")
    APPLICATION = "application", _("申领表")
    CLAIM = "claim", _("兑付材料")
    MANUAL = "manual", _("人工录入")


class PartyFact(models.Model):
    """One fact about who stands behind an organisation: its legal representative, a
    shareholder, a phone number, an address or a bank account. `value` is normalised (see
    risk.normalise) so that two organisations sharing it can be found with one indexed
    lookup; `raw` keeps what was written, for the evidence shown to reviewers."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="party_facts"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=PartyKind.choices)
    value = models.CharField(_("规范化值"), max_length=200)
    raw = models.CharField(_("原始值"), max_length=200)
    source = models.CharField(
        _("来源"), max_length=16, choices=PartySource.choices, default=PartySource.MANUAL
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "kind", "value"]
        verbose_name = _("关联方信息")
        verbose_name_plural = _("关联方信息")
        indexes = [models.Index(fields=["kind", "value"], name="partyfact_kind_value")]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "value"], name="partyfact_once")
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_kind_display()} · {self.raw}"


class SpotCheckDraw(models.Model):
    """One reproducible draw of paid uses to check: the seed, the population it was drawn
    from (sorted use ids) and the rate. `spotchecks.draw_sample(population, seed, size)`
    returns the same sample for the same inputs, so anyone can re-draw and compare."""

    programme = models.ForeignKey(
        "vouchers.Programme", on_delete=models.PROTECT, related_name="spot_check_draws"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    seed = models.CharField(_("随机种子"), max_length=64)
    percent = models.PositiveSmallIntegerField(_("抽查比例（%）"))
    population = models.JSONField(_("抽样总体"), default=list)  # sorted VoucherUse ids
    sample_size = models.PositiveIntegerField(_("抽取数量"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-drawn_at", "-id"]
        verbose_name = _("抽查批次")
        verbose_name_plural = _("抽查批次")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "year", "seed"], name="spotcheckdraw_seed_once"
            ),
            models.CheckConstraint(
                condition=models.Q(percent__gte=5, percent__lte=100), name="spotcheckdraw_min_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.year} · {self.seed}"


class SpotCheckStatus(models.TextChoices):
    PENDING = "pending", _("待核查")
    PASSED = "passed", _("核查通过")
    FAILED = "failed", _("核查不通过")


class SpotCheck(models.Model):
    """One paid use drawn for checking, tracked to a result. A use is checked at most once."""

    draw = models.ForeignKey(SpotCheckDraw, on_delete=models.PROTECT, related_name="checks")
    use = models.OneToOneField(
        "vouchers.VoucherUse", on_delete=models.PROTECT, related_name="spot_check"
    )
    status = models.CharField(
        _("结果"), max_length=8, choices=SpotCheckStatus.choices, default=SpotCheckStatus.PENDING
    )
    findings = models.TextField(_("核查发现"), blank=True)
    clawback_fen = models.BigIntegerField(_("追回金额（分）"), default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["draw", "use_id"]
        verbose_name = _("抽查")
        verbose_name_plural = _("抽查")
        constraints = [
            models.CheckConstraint(condition=models.Q(clawback_fen__gte=0), name="clawback_ge_0")
        ]

    def __str__(self) -> str:
        return f"{self.use} · {self.get_status_display()}"


class Blacklist(models.Model):
    """An organisation barred from vouchers until a date (inclusive), with the reason. Lifting
    early keeps the row (lifted_at, lifted_by, lift_reason)."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="voucher_blacklist"
    )
    reason = models.TextField(_("原因"))
    since = models.DateField(_("起始日期"), default=timezone.localdate)
    until = models.DateField(_("截止日期"))
    spot_check = models.ForeignKey(
        SpotCheck, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-since", "-id"]
        verbose_name = _("创新券黑名单")
        verbose_name_plural = _("创新券黑名单")
        indexes = [models.Index(fields=["organization", "until"], name="blacklist_org_until")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__gte=models.F("since")), name="blacklist_period_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.until}"


class VoucherReminder(models.Model):
    """A deadline reminder sent for a voucher: at most one per voucher and milestone
    (e.g. "use_by:7" seven days before the use-by date)."""

    voucher = models.ForeignKey(
        "vouchers.Voucher", on_delete=models.CASCADE, related_name="reminders"
    )
    milestone = models.CharField(max_length=16)
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("到期提醒")
        verbose_name_plural = _("到期提醒")
        constraints = [
            models.UniqueConstraint(fields=["voucher", "milestone"], name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.voucher} · {self.milestone}"

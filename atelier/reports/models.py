"""Test reports (检测报告) that anyone can verify: the issued PDF's SHA-256 is recorded, the PDF
carries a QR code to a public page with the report's key facts and that hash, and the page checks
an uploaded copy byte for byte. A report is edited only as a draft; once issued it can only be
revoked (with a reason) and replaced by a new report."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已签发")
    REVOKED = "revoked", _("已撤销")


def report_path(instance, filename: str) -> str:
    return f"reports/{timezone.now():%Y/%m}/{instance.code}.pdf"


class TestReport(models.Model):
    __test__ = False  # not a pytest test class

    code = models.CharField(_("报告编号"), max_length=32, unique=True)
    lab = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="test_reports",
        verbose_name=_("检测机构"),
    )  # fmt: skip
    client = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("委托单位"),
    )  # fmt: skip
    client_name = models.CharField(_("委托单位名称"), max_length=120)
    sample_name = models.CharField(_("样品名称"), max_length=120)
    sample_description = models.TextField(_("样品描述"), blank=True)
    sample_count = models.PositiveIntegerField(_("样品数量"), default=1)
    received_on = models.DateField(_("收样日期"))
    tested_on = models.DateField(_("检测日期"))
    conclusion = models.TextField(_("检测结论"), blank=True)
    tester = models.CharField(_("检测人"), max_length=30)
    checker = models.CharField(_("审核人"), max_length=30)
    approver = models.CharField(_("批准人"), max_length=30)
    status = models.CharField(
        max_length=8, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    pdf = models.FileField(upload_to=report_path, blank=True)
    sha256 = models.CharField(_("文件指纹（SHA-256）"), max_length=64, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("检测报告")
        verbose_name_plural = _("检测报告")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tested_on__gte=models.F("received_on")),
                name="report_tested_after_received",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="issued") | ~models.Q(sha256=""),
                name="report_issued_has_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.sample_name}"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])

    def verify_path(self) -> str:
        return reverse("reports:verify", args=[self.code])

    @property
    def passed(self) -> bool | None:
        verdicts = [i.verdict for i in self.items.all() if i.verdict != Verdict.NONE]
        if not verdicts:
            return None
        return all(v == Verdict.PASS for v in verdicts)


class Verdict(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NONE = "none", _("不判定")


class TestItem(models.Model):
    """One test item: the result against its limits. The verdict is computed, not typed."""

    __test__ = False

    report = models.ForeignKey(TestReport, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("检测项目"), max_length=80)
    method = models.CharField(_("检测方法/依据"), max_length=120, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    limit_min = models.DecimalField(
        _("下限"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    limit_max = models.DecimalField(
        _("上限"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    result = models.DecimalField(
        _("检测结果"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    result_text = models.CharField(_("结果说明"), max_length=60, blank=True)

    class Meta:
        ordering = ["report", "position", "id"]
        verbose_name = _("检测项目")
        verbose_name_plural = _("检测项目")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(limit_min__isnull=True)
                | models.Q(limit_max__isnull=True)
                | models.Q(limit_min__lte=models.F("limit_max")),
                name="test_item_limits_order",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def verdict(self) -> str:
        if self.result is None or (self.limit_min is None and self.limit_max is None):
            return Verdict.NONE
        value = Decimal(self.result)
        if self.limit_min is not None and value < self.limit_min:
            return Verdict.FAIL
        if self.limit_max is not None and value > self.limit_max:
            return Verdict.FAIL
        return Verdict.PASS

    def get_verdict_display(self) -> str:
        return Verdict(self.verdict).label

    def limit_text(self) -> str:
        lo, hi = self.limit_min, self.limit_max
        if lo is None and hi is None:
            return "—"
        if lo is None:
            return f"≤ {hi.normalize():f}"
        if hi is None:
            return f"≥ {lo.normalize():f}"
        return f"{lo.normalize():f} – {hi.normalize():f}"

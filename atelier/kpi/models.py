"""KPIs of an innovation service complex: indicators, plans (指标分解表), reported values and the
two-line annual assessment (seed 004: government lead units and the operator, assessed apart).

An indicator is *computed* from platform records (a plain query function in computations.py),
*reported* by a person with evidence and a data-truth pledge (counts once reviewed), or a
*formula* over other indicators. Plans give indicators yearly targets, a responsible unit, an
assessment line and a scoring rule; assessments freeze actuals and scores when the assessor signs.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atelier.core.models import District

ZERO = Decimal("0")


class Direction(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class Aggregation(models.TextChoices):
    """How a year's value is formed, and so how its target is pro-rated during the year."""

    FLOW = "flow", _("年度发生额")  # counted within the year; target pro-rated by elapsed time
    CUMULATIVE = "cumulative", _("累计值")  # since the plan's start; grows from last year's target
    STOCK = "stock", _("期末时点值")  # a level at the end of the period (e.g. shares, counts held)
    RATE = "rate", _("比率")  # a ratio; not pro-rated


class Source(models.TextChoices):
    COMPUTED = "computed", _("平台自动计算")
    REPORTED = "reported", _("填报（附佐证）")
    FORMULA = "formula", _("公式")


class Indicator(models.Model):
    code = models.SlugField(_("指标代码"), max_length=40, unique=True)
    name = models.CharField(_("指标名称"), max_length=100)
    unit = models.CharField(_("单位"), max_length=16)
    direction = models.CharField(
        _("方向"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    aggregation = models.CharField(
        _("汇总方式"), max_length=12, choices=Aggregation.choices, default=Aggregation.FLOW
    )
    source = models.CharField(_("数据来源"), max_length=10, choices=Source.choices)
    computation = models.CharField(_("计算函数"), max_length=40, blank=True)
    formula = models.CharField(_("计算公式"), max_length=300, blank=True)
    min_value = models.DecimalField(
        _("取值下限"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("取值上限"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    decimals = models.PositiveSmallIntegerField(
        _("小数位"), default=0, validators=[MaxValueValidator(4)]
    )
    description = models.TextField(_("口径说明"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source="computed") | ~models.Q(computation=""),
                name="kpi_computed_has_function",
            ),
            models.CheckConstraint(
                condition=~models.Q(source="formula") | ~models.Q(formula=""),
                name="kpi_formula_has_expression",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"

    @property
    def is_computed(self) -> bool:
        return self.source in (Source.COMPUTED, Source.FORMULA)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("编制中")
    ACTIVE = "active", _("执行中")
    CLOSED = "closed", _("已结束")


class PlanTemplate(models.TextChoices):
    OUHAI_2019 = "ouhai2019", _("瓯海眼镜综合体 2019–2021 指标分解表")
    PROVINCIAL = "provincial", _("省级综合体评价表式（建设进度·创新能力·服务成效）")
    CUSTOM = "custom", _("自定义")


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .permissions import can_view_plans

        return self if can_view_plans(user) else self.none()


class Plan(models.Model):
    name = models.CharField(_("考核方案"), max_length=120)
    complex_name = models.CharField(_("综合体"), max_length=120)
    start_year = models.PositiveSmallIntegerField(
        _("起始年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    end_year = models.PositiveSmallIntegerField(
        _("结束年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在区县"),
    )
    cluster = models.ForeignKey(
        "core.Cluster",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("服务产业"),
    )
    template = models.CharField(
        _("模板"), max_length=12, choices=PlanTemplate.choices, default=PlanTemplate.CUSTOM
    )
    status = models.CharField(
        _("状态"), max_length=8, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    source_note = models.CharField(_("依据"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-start_year", "name"]
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__gte=models.F("start_year")),
                name="kpi_plan_years_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.start_year}–{self.end_year}）"

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))


class Line(models.TextChoices):
    """Seed 004 四(三): assessed in two lines — 建设目标 for government lead units, 年度任务 for
    the operator."""

    GOVERNMENT = "government", _("政府牵头单位")
    OPERATOR = "operator", _("综合体运营单位")


class RuleKind(models.TextChoices):
    LINEAR = "linear", _("按完成率线性计分")
    THRESHOLDS = "thresholds", _("分档计分")
    PASS_FAIL = "pass_fail", _("达标得满分")


class PlanIndicator(models.Model):
    """One row of the 指标分解表: an indicator in a plan, its line, unit, weight and rule."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rows")
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="plan_rows", verbose_name=_("指标")
    )
    line = models.CharField(_("考核条线"), max_length=10, choices=Line.choices)
    section = models.CharField(_("类别"), max_length=40, blank=True)
    responsible_unit = models.CharField(_("牵头单位"), max_length=120, blank=True)
    weight = models.DecimalField(
        _("分值"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(ZERO)],
    )
    rule = models.CharField(
        _("计分规则"), max_length=12, choices=RuleKind.choices, default=RuleKind.LINEAR
    )
    # Highest completion ratio that still earns points (1.00 = no extra credit, 1.20 = up to 120 %).
    cap = models.DecimalField(
        _("完成率封顶"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("2.00"))],
    )
    # For threshold rules: [[completion ratio, share of the weight], …], e.g. [[1, 1], [0.8, 0.6]].
    bands = models.JSONField(_("分档"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "line", "position", "id"]
        verbose_name = _("分解指标")
        verbose_name_plural = _("分解指标")
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator"], name="kpi_row_once_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.plan.name} · {self.indicator.name}"


class Target(models.Model):
    row = models.ForeignKey(PlanIndicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("目标值"), max_digits=18, decimal_places=4)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["row", "year"]
        constraints = [
            models.UniqueConstraint(fields=["row", "year"], name="kpi_target_once_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.row} {self.year}: {self.value}"


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已采纳")
    REJECTED = "rejected", _("已退回")


PLEDGE_TEXT = _(
    "本单位承诺所填报数据真实、准确、完整，佐证材料真实有效，如有虚报、瞒报，愿承担相应责任。"
)


class ReportedValue(models.Model):
    """A value typed in by a person for a reported indicator, with evidence and a pledge.
    Counts only once approved; the latest approved value (by as-of date) is the year's actual."""

    row = models.ForeignKey(PlanIndicator, on_delete=models.PROTECT, related_name="reports")
    year = models.PositiveSmallIntegerField(_("年度"))
    as_of = models.DateField(_("数据截至"))
    value = models.DecimalField(_("填报值"), max_digits=18, decimal_places=4)
    note = models.TextField(_("说明"), blank=True)
    pledge = models.TextField(_("数据真实性承诺"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("填报值")
        verbose_name_plural = _("填报值")
        indexes = [models.Index(fields=["row", "year", "status"])]

    def __str__(self) -> str:
        return f"{self.row.indicator.name} {self.year}: {self.value}"


def evidence_path(instance, filename: str) -> str:
    return f"kpi/evidence/{instance.report.year}/{instance.sha256[:16]}-{filename[-80:]}"


class Evidence(models.Model):
    report = models.ForeignKey(ReportedValue, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("佐证材料"), upload_to=evidence_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Annotation(models.Model):
    """A note on a computed indicator's value: computed values are never typed over, only
    explained (e.g. "2 家企业 12 月补录合同，次年 1 月计入")."""

    row = models.ForeignKey(PlanIndicator, on_delete=models.CASCADE, related_name="annotations")
    year = models.PositiveSmallIntegerField(_("年度"))
    text = models.TextField(_("说明"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:50]


class AssessmentStatus(models.TextChoices):
    OPEN = "open", _("评估中")
    SIGNED = "signed", _("已签署")


class Assessment(models.Model):
    """The assessment of one plan, year and line. Signing freezes the actuals and scores (Score
    rows) and closes the period for reporting on that line."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="assessments")
    year = models.PositiveSmallIntegerField(_("年度"))
    line = models.CharField(_("考核条线"), max_length=10, choices=Line.choices)
    status = models.CharField(
        _("状态"), max_length=8, choices=AssessmentStatus.choices, default=AssessmentStatus.OPEN
    )
    comments = models.TextField(_("总体评价"), blank=True)
    total = models.DecimalField(_("总分"), max_digits=8, decimal_places=2, null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "-year", "line"]
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        constraints = [
            models.UniqueConstraint(fields=["plan", "year", "line"], name="kpi_assessment_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan.name} {self.year} {self.get_line_display()}"

    @property
    def is_signed(self) -> bool:
        return self.status == AssessmentStatus.SIGNED


class Score(models.Model):
    """One indicator's line in an assessment: the assessor's comment and, if the assessor
    adjusts it, the adjusted score with its reason. Actual, target and the rule's score are
    stored when the assessment is signed."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    row = models.ForeignKey(PlanIndicator, on_delete=models.PROTECT, related_name="scores")
    actual = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    rule_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    adjusted = models.DecimalField(
        _("调整后得分"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    adjust_reason = models.CharField(_("调整理由"), max_length=300, blank=True)
    comment = models.TextField(_("评语"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["row__position", "row_id"]
        constraints = [models.UniqueConstraint(fields=["assessment", "row"], name="kpi_score_once")]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.row.indicator.name}"

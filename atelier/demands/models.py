"""Demands (需求), dockings (对接), brokers (技术经纪人) and the operator's matching weights.

Writes go through atelier.demands.actions; every status change goes through a Workflow, so it
leaves a StatusChange (who, when, from, to, why) and an audit row.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atelier.accounts.models import READ_ALL_ROLES, Role


class DemandType(models.TextChoices):
    PROBLEM = "problem", _("技术难题")
    RND = "rnd", _("委托研发")
    TESTING = "testing", _("检测需求")
    DESIGN = "design", _("设计需求")
    TALENT = "talent", _("人才需求")
    ACHIEVEMENT = "achievement", _("成果引进")


# Which resource kinds usually answer which demand type (used by matching as a soft fit).
TYPE_KINDS = {
    DemandType.PROBLEM: ("expert", "service", "achievement"),
    DemandType.RND: ("service", "expert", "achievement"),
    DemandType.TESTING: ("service", "instrument"),
    DemandType.DESIGN: ("service", "expert"),
    DemandType.TALENT: ("expert",),
    DemandType.ACHIEVEMENT: ("achievement",),
}


class DemandStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    REJECTED = "rejected", _("已驳回")
    PUBLISHED = "published", _("已发布")
    DOCKING = "docking", _("对接中")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")
    EXPIRED = "expired", _("已过期")


# States in which a demand is shown in the hall and can be matched and docked.
OPEN_STATES = (DemandStatus.PUBLISHED, DemandStatus.DOCKING)
HALL_STATES = (*OPEN_STATES, DemandStatus.RESOLVED)


class Visibility(models.TextChoices):
    PUBLIC = "public", _("公开")
    ANONYMOUS = "anonymous", _("匿名（对接确认前隐藏企业身份）")


class DemandQuerySet(models.QuerySet):
    def in_hall(self):
        return self.filter(status__in=HALL_STATES)

    def open(self):
        return self.filter(status__in=OPEN_STATES)

    def visible_to(self, user):
        """The hall (published, in docking, resolved) for everybody; every state for the
        enterprise's own members, brokers, operators and the read-all roles; a reviewer also sees
        its district's demands in every state but draft."""
        if not user or not user.is_authenticated:
            return self.in_hall()
        if user.is_superuser or user.role in READ_ALL_ROLES or user.role == Role.BROKER:
            return self.exclude(models.Q(status=DemandStatus.DRAFT) & ~models.Q(broker=user))
        q = models.Q(status__in=HALL_STATES) | models.Q(enterprise__memberships__user=user)
        if user.role == Role.REVIEWER and user.district_id:
            q |= models.Q(enterprise__district_id=user.district_id) & ~models.Q(
                status=DemandStatus.DRAFT
            )
        # A provider keeps seeing a demand it docked on after the demand leaves the hall.
        q |= models.Q(dockings__provider__memberships__user=user)
        return self.filter(q).distinct()


def attachment_path(instance, filename: str) -> str:
    return f"demands/{instance.demand_id}/{timezone.now():%Y%m%d%H%M%S}-{filename[-80:]}"


class Demand(models.Model):
    enterprise = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="demands",
        verbose_name=_("需求企业"),
    )
    type = models.CharField(_("需求类型"), max_length=12, choices=DemandType.choices)
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("需求描述"))
    cluster = models.ForeignKey(
        "core.Cluster",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属行业"),
    )
    budget_min = models.DecimalField(
        _("预算下限（元）"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )  # fmt: skip
    budget_max = models.DecimalField(
        _("预算上限（元）"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )  # fmt: skip
    deadline = models.DateField(_("截止日期"))
    visibility = models.CharField(
        _("公开方式"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=DemandStatus.choices, default=DemandStatus.DRAFT
    )
    # Demand translation (需求翻译): a broker's technical restatement, used for matching.
    tech_keywords = models.CharField(_("技术关键词"), max_length=200, blank=True)
    tech_standards = models.CharField(_("相关标准"), max_length=200, blank=True)
    tech_methods = models.CharField(_("技术路线/方法"), max_length=300, blank=True)
    tech_summary = models.TextField(_("技术表述"), blank=True)
    translated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("翻译人"),
    )  # fmt: skip
    translated_at = models.DateTimeField(_("翻译时间"), null=True, blank=True)
    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="brokered_demands", verbose_name=_("技术经纪人"),
        limit_choices_to={"role": Role.BROKER},
    )  # fmt: skip
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("发布人"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DemandQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        verbose_name = _("需求")
        verbose_name_plural = _("需求")
        indexes = [
            models.Index(fields=["status", "type"]),
            models.Index(fields=["enterprise", "status"]),
            models.Index(fields=["deadline"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_min__isnull=True)
                | models.Q(budget_max__isnull=True)
                | models.Q(budget_min__lte=models.F("budget_max")),
                name="demand_budget_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("demands:detail", args=[self.pk])

    @property
    def is_anonymous(self) -> bool:
        return self.visibility == Visibility.ANONYMOUS

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def translated(self) -> bool:
        return bool(self.tech_keywords or self.tech_summary or self.tech_methods)

    @property
    def overdue(self) -> bool:
        return self.is_open and self.deadline < timezone.localdate()

    def matching_text(self) -> str:
        """What matching reads: the original, and the broker's restatement when there is one."""
        parts = [self.title, self.description]
        if self.translated:
            parts += [self.tech_keywords, self.tech_standards, self.tech_methods, self.tech_summary]
        return "\n".join(p for p in parts if p)

    def budget_label(self) -> str:
        if self.budget_min is None and self.budget_max is None:
            return str(_("面议"))
        if self.budget_max is None:
            return str(_("%(low)s 元以上")) % {"low": f"{self.budget_min:,.0f}"}
        if self.budget_min is None:
            return str(_("%(high)s 元以内")) % {"high": f"{self.budget_max:,.0f}"}
        return str(_("%(low)s – %(high)s 元")) % {
            "low": f"{self.budget_min:,.0f}",
            "high": f"{self.budget_max:,.0f}",
        }


class DemandAttachment(models.Model):
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("附件"), upload_to=attachment_path)
    name = models.CharField(_("文件名"), max_length=120)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("需求附件")
        verbose_name_plural = _("需求附件")

    def __str__(self) -> str:
        return self.name


class DockingStatus(models.TextChoices):
    INTERESTED = "interested", _("服务方有意向")
    PROPOSED = "proposed", _("待服务方响应")
    ACTIVE = "active", _("对接中")
    WON = "won", _("已签约")
    LOST = "lost", _("未成交")
    DECLINED = "declined", _("已婉拒")
    CANCELLED = "cancelled", _("已撤销")


WAITING_STATES = (DockingStatus.INTERESTED, DockingStatus.PROPOSED)
LIVE_STATES = (*WAITING_STATES, DockingStatus.ACTIVE)
FINAL_STATES = (
    DockingStatus.WON,
    DockingStatus.LOST,
    DockingStatus.DECLINED,
    DockingStatus.CANCELLED,
)


class Initiator(models.TextChoices):
    ENTERPRISE = "enterprise", _("需求企业")
    BROKER = "broker", _("技术经纪人")
    OPERATOR = "operator", _("运营方")
    PROVIDER = "provider", _("服务方意向")


class DockingQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user or not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.role in READ_ALL_ROLES:
            return self.all()
        q = models.Q(demand__enterprise__memberships__user=user) | models.Q(
            provider__memberships__user=user
        )
        if user.role == Role.BROKER:
            q |= models.Q(broker=user) | models.Q(demand__broker=user)
        if user.role == Role.REVIEWER and user.district_id:
            q |= models.Q(demand__enterprise__district_id=user.district_id)
        return self.filter(q).distinct()

    def overdue(self, now=None):
        return self.filter(status__in=WAITING_STATES, respond_by__lt=now or timezone.now())

    def for_list(self):
        return self.select_related(
            "demand", "demand__enterprise", "demand__enterprise__district", "provider", "resource",
            "broker",
        )  # fmt: skip


class Docking(models.Model):
    """One attempt to bring a demand and a provider together, until a contract or a no."""

    demand = models.ForeignKey(Demand, on_delete=models.PROTECT, related_name="dockings")
    provider = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="dockings",
        verbose_name=_("服务方"),
    )
    resource = models.ForeignKey(
        "catalog.Resource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dockings",
        verbose_name=_("对接资源"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=DockingStatus.choices, default=DockingStatus.PROPOSED
    )
    initiator = models.CharField(_("发起方"), max_length=10, choices=Initiator.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="dockings", verbose_name=_("技术经纪人"),
    )  # fmt: skip
    message = models.TextField(_("对接说明"), blank=True)
    # The enterprise of an anonymous demand stays hidden from the provider until it agrees.
    identity_revealed = models.BooleanField(_("已向服务方公开企业身份"), default=False)
    respond_by = models.DateTimeField(_("响应期限"), null=True, blank=True)
    responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    contract_amount = models.DecimalField(
        _("合同金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    contract_signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    outcome_reason = models.CharField(_("结果说明"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = DockingQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("对接")
        verbose_name_plural = _("对接")
        indexes = [
            models.Index(fields=["status", "respond_by"]),
            models.Index(fields=["provider", "status"]),
        ]
        constraints = [
            # One live docking per demand and provider; a new try after a final state is fine.
            models.UniqueConstraint(
                fields=["demand", "provider"],
                condition=models.Q(status__in=["interested", "proposed", "active"]),
                name="docking_one_live_per_provider",
            ),
            models.CheckConstraint(
                condition=models.Q(contract_amount__isnull=True) | models.Q(contract_amount__gt=0),
                name="docking_contract_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand} ↔ {self.provider}"

    def get_absolute_url(self) -> str:
        return reverse("demands:docking", args=[self.pk])

    @property
    def is_waiting(self) -> bool:
        return self.status in WAITING_STATES

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATES

    @property
    def is_overdue(self) -> bool:
        return bool(self.is_waiting and self.respond_by and self.respond_by < timezone.now())


class NoteKind(models.TextChoices):
    NOTE = "note", _("备注")
    MEETING = "meeting", _("会谈")
    MESSAGE = "message", _("留言")


class DockingNote(models.Model):
    """A line on a docking's timeline: a note, a message or a meeting. Never edited."""

    docking = models.ForeignKey(Docking, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("类型"), max_length=8, choices=NoteKind.choices)
    text = models.TextField(_("内容"))
    meeting_at = models.DateTimeField(_("会谈时间"), null=True, blank=True)
    location = models.CharField(_("地点/方式"), max_length=120, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("对接记录")
        verbose_name_plural = _("对接记录")

    def __str__(self) -> str:
        return self.text[:40]


class BrokerProfile(models.Model):
    """The broker registry (技术经纪人库): one profile per user with the broker role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="broker_profile"
    )
    certificate_no = models.CharField(_("技术经纪人证书编号"), max_length=40, blank=True)
    employer = models.CharField(_("所在单位"), max_length=120, blank=True)
    specialties = models.CharField(_("擅长领域"), max_length=200, blank=True)
    clusters = models.ManyToManyField("core.Cluster", blank=True, verbose_name=_("服务行业"))
    bio = models.TextField(_("简介"), blank=True)
    active = models.BooleanField(_("在册"), default=True)
    registered_on = models.DateField(_("登记日期"), default=date.today)

    class Meta:
        ordering = ["registered_on", "id"]
        verbose_name = _("技术经纪人")
        verbose_name_plural = _("技术经纪人")

    def __str__(self) -> str:
        return self.user.display_name or self.user.username

    def get_absolute_url(self) -> str:
        return reverse("demands:broker", args=[self.pk])


class BrokerReward(models.Model):
    """A reward paid or promised to a broker for a docking (append-only; corrections are new
    rows with a negative amount). Money in integer fen, as in every ledger on the platform."""

    broker = models.ForeignKey(BrokerProfile, on_delete=models.PROTECT, related_name="rewards")
    docking = models.ForeignKey(
        Docking, null=True, blank=True, on_delete=models.PROTECT, related_name="rewards"
    )
    amount_fen = models.BigIntegerField(_("金额（分）"))
    reason = models.CharField(_("事由"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("经纪奖励")
        verbose_name_plural = _("经纪奖励")
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount_fen=0), name="reward_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.broker}: {self.amount_yuan}"

    @property
    def amount_yuan(self) -> Decimal:
        return Decimal(self.amount_fen) / 100


class MatchWeights(models.Model):
    """Operator-set weights of the matching score. Each save is a new row (the latest counts),
    so earlier settings stay on record."""

    relevance = models.DecimalField(_("文本相关度"), max_digits=4, decimal_places=2, default=1)
    kind_fit = models.DecimalField(_("类型契合"), max_digits=4, decimal_places=2, default=0.08)
    industry_fit = models.DecimalField(_("行业契合"), max_digits=4, decimal_places=2, default=0.06)
    quality = models.DecimalField(_("服务质量"), max_digits=4, decimal_places=2, default=0.04)
    voucher = models.DecimalField(_("可用创新券"), max_digits=4, decimal_places=2, default=0.03)
    distance = models.DecimalField(_("地理距离"), max_digits=4, decimal_places=2, default=0.03)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)

    FIELDS = ("relevance", "kind_fit", "industry_fit", "quality", "voucher", "distance")

    class Meta:
        ordering = ["-saved_at", "-id"]
        verbose_name = _("匹配权重")
        verbose_name_plural = _("匹配权重")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(relevance__gte=0, relevance__lte=5)
                & models.Q(kind_fit__gte=0, kind_fit__lte=5)
                & models.Q(industry_fit__gte=0, industry_fit__lte=5)
                & models.Q(quality__gte=0, quality__lte=5)
                & models.Q(voucher__gte=0, voucher__lte=5)
                & models.Q(distance__gte=0, distance__lte=5),
                name="match_weights_range",
            )
        ]

    def __str__(self) -> str:
        return ", ".join(f"{f}={getattr(self, f)}" for f in self.FIELDS)

    @classmethod
    def current(cls) -> "MatchWeights":
        return cls.objects.first() or cls()

    def as_floats(self) -> dict[str, float]:
        return {f: float(getattr(self, f)) for f in self.FIELDS}


def working_days_after(start, days: int):
    """`start` plus `days` working days (Monday–Friday). Public holidays are not known to the
    platform yet; a holiday calendar would plug in here."""
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current

"""The innovation resource library (创新资源库): what a manufacturer can use — services, experts,
instruments, technologies for transfer, policies and partner institutions.

One `Resource` row per listing holds everything search, facets, import and moderation need; the
fields only one kind has live in a one-to-one detail table per kind (ServiceDetail, …), so the
common table stays narrow and every kind keeps typed, validated fields.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atelier.accounts.models import Role
from atelier.core.validators import validate_patent_number

# Listings not re-confirmed for this long are flagged stale and their owners reminded.
STALE_AFTER = timedelta(days=365)


class ResourceKind(models.TextChoices):
    SERVICE = "service", _("服务产品")
    EXPERT = "expert", _("专家人才")
    INSTRUMENT = "instrument", _("仪器设备")
    ACHIEVEMENT = "achievement", _("科技成果")
    POLICY = "policy", _("政策")
    PARTNER = "partner", _("合作机构")


# The import contract (DESIGN.md §4) also accepts these Chinese names.
KIND_ALIASES = {
    "服务": ResourceKind.SERVICE,
    "服务产品": ResourceKind.SERVICE,
    "专家": ResourceKind.EXPERT,
    "专家人才": ResourceKind.EXPERT,
    "仪器": ResourceKind.INSTRUMENT,
    "仪器设备": ResourceKind.INSTRUMENT,
    "成果": ResourceKind.ACHIEVEMENT,
    "科技成果": ResourceKind.ACHIEVEMENT,
    "政策": ResourceKind.POLICY,
    "合作机构": ResourceKind.PARTNER,
}


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    PUBLISHED = "published", _("已发布")
    REJECTED = "rejected", _("已驳回")
    ARCHIVED = "archived", _("已下架")


class ResourceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ResourceStatus.PUBLISHED)

    def visible_to(self, user):
        """Published listings for everybody; drafts and the moderation states for the owning
        organisation's members, and for operators, auditors and sysadmins."""
        if not user or not user.is_authenticated:
            return self.published()
        if user.role in (Role.OPERATOR, Role.AUDITOR, Role.SYSADMIN) or user.is_superuser:
            return self.all()
        return self.filter(
            models.Q(status=ResourceStatus.PUBLISHED) | models.Q(provider__memberships__user=user)
        ).distinct()

    def stale(self, now=None):
        now = now or timezone.now()
        return self.published().filter(last_verified_at__lt=now - STALE_AFTER)

    def for_list(self):
        return self.select_related("provider", "district").prefetch_related("clusters")

    def status_counts(self, now=None) -> dict[str, int]:
        """How many listings per status, how many are stale and the total, in one query:
        {"draft": 2, "submitted": 0, …, "stale": 1, "total": 9}."""
        now = now or timezone.now()
        counts = {s.value: models.Count("pk", filter=models.Q(status=s)) for s in ResourceStatus}
        counts["stale"] = models.Count(
            "pk",
            filter=models.Q(
                status=ResourceStatus.PUBLISHED, last_verified_at__lt=now - STALE_AFTER
            ),
        )
        counts["total"] = models.Count("pk")
        return self.order_by().aggregate(**counts)


class Resource(models.Model):
    kind = models.CharField(_("类型"), max_length=12, choices=ResourceKind.choices)
    external_id = models.CharField(
        _("编号"), max_length=64, unique=True, null=True, blank=True,
        help_text=_("导入时用于匹配已有记录；手工创建时可留空。"),
    )  # fmt: skip
    title = models.CharField(_("名称"), max_length=200)
    provider = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="resources",
        verbose_name=_("机构"),
    )
    district = models.ForeignKey(
        "core.District", on_delete=models.PROTECT, related_name="+", verbose_name=_("区县")
    )
    clusters = models.ManyToManyField("core.Cluster", blank=True, verbose_name=_("行业"))
    industries = models.ManyToManyField(
        "core.Industry", blank=True, verbose_name=_("国民经济行业（GB/T 4754）")
    )
    category = models.CharField(_("类别"), max_length=40, blank=True, db_index=True)
    description = models.TextField(_("简介"), blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    price = models.DecimalField(
        _("价格（元）"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)], help_text=_("留空表示面议。"),
    )  # fmt: skip
    price_unit = models.CharField(_("计价单位"), max_length=20, blank=True)
    voucher_eligible = models.BooleanField(_("可用创新券"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=ResourceStatus.choices, default=ResourceStatus.DRAFT
    )
    last_verified_at = models.DateTimeField(_("最近核实"), default=timezone.now)
    stale_reminded_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("资源")
        verbose_name_plural = _("资源")
        indexes = [
            models.Index(fields=["status", "kind"]),
            models.Index(fields=["provider", "status"]),
            models.Index(fields=["last_verified_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__isnull=True) | models.Q(price__gte=0),
                name="resource_price_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:detail", args=[self.pk])

    @property
    def is_stale(self) -> bool:
        return (
            self.status == ResourceStatus.PUBLISHED
            and self.last_verified_at < timezone.now() - STALE_AFTER
        )

    @property
    def detail(self):
        """The kind-specific detail row, or None."""
        name = f"{self.kind}_detail"
        return getattr(self, name, None) if hasattr(self, name) else None


class ResourceDetail(models.Model):
    """Base of the per-kind detail tables (each adds its one-to-one `resource`)."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name}: {self.pk}"


class ServiceDetail(ResourceDetail):
    resource = models.OneToOneField(
        Resource, on_delete=models.CASCADE, primary_key=True, related_name="service_detail"
    )
    lead_time_days = models.PositiveSmallIntegerField(_("周期（工作日）"), null=True, blank=True)
    standards = models.CharField(
        _("涵盖标准"),
        max_length=300,
        blank=True,
        help_text=_("多个标准以分号分隔，如 GB 30585-2024; QB/T 1002-2015"),
    )

    class Meta:
        verbose_name = _("服务产品详情")


class ExpertDetail(ResourceDetail):
    resource = models.OneToOneField(
        Resource, on_delete=models.CASCADE, primary_key=True, related_name="expert_detail"
    )
    person_name = models.CharField(_("姓名"), max_length=60)
    title = models.CharField(_("职称"), max_length=60, blank=True)
    specialties = models.CharField(_("专长"), max_length=300, blank=True)
    employer = models.CharField(_("工作单位"), max_length=120, blank=True)
    consulting_available = models.BooleanField(_("可预约咨询"), default=True)

    class Meta:
        verbose_name = _("专家详情")


class SharingStatus(models.TextChoices):
    OPEN = "open", _("开放共享")
    LIMITED = "limited", _("有限开放")
    CLOSED = "closed", _("暂停共享")


class InstrumentDetail(ResourceDetail):
    resource = models.OneToOneField(
        Resource, on_delete=models.CASCADE, primary_key=True, related_name="instrument_detail"
    )
    model_number = models.CharField(_("型号"), max_length=80, blank=True)
    maker = models.CharField(_("制造商"), max_length=120, blank=True)
    specs = models.TextField(_("主要技术指标"), blank=True)
    location = models.CharField(_("存放地点"), max_length=200, blank=True)
    fee_per_hour = models.DecimalField(
        _("机时费（元/小时）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    fee_per_sample = models.DecimalField(
        _("测试费（元/样）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    sharing_status = models.CharField(
        _("共享状态"), max_length=8, choices=SharingStatus.choices, default=SharingStatus.OPEN
    )

    class Meta:
        verbose_name = _("仪器详情")


class TransferMode(models.TextChoices):
    LICENSE = "license", _("许可")
    TRANSFER = "transfer", _("转让")
    CODEV = "codev", _("合作开发")
    EQUITY = "equity", _("作价入股")


def validate_patent_list(value: str) -> None:
    for number in [p.strip() for p in value.replace("，", ";").replace(",", ";").split(";")]:
        if number:
            validate_patent_number(number)


class AchievementDetail(ResourceDetail):
    resource = models.OneToOneField(
        Resource, on_delete=models.CASCADE, primary_key=True, related_name="achievement_detail"
    )
    trl = models.PositiveSmallIntegerField(
        _("技术成熟度（TRL）"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )  # fmt: skip
    patents = models.CharField(
        _("专利号"),
        max_length=300,
        blank=True,
        validators=[validate_patent_list],
        help_text=_("多个以分号分隔，如 201710601862.3"),
    )
    transfer_mode = models.CharField(
        _("转化方式"), max_length=10, choices=TransferMode.choices, blank=True
    )
    negotiable = models.BooleanField(_("价格面议"), default=False)

    class Meta:
        verbose_name = _("成果详情")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(trl__isnull=True) | models.Q(trl__gte=1, trl__lte=9),
                name="achievement_trl_1_9",
            )
        ]


class PolicyDetail(ResourceDetail):
    resource = models.OneToOneField(
        Resource, on_delete=models.CASCADE, primary_key=True, related_name="policy_detail"
    )
    issuer = models.CharField(_("发布机关"), max_length=120)
    document_number = models.CharField(_("文号"), max_length=80, blank=True)
    issued_on = models.DateField(_("发布日期"), null=True, blank=True)
    scope = models.CharField(_("适用范围"), max_length=200, blank=True)
    attachment = models.FileField(_("附件"), upload_to="policies/%Y/", blank=True)

    class Meta:
        verbose_name = _("政策详情")


class AgreementStatus(models.TextChoices):
    NONE = "none", _("未签约")
    NEGOTIATING = "negotiating", _("洽谈中")
    SIGNED = "signed", _("已签约")
    EXPIRED = "expired", _("已到期")


class PartnerDetail(ResourceDetail):
    resource = models.OneToOneField(
        Resource, on_delete=models.CASCADE, primary_key=True, related_name="partner_detail"
    )
    country = models.CharField(_("国家/地区"), max_length=60, default="中国")
    is_foreign = models.BooleanField(_("境外机构"), default=False)
    agreement_status = models.CharField(
        _("合作协议"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.NONE
    )
    agreement_start = models.DateField(_("协议生效"), null=True, blank=True)
    agreement_end = models.DateField(_("协议到期"), null=True, blank=True)
    terms = models.TextField(_("合作内容"), blank=True)

    class Meta:
        verbose_name = _("合作机构详情")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agreement_end__isnull=True)
                | models.Q(agreement_start__isnull=True)
                | models.Q(agreement_end__gte=models.F("agreement_start")),
                name="partner_agreement_dates_ordered",
            )
        ]


DETAIL_MODELS = {
    ResourceKind.SERVICE: ServiceDetail,
    ResourceKind.EXPERT: ExpertDetail,
    ResourceKind.INSTRUMENT: InstrumentDetail,
    ResourceKind.ACHIEVEMENT: AchievementDetail,
    ResourceKind.POLICY: PolicyDetail,
    ResourceKind.PARTNER: PartnerDetail,
}

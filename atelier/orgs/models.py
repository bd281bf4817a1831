import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atelier.accounts.models import Role
from atelier.core.validators import normalize_credit_code, validate_credit_code, validate_mobile


class OrgKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PROVIDER = "provider", _("服务机构")
    UNIVERSITY = "university", _("高校院所")
    GOVERNMENT = "government", _("政府部门")
    ASSOCIATION = "association", _("行业协会")
    INVESTOR = "investor", _("投资机构")


class SizeBand(models.TextChoices):
    # 《统计上大中小微型企业划分办法》 (国统字〔2017〕213号)
    MICRO = "micro", _("微型")
    SMALL = "small", _("小型")
    MEDIUM = "medium", _("中型")
    LARGE = "large", _("大型")


class OrgStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    VERIFIED = "verified", _("已认证")
    REJECTED = "rejected", _("已驳回")
    SUSPENDED = "suspended", _("已暂停")


class OrganizationQuerySet(models.QuerySet):
    def verified(self):
        return self.filter(status=OrgStatus.VERIFIED)

    def visible_to(self, user):
        """The organisations `user` may see: verified ones for everybody (the public directory),
        plus the user's own, plus its district's for a reviewer, plus all for read-all roles."""
        if not user or not user.is_authenticated:
            return self.verified()
        if user.reads_everything:
            return self.all()
        q = models.Q(status=OrgStatus.VERIFIED) | models.Q(memberships__user=user)
        if user.role == Role.REVIEWER and user.district_id:
            q |= models.Q(district_id=user.district_id)
        return self.filter(q).distinct()

    def for_review(self, user):
        """The verification queue of an operator (all) or a reviewer (own district)."""
        qs = self.filter(status=OrgStatus.PENDING)
        if user.role == Role.REVIEWER:
            return qs.filter(district_id=user.district_id)
        if user.role == Role.OPERATOR or user.is_superuser:
            return qs
        return qs.none()

    def with_member_count(self):
        return self.annotate(member_count=models.Count("memberships", distinct=True))


def licence_path(instance, filename: str) -> str:
    # Never trust the uploaded name: keep only a random name and the sniffed extension.
    ext = getattr(instance, "_licence_ext", "bin")
    return f"licences/{timezone.now():%Y/%m}/{secrets.token_hex(12)}.{ext}"


class Organization(models.Model):
    kind = models.CharField(_("机构类型"), max_length=16, choices=OrgKind.choices)
    name = models.CharField(_("名称"), max_length=120)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    # NULL only for providers created by a bulk resource import before they registered
    # themselves (orgs.actions.organization_create_unregistered); forms and registration
    # require it, and such organisations stay unverified until they submit code and licence.
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        unique=True,
        null=True,
        validators=[validate_credit_code],
        error_messages={"unique": _("该统一社会信用代码已被注册。")},
    )
    district = models.ForeignKey(
        "core.District", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区县")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    industries = models.ManyToManyField("core.Industry", blank=True, verbose_name=_("所属行业"))
    tags = models.ManyToManyField("core.EnterpriseTag", blank=True, verbose_name=_("企业标签"))
    size_band = models.CharField(_("企业规模"), max_length=8, choices=SizeBand.choices, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    description = models.TextField(_("简介"), blank=True)
    website = models.URLField(_("网站"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    contact_mobile = models.CharField(
        _("联系电话"), max_length=11, blank=True, validators=[validate_mobile]
    )
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    licence = models.FileField(_("营业执照"), upload_to=licence_path, blank=True)
    status = models.CharField(
        _("认证状态"), max_length=12, choices=OrgStatus.choices, default=OrgStatus.PENDING
    )
    verified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        indexes = [models.Index(fields=["status", "district"]), models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:detail", args=[self.pk])

    def clean(self):
        super().clean()
        self.credit_code = normalize_credit_code(self.credit_code) or None
        self.name = (self.name or "").strip()

    @property
    def is_verified(self) -> bool:
        return self.status == OrgStatus.VERIFIED

    @property
    def clusters(self) -> list[str]:
        return sorted({i.get_cluster_display() for i in self.industries.all()})


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("管理员")
        MEMBER = "member", _("成员")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("机构角色"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("待接受")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已拒绝")
    REVOKED = "revoked", _("已撤回")


def _invitation_expiry():
    return timezone.now() + timedelta(days=14)


class Invitation(models.Model):
    """An org admin's invitation to a person, addressed by mobile number or e-mail."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    contact = models.CharField(_("手机号或邮箱"), max_length=150)
    role = models.CharField(
        _("机构角色"), max_length=8, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("成员邀请")
        verbose_name_plural = _("成员邀请")
        constraints = [
            # At most one open invitation per person per organisation (enforced by the database).
            models.UniqueConstraint(
                fields=["organization", "contact"],
                condition=models.Q(status="pending"),
                name="invitation_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.contact}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

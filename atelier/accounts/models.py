import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atelier.core.validators import normalize_mobile, validate_mobile


class Role(models.TextChoices):
    """Platform roles (DESIGN.md §1). Enterprise and provider users have the plain MEMBER role
    and act through their organisation memberships (see orgs.Membership.Role)."""

    MEMBER = "member", _("企业/机构用户")
    EXPERT = "expert", _("专家/设计师")
    BROKER = "broker", _("技术经纪人")
    OPERATOR = "operator", _("运营方")
    REVIEWER = "reviewer", _("主管部门审核员")
    FINANCE = "finance", _("财政")
    AUDITOR = "auditor", _("审计")
    SYSADMIN = "sysadmin", _("系统管理员")


STAFF_ROLES = {Role.OPERATOR, Role.REVIEWER, Role.FINANCE, Role.AUDITOR, Role.SYSADMIN}
# Roles that may read every record on the platform (the reviewer is limited to its district).
READ_ALL_ROLES = {Role.OPERATOR, Role.FINANCE, Role.AUDITOR, Role.SYSADMIN}


class AtelierUserManager(UserManager):
    def get_by_identifier(self, identifier: str):
        """The user whose mobile, e-mail or username is `identifier`, or None."""
        identifier = (identifier or "").strip()
        if not identifier:
            return None
        mobile = normalize_mobile(identifier)
        if mobile.isdigit() and len(mobile) == 11:
            q = models.Q(mobile=mobile)
        elif "@" in identifier:
            q = models.Q(email__iexact=identifier)
        else:
            q = models.Q(username=identifier)
        return self.filter(q).first()


class User(AbstractUser):
    """A person. Logs in with mobile number, e-mail or username."""

    name = models.CharField(_("姓名"), max_length=60, blank=True)
    mobile = models.CharField(
        _("手机号"), max_length=11, unique=True, null=True, blank=True, validators=[validate_mobile]
    )
    role = models.CharField(_("平台角色"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    district = models.ForeignKey(
        "core.District",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("负责区县"),
        help_text=_("主管部门审核员只处理本区县的事项。"),
    )

    objects = AtelierUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="user_email_unique_ci"
            ),
            models.CheckConstraint(
                condition=~models.Q(role="reviewer") | models.Q(district__isnull=False),
                name="reviewer_has_district",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self):
        super().clean()
        if self.mobile:
            self.mobile = normalize_mobile(self.mobile)
        self.email = (self.email or "").strip().lower()

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def is_reviewer(self) -> bool:
        return self.role == Role.REVIEWER

    @property
    def is_platform_staff(self) -> bool:
        return self.role in STAFF_ROLES or self.is_superuser

    @property
    def reads_everything(self) -> bool:
        return self.role in READ_ALL_ROLES or self.is_superuser


class LoginAttempt(models.Model):
    """Every login attempt, for throttling (accounts/throttle.py) and for the security trail."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    identifier = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("登录记录")
        verbose_name_plural = _("登录记录")
        indexes = [models.Index(fields=["ip", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.identifier} {'✓' if self.succeeded else '✗'}"


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for the API. Only the SHA-256 of the key is stored; the key is shown once."""

    PREFIX = "atl_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=60, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.hint}…"

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

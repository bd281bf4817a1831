"""Writes on accounts: registration, API tokens."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atelier.core import audit
from atelier.core.errors import NotAllowed
from atelier.core.validators import normalize_mobile, validate_mobile

from .models import ApiToken, Role, User, hash_token


@transaction.atomic
def user_register(*, name: str, mobile: str, password: str, email: str = "") -> User:
    """Self-service sign-up of a person (enterprise or provider staff). The mobile number is
    the username; e-mail is optional."""
    mobile = normalize_mobile(mobile)
    validate_mobile(mobile)
    email = (email or "").strip().lower()
    errors = {}
    if User.objects.filter(mobile=mobile).exists():
        errors["mobile"] = _("该手机号已注册，请直接登录。")
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = _("该邮箱已注册。")
    if errors:
        raise ValidationError(errors)
    user = User(
        username=mobile, mobile=mobile, email=email, name=(name or "").strip(), role=Role.MEMBER
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ValidationError({"mobile": _("该手机号已注册，请直接登录。")}) from exc
    audit.record(
        actor=user, verb="user.register", obj=user, changes={"mobile": mobile, "email": email}
    )
    return user


@transaction.atomic
def token_create(*, user: User, actor: User | None = None, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token for `user`. Returns the token row and the key, shown only once."""
    if actor is not None and actor != user and not actor.is_superuser:
        raise NotAllowed(_("只能为自己创建 API 令牌。"))
    if not user.is_active:
        raise NotAllowed(_("该账号已停用，不能创建令牌。"))
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(key), hint=key[:8])
    audit.record(actor=actor or user, verb="token.create", obj=token, changes={"user": user.pk})
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    if actor != token.user and not actor.is_superuser:
        raise NotAllowed(_("只能撤销自己的 API 令牌。"))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(actor=actor, verb="token.revoke", obj=token)
    return token


def user_for_token(key: str) -> User | None:
    if not key or not key.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_hash=hash_token(key), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    # Touch at most once a minute, so reads do not turn into a write per request.
    now = timezone.now()
    if not token.last_used_at or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user

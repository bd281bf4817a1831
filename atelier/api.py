"""The JSON API under /api/v1/ (django-ninja). Routers live in each app's api.py; this module
wires them together with authentication and the one error shape `{"detail": ..., "code": ...}`."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from atelier.accounts.actions import user_for_token
from atelier.core.errors import ActionError


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class OptionalAuth(APIKeyHeader):
    """Public endpoints: resolve a bearer token if one is sent, else keep the session user
    (possibly anonymous). Never refuses; permission scoping happens in the query."""

    param_name = "Authorization"

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            user = user_for_token(header[7:].strip())
            if user is None:
                raise AuthenticationError(message=_("令牌无效或已撤销。"))
            request.user = user
        return True

    def authenticate(self, request, key):  # pragma: no cover - __call__ overrides
        return True


class UnicodeJSONRenderer(JSONRenderer):
    """Chinese text as UTF-8 in the JSON, not \\u escapes: readable by people and half the size."""

    media_type = "application/json; charset=utf-8"
    json_dumps_params = {"ensure_ascii": False}


bearer = BearerToken()
api_auth = [bearer, django_auth]
public_auth = OptionalAuth()

api = NinjaAPI(
    title="Atelier API",
    version="1.0",
    description='时尚产业创新服务综合体平台 API。错误统一为 {"detail": "…", "code": "…"}。',
    urls_namespace="api",
    auth=api_auth,
    renderer=UnicodeJSONRenderer(),
)


def _separator() -> str:
    return pgettext("message separator", "；")


def error(request, detail, code: str, status: int, **extra):
    return api.create_response(request, {"detail": detail, "code": code, **extra}, status=status)


@api.exception_handler(ActionError)
def on_action_error(request, exc: ActionError):
    return error(request, exc.message, exc.code, exc.status)


@api.exception_handler(DjangoValidationError)
def on_django_validation(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        detail = _separator().join(m for msgs in fields.values() for m in msgs)
        codes = [e.code for v in exc.error_dict.values() for e in v if e.code]
        code = codes[0] if len(codes) == 1 else "validation_error"
        if code in ("unique", "invalid", "required"):
            code = f"{next(iter(fields))}_{code}"
        return error(request, detail, code, 400, fields=fields)
    return error(request, _separator().join(exc.messages), exc.code or "validation_error", 400)


@api.exception_handler(NinjaValidationError)
def on_ninja_validation(request, exc: NinjaValidationError):
    return error(request, _("请求参数有误。"), "validation_error", 422, errors=exc.errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    message = getattr(exc, "message", "") or _("请先登录或提供有效的 API 令牌。")
    return error(request, message, "not_authenticated", 401)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return error(request, str(exc) or _("没有权限。"), "permission_denied", 403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, _("对象不存在或无权查看。"), "not_found", 404)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error(request, str(exc), getattr(exc, "code", "") or "error", exc.status_code)


from atelier.accounts.api import router as accounts_router  # noqa: E402
from atelier.catalog.api import router as catalog_router  # noqa: E402
from atelier.demands.api import router as demands_router  # noqa: E402
from atelier.kpi.api import router as kpi_router  # noqa: E402
from atelier.orgs.api import router as orgs_router  # noqa: E402
from atelier.vouchers.api import router as vouchers_router  # noqa: E402

api.add_router("", accounts_router)
api.add_router("/organizations", orgs_router)
api.add_router("", catalog_router)
api.add_router("", demands_router)
api.add_router("", vouchers_router)
api.add_router("", kpi_router)

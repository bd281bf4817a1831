from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from atelier.core.forms import apply_error

from . import actions
from .forms import LoginForm, SignupForm


def _next_url(request: HttpRequest, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(default)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request, "portal:workspace"))
    form = LoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        return redirect(_next_url(request, "portal:workspace"))
    status = 400 if request.method == "POST" else 200
    ctx = {"form": form, "next": request.GET.get("next", request.POST.get("next", ""))}
    return render(request, "accounts/login.html", ctx, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("portal:home")


@sensitive_post_parameters("password", "password2")
@csrf_protect
@never_cache
def signup_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:workspace")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = actions.user_register(
                name=data["name"],
                mobile=data["mobile"],
                email=data["email"],
                password=data["password"],
            )
        except ValidationError as exc:
            apply_error(form, exc)
        else:
            login(request, user, backend="atelier.accounts.backends.IdentifierBackend")
            messages.success(request, _("注册成功。下一步：登记您的企业或机构并完成实名认证。"))
            return redirect(_next_url(request, "orgs:register"))
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)

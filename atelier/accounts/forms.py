from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from atelier.core.widgets import BootstrapFormMixin

from . import throttle


class LoginForm(BootstrapFormMixin, forms.Form):
    identifier = forms.CharField(
        label=_("手机号 / 邮箱 / 用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        identifier = self.cleaned_data.get("identifier")
        password = self.cleaned_data.get("password")
        if not identifier or not password:
            return self.cleaned_data
        ip = throttle.client_ip(self.request)
        wait = throttle.locked_for(identifier, ip)
        if wait:
            raise ValidationError(
                _("登录失败次数过多，请在 %(minutes)d 分钟后再试。"),
                code="throttled",
                params={"minutes": max(1, (wait + 59) // 60)},
            )
        self.user = authenticate(self.request, username=identifier, password=password)
        throttle.record_attempt(identifier, ip, succeeded=self.user is not None)
        if self.user is None:
            raise ValidationError(_("账号或密码不正确。"), code="invalid_login")
        return self.cleaned_data


class SignupForm(BootstrapFormMixin, forms.Form):
    half_fields = ("name", "mobile", "password", "password2")

    name = forms.CharField(label=_("姓名"), max_length=60)
    mobile = forms.CharField(
        label=_("手机号"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    email = forms.EmailField(label=_("电子邮箱（选填）"), required=False)
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不能全为数字，不能与手机号相似。"),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data

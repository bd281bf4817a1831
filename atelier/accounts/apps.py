from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "atelier.accounts"
    verbose_name = _("账号")

    def ready(self):
        from atelier.core.audit import register_verbs

        register_verbs(
            {
                "user.register": _("注册账号"),
                "token.create": _("创建 API 令牌"),
                "token.revoke": _("撤销 API 令牌"),
            }
        )

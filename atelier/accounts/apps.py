from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "atelier.accounts"
    verbose_name = "账号"

    def ready(self):
        from atelier.core.audit import register_verbs

        register_verbs(
            {
                "user.register": "注册账号",
                "token.create": "创建 API 令牌",
                "token.revoke": "撤销 API 令牌",
            }
        )

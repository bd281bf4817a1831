from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrgsConfig(AppConfig):
    name = "atelier.orgs"
    verbose_name = pgettext_lazy("app name", "机构")

    def ready(self):
        from atelier.core.audit import register_verbs

        from . import actions  # noqa: F401  (registers the workflow verbs)

        register_verbs(
            {
                "organization.register": _("登记机构"),
                "organization.update": _("修改机构资料"),
                "organization.create_unregistered": _("导入时创建机构"),
                "invitation.create": _("邀请成员"),
                "membership.create": _("加入机构"),
                "membership.delete": _("移除成员"),
            }
        )

from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "atelier.orgs"
    verbose_name = "机构"

    def ready(self):
        from atelier.core.audit import register_verbs

        from . import actions  # noqa: F401  (registers the workflow verbs)

        register_verbs(
            {
                "organization.register": "登记机构",
                "organization.update": "修改机构资料",
                "invitation.create": "邀请成员",
                "membership.create": "加入机构",
                "membership.delete": "移除成员",
            }
        )

from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "atelier.vouchers"
    verbose_name = "创新券"

    def ready(self):
        from . import actions, spotchecks  # noqa: F401  (register the workflow verbs)

from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "atelier.vouchers"
    verbose_name = "创新券"

    def ready(self):
        from . import actions  # noqa: F401  (registers the workflow verbs)

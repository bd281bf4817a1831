from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "atelier.reports"
    verbose_name = "检测报告"

    def ready(self):
        from . import actions  # noqa: F401  (registers the workflow verbs)

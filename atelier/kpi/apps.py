from django.apps import AppConfig


class KpiConfig(AppConfig):
    name = "atelier.kpi"
    verbose_name = "指标与考核"

    def ready(self):
        from . import signals  # noqa: F401  (cache invalidation on writes)

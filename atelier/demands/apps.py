from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "atelier.demands"
    verbose_name = "需求与对接"

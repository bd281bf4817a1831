from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "atelier.core"
    verbose_name = "基础"

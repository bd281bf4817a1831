from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "atelier.portal"
    verbose_name = "门户"

from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "atelier.orgs"
    verbose_name = "机构"

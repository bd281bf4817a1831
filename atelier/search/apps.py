from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "atelier.search"
    verbose_name = "检索"

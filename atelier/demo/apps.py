from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "atelier.demo"
    verbose_name = "演示数据"

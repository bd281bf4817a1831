from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "atelier.orders"
    verbose_name = "服务与预约"

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "atelier.catalog"
    verbose_name = "资源库"

    def ready(self):
        from atelier.core.audit import register_verbs

        from . import actions  # noqa: F401  (registers the lifecycle verbs)

        register_verbs(
            {
                "resource.create": "创建资源",
                "resource.update": "修改资源",
                "resource.import": "批量导入资源",
                "resource.confirm": "确认资源信息",
                "resource.stale_reminder": "提醒核实资源",
                "synonym.save": "保存同义词组",
                "synonym.delete": "删除同义词组",
            }
        )

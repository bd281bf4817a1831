import time

from django.core.management.base import BaseCommand
from django.db import transaction

from atelier.catalog.actions import reindex
from atelier.catalog.models import DETAIL_MODELS, Resource, ResourceStatus
from atelier.search import engine

DETAIL_RELATIONS = [f"{kind}_detail" for kind in DETAIL_MODELS]


class Command(BaseCommand):
    help = "重建检索索引：清空后按当前资源库重新索引全部已发布资源。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, batch, **options):
        started = time.monotonic()
        qs = (
            Resource.objects.filter(status=ResourceStatus.PUBLISHED)
            .select_related("provider", "district", *DETAIL_RELATIONS)
            .prefetch_related("clusters")
            .order_by("pk")
        )
        total = 0
        with transaction.atomic(), engine.bulk_rebuild():
            last = 0
            while True:
                chunk = list(qs.filter(pk__gt=last)[:batch])
                if not chunk:
                    break
                reindex(chunk)
                total += len(chunk)
                last = chunk[-1].pk
        engine.vacuum()
        seconds = time.monotonic() - started
        self.stdout.write(f"已重建索引：{total} 条资源，用时 {seconds:.1f} 秒。")

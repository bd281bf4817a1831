import time

from django.core.management.base import BaseCommand
from django.db import transaction

from atelier.catalog.actions import reindex
from atelier.catalog.models import DETAIL_MODELS, Resource, ResourceStatus
from atelier.search import engine

DETAIL_RELATIONS = [f"{kind}_detail" for kind in DETAIL_MODELS]


class Command(BaseCommand):
    help = (
        "重建检索索引：清空后按当前资源库重新索引全部已发布资源；"
        "--seal 只把日常增量合并进倒排块（建议每晚运行）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument(
            "--workers",
            type=int,
            default=engine.default_workers(),
            help="分词进程数（0 = 在本进程内分词）",
        )
        parser.add_argument(
            "--seal", action="store_true", help="不重建，只合并增量倒排与已删除文档"
        )

    def handle(self, *args, batch, workers, seal, **options):
        started = time.monotonic()
        if seal:
            report = engine.seal()
            seconds = time.monotonic() - started
            self.stdout.write(
                f"已合并索引增量：{report['terms']} 个词的倒排块重写，"
                f"合并 {report['delta_postings']} 条增量倒排，"
                f"清除 {report['stale_documents']} 篇过期文档，用时 {seconds:.1f} 秒。"
            )
            return
        qs = (
            Resource.objects.filter(status=ResourceStatus.PUBLISHED)
            .select_related("provider", "district", *DETAIL_RELATIONS)
            .prefetch_related("clusters")
            .order_by("pk")
        )
        total = 0
        with transaction.atomic(), engine.bulk_rebuild(workers=workers):
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

"""`atelier warm_cockpit`: fill the cockpit's cache so that no request waits for a cold build."""

import time

from django.core.management.base import BaseCommand

from atelier.kpi import cockpit


class Command(BaseCommand):
    help = "预先计算数据驾驶舱（本年、上年；全市及各区县），供定时任务、部署与批量导入后运行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, action="append", help="年份（可重复）；默认本年与上年"
        )
        parser.add_argument("--city-only", action="store_true", help="只计算全市，不逐区县计算")

    def handle(self, *args, year=None, city_only=False, **options):
        started = time.perf_counter()
        built = cockpit.warm(year, districts=not city_only)
        seconds = time.perf_counter() - started
        self.stdout.write(f"数据驾驶舱已预计算 {built} 组筛选条件，用时 {seconds:.1f} 秒。")

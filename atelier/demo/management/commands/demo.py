"""`atelier demo [--scale N] [--no-serve] [--port P]` (DESIGN.md §4).

Migrates the default database, loads the deterministic demo data set (idempotent), prints the demo
accounts and a summary of the resource library (counts by kind and by state) and serves the site
on 127.0.0.1 with Django's runserver (no autoreload; WhiteNoise serves the static files; DEBUG
stays as configured).
"""

import sys
import time
import unicodedata

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from atelier.demo import data, library


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def account_table(accounts: list[data.AccountSpec]) -> str:
    rows = [("角色", "用户名", "手机号", "密码", "姓名", "所属机构")]
    rows += [
        (a.label, a.username, a.mobile, data.DEMO_PASSWORD, a.name, a.affiliation) for a in accounts
    ]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "迁移数据库、载入演示数据并启动演示站点（127.0.0.1）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="数据量倍数（默认 1：约 350 个机构、440 条资源；N 倍追加企业与资源）",
        )
        parser.add_argument("--no-serve", action="store_true", help="只载入数据，不启动服务")
        parser.add_argument("--port", type=int, default=8000, help="监听端口（默认 8000）")

    def handle(self, *args, scale: int, no_serve: bool, port: int, **options):
        if scale < 1:
            raise CommandError("--scale 至少为 1。")
        if not 0 < port < 65536:
            raise CommandError("--port 应在 1–65535 之间。")
        out = self.stdout
        out.write(f"演示账号统一密码：{data.DEMO_PASSWORD}")

        started = time.perf_counter()
        out.write("迁移数据库…", ending="")
        out.flush()
        call_command("migrate", database="default", interactive=False, verbosity=0)
        out.write(f" 完成（{time.perf_counter() - started:.1f} 秒）")

        tty = out.isatty()

        def progress(what: str, done: int, total: int) -> None:
            if tty:
                unit = "个" if what == "机构" else "条"
                out.write(f"\r载入演示数据… {what} {done}/{total} {unit}\033[K", ending="")
                out.flush()

        result = data.load(scale=scale, progress=progress)
        resources = sum(result.resources_created.values())
        created = (
            f"新增 {result.orgs_created} 个机构、{result.users_created} 个用户、"
            f"{resources} 条资源、{sum(result.demands_created.values())} 条需求、"
            f"{sum(result.dockings_created.values())} 个对接"
        )
        if result.vouchers:
            created += (
                f"、{result.vouchers.programmes} 个创新券项目、{result.vouchers.vouchers} 张创新券"
                f"（{result.vouchers.ledger_rows} 条台账分录）"
            )
        if result.bookings:
            created += (
                f"、{result.bookings.bookings} 条仪器预约（{result.bookings.usages} 条上机记录）"
                f"、{result.bookings.reports} 份检测报告"
            )
        if result.kpi:
            created += (
                f"、{result.kpi.plans} 个考核方案（{result.kpi.reports} 条填报值、"
                f"{result.kpi.assessments} 份已签署考核）"
            )
        if not result.created_anything:
            created = "数据已是最新，未作改动"
        prefix = "\r" if tty else ""
        clear = "\033[K" if tty else ""
        out.write(f"{prefix}载入演示数据… 完成（{result.seconds:.1f} 秒）：{created}{clear}")
        out.write("")
        out.write(account_table(result.accounts))
        out.write("")
        for line in library.summary().lines():
            out.write(line)
        out.write("")
        out.write("可用用户名、手机号或邮箱登录。")
        if no_serve:
            return
        out.write(f"演示站点：http://127.0.0.1:{port}/  （Ctrl+C 停止）")
        out.flush()
        sys.stdout.flush()
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)

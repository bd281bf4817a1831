"""`atelier import resources FILE [--dry-run] [--as USERNAME]` (DESIGN.md §4).

Validates the whole file first; on any error prints the table of errors and exits with status 1
without changing anything. Otherwise imports all rows in one transaction, published at once (the
operator running the command is the moderator) and searchable when the command returns.
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from atelier.accounts.models import User
from atelier.catalog import importing, permissions
from atelier.core.errors import ActionError


class ProgressBar:
    """A textual progress bar on stderr: in place on a terminal, else one line per 10 %."""

    def __init__(self, stream, width: int = 30):
        self.stream = stream  # a management command's OutputWrapper (or any text stream)
        self.width = width
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.stage = None
        self.last = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if stage != self.stage:
            self.finish()
            self.stage, self.last = stage, -1
        if self.tty:
            if percent == self.last:
                return
            filled = self.width * percent // 100
            bar = "#" * filled + "-" * (self.width - filled)
            self._write(f"\r{stage} [{bar}] {percent:3d}% {done}/{total}")
        else:
            decile = percent // 10 * 10
            if decile <= self.last:
                return
            self._write(f"{stage} {decile}% ({done}/{total})\n")
            percent = decile
        self.last = percent

    def finish(self) -> None:
        if self.tty and self.stage is not None and self.last >= 0:
            self._write("\n")
        self.stage = None

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, style_func=str, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()


def error_table(errors: list[importing.RowError]) -> str:
    """The errors as an aligned text table: 行 | 列 | 值 | 原因."""

    def width(text: str) -> int:  # CJK characters take two columns in a terminal
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    def pad(text: str, size: int) -> str:
        return text + " " * max(0, size - width(text))

    def short(text: str, limit: int = 40) -> str:
        text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
        return text if len(text) <= limit else text[: limit - 1] + "…"

    rows = [("行", "列", "值", "原因")]
    rows += [
        ("—" if e.row is None else str(e.row), e.column_label or "—", short(e.value), e.reason)
        for e in errors
    ]
    sizes = [max(width(r[i]) for r in rows) for i in range(3)]
    lines = [" | ".join([pad(r[0], sizes[0]), pad(r[1], sizes[1]), pad(r[2], sizes[2]), r[3]])
             for r in rows]  # fmt: skip
    lines.insert(1, "-+-".join("-" * s for s in sizes) + "-+-" + "-" * 8)
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "批量导入：atelier import resources FILE [--dry-run] [--as USERNAME]。"
        "支持 .xlsx 与 .csv（UTF-8、带 BOM 的 UTF-8 或 GBK），全部成功或全部不导入。"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        resources = sub.add_parser("resources", help="导入资源库（服务、专家、仪器、成果）")
        resources.add_argument("file", help=".xlsx 或 .csv 文件")
        resources.add_argument(
            "--dry-run", action="store_true", help="只校验并报告将新建和更新多少条，不写入"
        )
        resources.add_argument(
            "--as", dest="as_user", metavar="USERNAME",
            help="以该运营方账号的名义导入（记入审计日志）；省略时记为「系统」",
        )  # fmt: skip

    def handle(self, *args, what, file, dry_run=False, as_user=None, **options):
        actor = self._actor(as_user)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        if not os.access(path, os.R_OK):
            raise CommandError(f"无法读取文件：{file}")
        progress = ProgressBar(self.stderr)
        plan = importing.prepare(path, progress=progress)
        progress.finish()
        if plan.errors:
            self._fail(plan.errors)
        summary = f"新建 {plan.creates} 条，更新 {plan.updates} 条"
        if plan.new_providers:
            summary += f"，新建机构 {len(plan.new_providers)} 家（待认证）"
        if dry_run:
            self.stdout.write(f"校验通过（试运行，未写入任何数据）：将{summary}。")
            return
        try:
            result = importing.resources_import(
                actor=actor,
                rows=plan.rows,
                publish=True,
                note=f"命令行导入：{path.name}",
                progress=progress,
            )
        except importing.ImportRejected as exc:
            progress.finish()
            self._fail(exc.errors)
        except ActionError as exc:
            raise CommandError(exc.message) from exc
        progress.finish()
        message = f"导入完成：新建 {result.created} 条，更新 {result.updated} 条"
        if result.providers_created:
            message += f"（新建待认证机构 {result.providers_created} 家）"
        self.stdout.write(message)

    def _actor(self, identifier: str | None):
        if not identifier:
            return None
        user = User.objects.get_by_identifier(identifier)
        if user is None:
            raise CommandError(f"用户不存在：{identifier}")
        if not user.is_active:
            raise CommandError(f"用户已停用：{identifier}")
        if not permissions.is_moderator(user):
            raise CommandError(f"只有运营方可以批量导入资源：{identifier} 不是运营方账号。")
        return user

    def _fail(self, errors: list[importing.RowError]):
        self.stderr.write(error_table(errors))
        raise CommandError(f"导入失败：共 {len(errors)} 处错误，未导入任何数据。")

from django.core.management.base import BaseCommand, CommandError

from atelier.core.errors import ActionError
from atelier.vouchers.models import Programme
from atelier.vouchers.spotchecks import drawn, redraw, spot_check_draw


class Command(BaseCommand):
    help = (
        "Draw the year's random spot checks of a programme's paid voucher uses (at least the "
        "programme's spot-check rate, ≥ 5 %). The seed is recorded; running again with the same "
        "--seed shows the recorded draw and verifies that it reproduces."
    )

    def add_arguments(self, parser):
        parser.add_argument("--programme", type=int, required=True, help="programme id")
        parser.add_argument("--year", type=int, required=True, help="payout year")
        parser.add_argument("--seed", default="", help="seed to use (default: a random one)")

    def handle(self, *args, programme, year, seed, **options):
        try:
            prog = Programme.objects.get(pk=programme)
        except Programme.DoesNotExist:
            raise CommandError(f"没有编号为 {programme} 的创新券项目。") from None
        try:
            draw = spot_check_draw(programme=prog, year=year, actor=None, seed=seed or None)
        except ActionError as e:
            raise CommandError(e.message) from None
        sample = drawn(draw)
        self.stdout.write(
            f"{prog} {year} 年度抽查：种子 {draw.seed}，比例 {draw.percent}%，"
            f"总体 {len(draw.population)} 项，抽取 {draw.sample_size} 项。"
        )
        self.stdout.write("抽中的使用记录编号：" + ", ".join(str(pk) for pk in sample))
        if redraw(draw) != sample:
            raise CommandError("按记录的种子重新抽取的结果与记录不一致！")
        self.stdout.write("按记录的种子与总体重新抽取，结果一致。")

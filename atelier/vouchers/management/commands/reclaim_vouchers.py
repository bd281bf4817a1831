from datetime import date

from django.core.management.base import BaseCommand

from atelier.vouchers.actions import vouchers_reclaim


class Command(BaseCommand):
    help = (
        "Reclaim vouchers past their use-by date (the unused balance goes back to the "
        "programme) and release reservations past the redeem-by date. Run daily by the scheduler."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=date.fromisoformat, help="act as if today were this date (YYYY-MM-DD)"
        )

    def handle(self, *args, today=None, **options):
        count = vouchers_reclaim(today)
        self.stdout.write(f"已回收或释放 {count} 项过期创新券额度。")

from django.core.management.base import BaseCommand

from atelier.orders.service import AUTO_CONFIRM_DAYS, orders_auto_confirm


class Command(BaseCommand):
    help = (
        f"Confirm orders delivered more than {AUTO_CONFIRM_DAYS} days ago that the enterprise "
        "has not confirmed (their voucher part becomes claimable). Run daily by the scheduler."
    )

    def handle(self, *args, **options):
        count = orders_auto_confirm()
        self.stdout.write(f"已自动确认 {count} 个交付后逾期未确认的订单。")

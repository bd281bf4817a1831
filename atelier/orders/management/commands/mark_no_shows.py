"""`atelier mark_no_shows`: void confirmed bookings not started in time and record violations.
Scheduled every 15 minutes by the task runner."""

from django.core.management.base import BaseCommand

from atelier.orders.actions import mark_no_shows


class Command(BaseCommand):
    help = "将超时未上机的仪器预约标记为爽约并记录违约。"

    def handle(self, *args, **options):
        violations = mark_no_shows()
        self.stdout.write(f"{len(violations)}")

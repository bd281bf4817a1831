from django.core.management.base import BaseCommand

from atelier.demands.actions import demands_expire


class Command(BaseCommand):
    help = (
        "Expire published demands past their deadline (their enterprises are told they can "
        "renew). Run daily by the scheduler."
    )

    def handle(self, *args, **options):
        expired = demands_expire()
        self.stdout.write(f"已将 {len(expired)} 条超过截止日期的需求标记为已过期。")

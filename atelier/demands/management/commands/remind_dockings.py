from django.core.management.base import BaseCommand

from atelier.demands.actions import dockings_flag_overdue


class Command(BaseCommand):
    help = (
        "Remind whoever has not answered a docking request within its deadline (3 working days "
        "by default, ATELIER_DOCKING_RESPONSE_DAYS), and tell the operators how many are "
        "overdue. Run daily by the scheduler."
    )

    def handle(self, *args, **options):
        count = dockings_flag_overdue()
        self.stdout.write(f"{count} 个对接超过响应期限，已提醒相关人员。")

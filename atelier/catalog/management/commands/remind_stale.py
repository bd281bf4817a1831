from django.core.management.base import BaseCommand

from atelier.catalog.actions import resources_remind_stale


class Command(BaseCommand):
    help = (
        "Remind organisation admins of published resources not confirmed for 12 months "
        "(once per listing until confirmed). Run daily by the scheduler."
    )

    def handle(self, *args, **options):
        count = resources_remind_stale()
        self.stdout.write(f"已提醒 {count} 条超过 12 个月未核实的资源。")

from django.conf import settings
from django.core.management.base import BaseCommand

from atelier.core.i18n import catalogs, compile_messages


class Command(BaseCommand):
    help = (
        "Compile the translation catalogs of LOCALE_PATHS (.po → .mo) with polib, "
        "without GNU gettext. Only missing or outdated .mo files are written unless --force."
    )
    requires_system_checks = []  # a build step: needs neither the URLconf nor the database

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="rewrite every .mo, even an up-to-date one"
        )

    def handle(self, *args, force=False, **options):
        written = compile_messages(force=force)
        for mo_path in written:
            self.stdout.write(f"compiled {mo_path}")
        total = len(catalogs())
        self.stdout.write(
            f"{len(written)} of {total} catalog(s) compiled; "
            f"{total - len(written)} already up to date (LOCALE_PATHS: "
            f"{', '.join(str(p) for p in settings.LOCALE_PATHS)})"
        )

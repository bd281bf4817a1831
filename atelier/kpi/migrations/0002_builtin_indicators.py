"""Seed the built-in indicator catalogue (catalogue.INDICATORS): the computed indicators and the
reported construction targets of seed 004."""

from django.db import migrations


def seed(apps, schema_editor):
    from atelier.kpi.catalogue import seed_indicators

    seed_indicators(apps.get_model("kpi", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("kpi", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

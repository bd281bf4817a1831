from django.db import migrations


def load(apps, schema_editor):
    from atelier.core.reference import sync_reference_data

    sync_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_cluster")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

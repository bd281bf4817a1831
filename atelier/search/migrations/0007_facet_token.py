import uuid

from django.db import migrations, models


def set_token(apps, schema_editor):
    # An empty token is never cached: give an existing index one, so its codes can be.
    apps.get_model("search", "SearchStats").objects.update(facet_token=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [("search", "0006_sealed_blocks")]

    operations = [
        migrations.AddField(
            model_name="searchstats",
            name="facet_token",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.RunPython(set_token, migrations.RunPython.noop),
    ]

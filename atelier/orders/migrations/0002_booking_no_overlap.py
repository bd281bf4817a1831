"""No overlapping live bookings of one instrument, enforced by PostgreSQL.

An exclusion constraint over (resource, [start, end)) for the statuses that hold a slot. It needs
btree_gist for the `=` on resource_id. Written as vendor-conditional SQL rather than a model
constraint so that the same migration runs on SQLite, where `actions.booking_create` serialises
writers instead (see models.py).
"""

from django.db import migrations

ADD = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE orders_booking ADD CONSTRAINT booking_no_overlap
    EXCLUDE USING gist (resource_id WITH =, tstzrange(start, "end", '[)') WITH &&)
    WHERE (status IN ('requested', 'confirmed', 'completed'));
"""
DROP = "ALTER TABLE orders_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

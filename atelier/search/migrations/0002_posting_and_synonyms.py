from django.db import migrations

SQLITE = """
CREATE TABLE search_posting (
    term_id INTEGER NOT NULL,
    neg_impact INTEGER NOT NULL,
    doc_id INTEGER NOT NULL,
    f INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (term_id, neg_impact, doc_id)
) WITHOUT ROWID
"""
POSTGRES = """
CREATE TABLE search_posting (
    term_id integer NOT NULL,
    neg_impact integer NOT NULL,
    doc_id bigint NOT NULL,
    f integer NOT NULL DEFAULT 0,
    PRIMARY KEY (term_id, neg_impact, doc_id) INCLUDE (f)
)
"""


def create_postings(apps, schema_editor):
    sql = SQLITE if schema_editor.connection.vendor == "sqlite" else POSTGRES
    schema_editor.execute(sql)


def drop_postings(apps, schema_editor):
    schema_editor.execute("DROP TABLE search_posting")


def seed_synonyms(apps, schema_editor):
    from atelier.search.analysis import default_synonym_groups

    SynonymGroup = apps.get_model("search", "SynonymGroup")
    if not SynonymGroup.objects.exists():
        SynonymGroup.objects.bulk_create(
            [SynonymGroup(words=" ".join(g)) for g in default_synonym_groups()]
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [
        migrations.RunPython(create_postings, drop_postings),
        migrations.RunPython(seed_synonyms, migrations.RunPython.noop),
    ]

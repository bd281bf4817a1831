"""Sealed posting blocks (search/postings.py): the forward index becomes binary, documents know
whether their postings are sealed, the stale set is added, and postings carry the document's
category code and provider. The existing postings stay valid as the live delta (their new
columns are filled here); `atelier reindex` or `engine.seal()` moves them into blocks."""

import sys
from array import array

from django.db import migrations, models

SQLITE = """
CREATE TABLE search_block (
    key INTEGER PRIMARY KEY,
    last INTEGER NOT NULL DEFAULT 0,
    data BLOB NOT NULL
)
"""
# PLAIN storage: a 2.5 KB block is kept in the row, uncompressed (TOAST would compress it and
# every read would pay for decompression); three rows fit an 8 KB page.
POSTGRES = [
    """
CREATE TABLE search_block (
    key bigint PRIMARY KEY,
    last boolean NOT NULL DEFAULT false,
    data bytea NOT NULL
)
""",
    "ALTER TABLE search_block ALTER COLUMN data SET STORAGE PLAIN",
]
POSTING_COLUMNS = [
    "ALTER TABLE search_posting ADD COLUMN c integer NOT NULL DEFAULT 0",
    "ALTER TABLE search_posting ADD COLUMN p bigint NOT NULL DEFAULT 0",
]
POSTGRES_POSTING_KEY = [
    "ALTER TABLE search_posting DROP CONSTRAINT search_posting_pkey",
    "ALTER TABLE search_posting ADD PRIMARY KEY (term_id, neg_impact, doc_id) INCLUDE (f, c, p)",
]


def create_blocks(apps, schema_editor):
    sqlite = schema_editor.connection.vendor == "sqlite"
    for sql in ([SQLITE] if sqlite else POSTGRES) + POSTING_COLUMNS:
        schema_editor.execute(sql)
    if not sqlite:
        for sql in POSTGRES_POSTING_KEY:
            schema_editor.execute(sql)


def fill_posting_columns(apps, schema_editor):
    """Category codes (new facet codes) and providers of the postings already in the delta."""
    SearchDoc = apps.get_model("search", "SearchDoc")
    FacetCode = apps.get_model("search", "FacetCode")
    schema_editor.execute(
        "UPDATE search_posting SET p = "
        "(SELECT provider FROM search_doc d WHERE d.doc_id = search_posting.doc_id)"
        " WHERE EXISTS (SELECT 1 FROM search_doc d WHERE d.doc_id = search_posting.doc_id)"
    )
    categories = SearchDoc.objects.exclude(category="").values_list("category", flat=True)
    for code, category in enumerate(sorted(set(categories))[:CATEGORY_CODES], start=1):
        FacetCode.objects.create(facet="category", value=category, code=code)
        schema_editor.execute(
            "UPDATE search_posting SET c = %s WHERE doc_id IN "
            "(SELECT doc_id FROM search_doc WHERE category = %s)",
            [code, category],
        )


CATEGORY_CODES = 32767  # as engine.CODE_LIMITS


def drop_blocks(apps, schema_editor):
    schema_editor.execute("DROP TABLE search_block")
    for column in ("c", "p"):
        schema_editor.execute(f"ALTER TABLE search_posting DROP COLUMN {column}")


def forward_to_binary(apps, schema_editor):
    SearchDoc = apps.get_model("search", "SearchDoc")
    batch = []
    for doc_id, text in SearchDoc.objects.values_list("doc_id", "forward").iterator(2000):
        pairs = array("I")
        for pair in text.split():
            term_id, impact = pair.split(":")
            pairs.extend((int(term_id), int(impact)))
        if sys.byteorder == "big":  # pragma: no cover - stored little-endian everywhere
            pairs.byteswap()
        batch.append(SearchDoc(doc_id=doc_id, forward_ids=pairs.tobytes()))
        if len(batch) >= 2000:
            SearchDoc.objects.bulk_update(batch, ["forward_ids"])
            batch = []
    if batch:
        SearchDoc.objects.bulk_update(batch, ["forward_ids"])


class Migration(migrations.Migration):
    dependencies = [("search", "0005_default_synonyms_2")]

    operations = [
        migrations.AddField(
            model_name="searchdoc", name="sealed", field=models.BooleanField(default=False)
        ),
        migrations.AddField(
            model_name="searchdoc", name="forward_ids", field=models.BinaryField(default=b"")
        ),
        migrations.RunPython(forward_to_binary, migrations.RunPython.noop),
        migrations.RemoveField(model_name="searchdoc", name="forward"),
        migrations.RenameField(model_name="searchdoc", old_name="forward_ids", new_name="forward"),
        migrations.AddField(
            model_name="searchstats",
            name="stale_token",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.CreateModel(
            name="SearchStale",
            fields=[
                ("doc_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("terms", models.BinaryField()),
            ],
            options={
                "verbose_name": "待合并文档",
                "verbose_name_plural": "待合并文档",
                "db_table": "search_stale",
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="searchposting",
                    name="c",
                    field=models.IntegerField(default=0),
                ),
                migrations.AddField(
                    model_name="searchposting",
                    name="p",
                    field=models.BigIntegerField(default=0),
                ),
                migrations.CreateModel(
                    name="SearchBlock",
                    fields=[
                        ("key", models.BigIntegerField(primary_key=True, serialize=False)),
                        ("last", models.BooleanField(default=False)),
                        ("data", models.BinaryField()),
                    ],
                    options={
                        "verbose_name": "倒排块",
                        "verbose_name_plural": "倒排块",
                        "db_table": "search_block",
                    },
                ),
            ],
            database_operations=[migrations.RunPython(create_blocks, drop_blocks)],
        ),
        migrations.RunPython(fill_posting_columns, migrations.RunPython.noop),
    ]

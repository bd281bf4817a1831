from django.db import migrations, models


class Migration(migrations.Migration):
    """Make the postings table (created with vendor SQL in 0002) known to Django's state, so
    flushes include it. Nothing changes in the database."""

    dependencies = [("search", "0002_posting_and_synonyms")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SearchPosting",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "term_id",
                                "neg_impact",
                                "doc_id",
                                blank=True,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("term_id", models.IntegerField()),
                        ("neg_impact", models.IntegerField()),
                        ("doc_id", models.BigIntegerField()),
                        ("f", models.IntegerField(default=0)),
                    ],
                    options={
                        "verbose_name": "倒排记录",
                        "verbose_name_plural": "倒排记录",
                        "db_table": "search_posting",
                    },
                ),
            ],
            database_operations=[],
        )
    ]

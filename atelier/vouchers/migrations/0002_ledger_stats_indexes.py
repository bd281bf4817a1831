"""Indexes for the voucher statistics (atelier.vouchers.stats; figures in docs/benchmarks.md).

- ledger_stats_enterprise covers the per-enterprise sums of the district and industry groupings
  (and the totals): one pass over the index in enterprise order, no table reads.
- ledger_stats_kind covers the redemptions (SPEND entries: participating enterprises) and the
  uses started (RESERVE entries: projects and providers) of a year.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0001_initial")]
    # 0003_risk (written at the same time) depends on 0001 only; keep one leaf.
    run_before = [("vouchers", "0003_risk")]

    operations = [
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                fields=[
                    "enterprise",
                    "year",
                    "provider",
                    "kind",
                    "d_granted",
                    "d_reserved",
                    "d_spent",
                    "d_paid",
                ],
                name="ledger_stats_enterprise",
            ),  # fmt: skip
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                fields=["kind", "year", "enterprise", "provider"], name="ledger_stats_kind"
            ),
        ),
    ]

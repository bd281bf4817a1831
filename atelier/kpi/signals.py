"""Cache invalidation for the cockpit's aggregates.

Every save or delete of a model whose data the cockpit shows bumps the global cockpit version
(`cockpit.invalidate()`), so the next request recomputes. The cached figures also expire after
`cockpit.CACHE_TTL` as a safety net.

Not covered by signals: `bulk_create`, `QuerySet.update()` / `delete()` and raw SQL (bulk
imports, the demo loader, benchmarks). Code that writes that way must call
`atelier.kpi.cockpit.invalidate()` itself. Actions also write an `AuditEntry` row, which is
watched too, so a write made through an action invalidates even when its own rows are updated
with `update()` (e.g. the compare-and-set state transitions).
"""

from django.db.models.signals import post_delete, post_save

# (app label, model name) of what the cockpit reads.
WATCHED = [
    ("vouchers", "LedgerEntry"),
    ("vouchers", "Application"),
    ("vouchers", "VoucherUse"),
    ("demands", "Demand"),
    ("demands", "Docking"),
    ("orders", "Booking"),
    ("orders", "Usage"),
    ("orders", "ServiceOrder"),
    ("orgs", "Organization"),
    ("catalog", "Resource"),
    ("core", "AuditEntry"),
    ("kpi", "Plan"),
    ("kpi", "PlanIndicator"),
    ("kpi", "ReportedValue"),
    ("kpi", "Assessment"),
]
DISPATCH_PREFIX = "kpi.cockpit.invalidate"


def _invalidate(sender, **kwargs):
    from .cockpit import invalidate

    invalidate()


def connect() -> None:
    """Connect the handlers (idempotent: dispatch uids). Models are looked up here, lazily, so
    that importing this module does not import other apps' models; KpiConfig.ready() imports
    this module once the models are loaded, which connects them."""
    from django.apps import apps

    for app_label, name in WATCHED:
        try:
            model = apps.get_model(app_label, name)
        except LookupError:  # a KPI model renamed or not there yet
            continue
        uid = f"{DISPATCH_PREFIX}.{app_label}.{name}"
        post_save.connect(_invalidate, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(_invalidate, sender=model, dispatch_uid=uid + ".delete")


def _connect_when_ready() -> None:
    from django.apps import apps

    if apps.models_ready:
        connect()


_connect_when_ready()

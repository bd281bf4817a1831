"""The audit trail: every write made through an action records one AuditEntry."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry

# Human labels of audit verbs ("organization.verify" → "认证通过"), filled by each app's
# AppConfig.ready() and by every Workflow; shown by the |verb_label template filter.
VERB_LABELS: dict[str, str] = {}


def register_verbs(labels: dict[str, str]) -> None:
    VERB_LABELS.update(labels)


def verb_label(verb: str) -> str:
    return VERB_LABELS.get(verb, verb)


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The current values of `fields`, JSON-friendly (FKs as their pk, M2M as sorted pk lists)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            data[name] = sorted(str(pk) for pk in getattr(obj, name).values_list("pk", flat=True))
        elif field.is_relation:
            data[name] = getattr(obj, field.attname)
        else:
            value = getattr(obj, name)
            data[name] = value.name if hasattr(value, "name") and hasattr(value, "url") else value
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose values differ."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def actor_label(actor) -> str:
    if actor is None:
        return "系统"
    return getattr(actor, "display_name", "") or str(actor)


def record(
    *,
    actor,
    verb: str,
    obj: models.Model | None = None,
    changes: dict | None = None,
    note: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """Append one audit row. Call it inside the action's transaction."""
    entry = AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label(actor),
        verb=verb,
        changes=changes or {},
        note=note,
        ip=ip,
    )
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:200]
    entry.save()
    return entry

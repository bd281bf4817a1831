"""Workflows: small explicit transition tables shared by every app.

A workflow is a list of `Transition(event, sources, target)`. `Workflow.apply()` moves one object
with a compare-and-set UPDATE (atomic on SQLite and PostgreSQL alike, where `select_for_update`
would do nothing on SQLite), then writes a StatusChange row (actor, time, from, to, reason) and an
audit row. Call it inside the action's `transaction.atomic()`; permission checks stay in the action.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _

from . import audit
from .errors import ActionError, ConcurrentChange, InvalidTransition
from .models import StatusChange


@dataclass(frozen=True)
class Transition:
    event: str
    sources: tuple[str, ...]
    target: str
    label: str  # usually a gettext_lazy string
    requires_reason: bool = False


class Workflow:
    def __init__(self, model: type[models.Model], transitions: list[Transition], field="status"):
        self.model = model
        self.field = field
        self.transitions = transitions
        self._by_key = {(s, t.event): t for t in transitions for s in t.sources}
        audit.register_verbs({f"{model._meta.model_name}.{t.event}": t.label for t in transitions})

    def state_label(self, state: str) -> str:
        choices = dict(self.model._meta.get_field(self.field).flatchoices)
        return str(choices.get(state, state))

    def find(self, state: str, event: str) -> Transition | None:
        return self._by_key.get((state, event))

    def available(self, obj: models.Model) -> list[Transition]:
        state = getattr(obj, self.field)
        return [t for t in self.transitions if state in t.sources]

    def table(self) -> list[tuple[str, str, str]]:
        """(from, event label, to) rows, for documentation and the admin."""
        return [
            (self.state_label(s), t.label, self.state_label(t.target))
            for t in self.transitions
            for s in t.sources
        ]

    def apply(
        self,
        obj: models.Model,
        event: str,
        *,
        actor,
        reason: str = "",
        updates: dict | None = None,
    ) -> StatusChange:
        current = getattr(obj, self.field)
        transition = self.find(current, event)
        if transition is None:
            label = {t.event: t.label for t in self.transitions}.get(event, event)
            state = self.state_label(current)
            raise InvalidTransition(
                _("当前状态为「%(state)s」，不能执行「%(action)s」。")
                % {"state": state, "action": label}
            )
        reason = (reason or "").strip()
        if transition.requires_reason and not reason:
            raise ActionError(
                _("「%(action)s」必须填写原因。") % {"action": transition.label},
                code="reason_required",
            )
        values = {self.field: transition.target, **(updates or {})}
        changed = (
            type(obj)._default_manager.filter(pk=obj.pk, **{self.field: current}).update(**values)
        )
        if not changed:
            raise ConcurrentChange(_("该记录刚被其他人处理过，请刷新页面后重试。"))
        for name, value in values.items():
            setattr(obj, name, value)
        change = StatusChange.objects.create(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
            field=self.field,
            event=event,
            from_state=current,
            to_state=transition.target,
            actor=actor if getattr(actor, "pk", None) else None,
            reason=reason,
        )
        audit.record(
            actor=actor,
            verb=f"{obj._meta.model_name}.{event}",
            obj=obj,
            changes={self.field: [current, transition.target]},
            note=reason,
        )
        return change


def history(obj: models.Model):
    """The StatusChange rows of one object, oldest first."""
    return StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
    ).select_related("actor")

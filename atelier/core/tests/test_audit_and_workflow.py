import pytest

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.core import audit
from atelier.core.errors import ActionError, ConcurrentChange, InvalidTransition
from atelier.core.models import AppendOnlyError, AuditEntry, StatusChange
from atelier.core.workflow import history
from atelier.orgs.actions import VERIFICATION
from atelier.orgs.models import Organization, OrgStatus
from atelier.orgs.tests.factories import make_org

pytestmark = pytest.mark.django_db


class TestAuditLog:
    def test_it_records_actor_verb_object_and_changes(self):
        user = make_user()
        entry = audit.record(actor=user, verb="thing.do", obj=user, changes={"a": [1, 2]})
        entry.refresh_from_db()
        assert entry.actor == user
        assert entry.actor_label == user.display_name
        assert entry.object_id == str(user.pk)
        assert entry.changes == {"a": [1, 2]}

    def test_it_cannot_be_edited_or_deleted(self):
        entry = audit.record(actor=None, verb="system.tick")
        entry.note = "tampered"
        with pytest.raises(AppendOnlyError):
            entry.save()
        with pytest.raises(AppendOnlyError):
            entry.delete()
        with pytest.raises(AppendOnlyError):
            AuditEntry.objects.filter(pk=entry.pk).update(note="tampered")
        with pytest.raises(AppendOnlyError):
            AuditEntry.objects.all().delete()
        assert AuditEntry.objects.get(pk=entry.pk).note == ""

    def test_status_history_is_append_only_too(self):
        org = make_org()
        operator = make_user(Role.OPERATOR)
        change = VERIFICATION.apply(org, "verify", actor=operator)
        with pytest.raises(AppendOnlyError):
            change.delete()
        with pytest.raises(AppendOnlyError):
            StatusChange.objects.filter(pk=change.pk).update(to_state="rejected")

    def test_verbs_have_human_labels(self):
        assert audit.verb_label("organization.verify") == "认证通过"  # from the workflow table
        assert audit.verb_label("organization.register") == "登记机构"  # from OrgsConfig.ready
        assert audit.verb_label("made.up") == "made.up"

    def test_diff_lists_only_changed_fields(self):
        assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3}) == {"b": [2, 3]}


class TestWorkflow:
    def test_a_transition_writes_history_and_audit(self):
        org = make_org()
        operator = make_user(Role.OPERATOR)
        VERIFICATION.apply(org, "reject", actor=operator, reason="执照模糊")
        org.refresh_from_db()
        assert org.status == OrgStatus.REJECTED
        (row,) = history(org)
        assert (row.from_state, row.to_state, row.actor, row.reason) == (
            "pending",
            "rejected",
            operator,
            "执照模糊",
        )
        assert AuditEntry.objects.for_object(org).filter(verb="organization.reject").exists()

    def test_it_refuses_a_move_not_in_the_table_and_changes_nothing(self):
        org = make_org()
        operator = make_user(Role.OPERATOR)
        with pytest.raises(InvalidTransition, match="待审核"):
            VERIFICATION.apply(org, "reinstate", actor=operator)
        assert Organization.objects.get(pk=org.pk).status == OrgStatus.PENDING
        assert not history(org).exists()

    def test_a_required_reason_must_be_given(self):
        org = make_org()
        with pytest.raises(ActionError) as exc:
            VERIFICATION.apply(org, "reject", actor=make_user(Role.OPERATOR), reason="  ")
        assert exc.value.code == "reason_required"
        assert Organization.objects.get(pk=org.pk).status == OrgStatus.PENDING

    def test_compare_and_set_detects_a_concurrent_change(self):
        org = make_org()
        stale = Organization.objects.get(pk=org.pk)
        operator = make_user(Role.OPERATOR)
        VERIFICATION.apply(org, "verify", actor=operator)
        # `stale` still believes the organisation is pending; its reject must not win.
        with pytest.raises(ConcurrentChange):
            VERIFICATION.apply(stale, "reject", actor=operator, reason="晚到的驳回")
        assert Organization.objects.get(pk=org.pk).status == OrgStatus.VERIFIED
        assert history(org).count() == 1

    def test_table_is_readable(self):
        rows = VERIFICATION.table()
        assert ("待审核", "认证通过", "已认证") in rows

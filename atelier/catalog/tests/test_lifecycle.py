"""The resource lifecycle (draft → submitted → published / rejected → archived → draft) through the
actions: who may move a listing, what an invalid move says, and the history every move leaves."""

import pytest
from django.core.exceptions import ValidationError

from atelier.accounts.tests.factories import make_user
from atelier.catalog import actions
from atelier.catalog.models import AchievementDetail, Resource, ResourceKind, ResourceStatus
from atelier.core.errors import ActionError, Conflict, InvalidTransition, NotAllowed
from atelier.core.models import AuditEntry, StatusChange
from atelier.core.workflow import history
from atelier.orgs import actions as org_actions
from atelier.orgs.models import OrgKind
from atelier.orgs.tests.factories import make_org

from .factories import make_provider, make_resource

pytestmark = pytest.mark.django_db
S = ResourceStatus


def draft(provider, **fields):
    return make_resource(provider=provider, published=False, **fields)


def fresh(resource):
    return Resource.objects.select_related("provider").get(pk=resource.pk)


class TestHappyPath:
    def test_it_walks_the_whole_lifecycle_and_records_each_move(
        self, provider, admin, member, operator
    ):
        r = draft(provider, actor=member)
        assert r.status == S.DRAFT and r.published_at is None

        r = actions.resource_submit(actor=member, resource=r)
        r = actions.resource_reject(actor=operator, resource=r, reason="价格单位缺失")
        r = actions.resource_submit(actor=member, resource=r)
        r = actions.resource_publish(actor=operator, resource=r, note="资料齐全")
        assert r.status == S.PUBLISHED and r.published_at is not None
        r = actions.resource_archive(actor=admin, resource=r, reason="服务暂停")
        r = actions.resource_restore(actor=admin, resource=r)
        assert fresh(r).status == S.DRAFT

        rows = list(history(r))
        assert [(h.event, h.from_state, h.to_state) for h in rows] == [
            ("submit", S.DRAFT, S.SUBMITTED),
            ("reject", S.SUBMITTED, S.REJECTED),
            ("submit", S.REJECTED, S.SUBMITTED),
            ("publish", S.SUBMITTED, S.PUBLISHED),
            ("archive", S.PUBLISHED, S.ARCHIVED),
            ("restore", S.ARCHIVED, S.DRAFT),
        ]
        assert rows[1].reason == "价格单位缺失" and rows[1].actor == operator
        assert rows[3].reason == "资料齐全"
        assert rows[0].actor == member
        verbs = set(AuditEntry.objects.filter(object_id=str(r.pk)).values_list("verb", flat=True))
        assert {"resource.create", "resource.submit", "resource.publish"} <= verbs

    def test_publish_and_reject_notify_the_providers_members(
        self, provider, admin, member, operator, django_capture_on_commit_callbacks
    ):
        r = draft(provider)
        actions.resource_submit(actor=member, resource=r)
        with django_capture_on_commit_callbacks(execute=True):
            actions.resource_reject(actor=operator, resource=fresh(r), reason="请补充检测标准")
        assert admin.notifications.filter(title__contains="未通过审核").count() == 1
        note = member.notifications.get()
        assert note.body == "请补充检测标准" and note.url == r.get_absolute_url()


# Every (state, event) pair that the table does not allow, tried by an operator (allowed to do
# everything), so only the workflow can refuse.
INVALID = [
    (S.DRAFT, "publish"),
    (S.DRAFT, "reject"),
    (S.DRAFT, "restore"),
    (S.SUBMITTED, "submit"),
    (S.SUBMITTED, "archive"),
    (S.SUBMITTED, "restore"),
    (S.PUBLISHED, "submit"),
    (S.PUBLISHED, "publish"),
    (S.PUBLISHED, "restore"),
    (S.ARCHIVED, "publish"),
    (S.ARCHIVED, "archive"),
    (S.ARCHIVED, "submit"),
    (S.REJECTED, "publish"),
    (S.REJECTED, "restore"),
]
CALLS = {
    "submit": lambda a, r: actions.resource_submit(actor=a, resource=r),
    "publish": lambda a, r: actions.resource_publish(actor=a, resource=r),
    "reject": lambda a, r: actions.resource_reject(actor=a, resource=r, reason="理由"),
    "archive": lambda a, r: actions.resource_archive(actor=a, resource=r),
    "restore": lambda a, r: actions.resource_restore(actor=a, resource=r),
}
LABELS = {"草稿", "待审核", "已发布", "已驳回", "已下架"}


def bring_to(state, provider, operator):
    r = draft(provider)
    if state in (S.SUBMITTED, S.PUBLISHED, S.REJECTED):
        r = actions.resource_submit(actor=operator, resource=r)
    if state == S.PUBLISHED:
        r = actions.resource_publish(actor=operator, resource=r)
    if state == S.REJECTED:
        r = actions.resource_reject(actor=operator, resource=r, reason="x")
    if state == S.ARCHIVED:
        r = actions.resource_archive(actor=operator, resource=r)
    return fresh(r)


@pytest.mark.parametrize(("state", "event"), INVALID)
def test_invalid_transitions_say_why_in_chinese_and_change_nothing(
    provider, operator, state, event
):
    r = bring_to(state, provider, operator)
    moves = StatusChange.objects.count()
    with pytest.raises(InvalidTransition) as exc:
        CALLS[event](operator, r)
    assert exc.value.message.startswith("当前状态为「")
    assert "不能执行「" in exc.value.message
    assert any(label in exc.value.message for label in LABELS)
    assert exc.value.code == "invalid_transition"
    assert fresh(r).status == state
    assert StatusChange.objects.count() == moves


def test_a_stale_copy_loses_the_race_and_changes_nothing(provider, operator):
    r = bring_to(S.SUBMITTED, provider, operator)
    copy = fresh(r)
    actions.resource_publish(actor=operator, resource=r)
    with pytest.raises(Conflict) as exc:
        actions.resource_reject(actor=operator, resource=copy, reason="重复处理")
    assert exc.value.code == "concurrent_change"
    assert fresh(r).status == S.PUBLISHED


class TestReject:
    @pytest.mark.parametrize("reason", ["", "   "])
    def test_it_needs_a_reason(self, provider, operator, reason):
        r = bring_to(S.SUBMITTED, provider, operator)
        with pytest.raises(ActionError) as exc:
            actions.resource_reject(actor=operator, resource=r, reason=reason)
        assert exc.value.code == "reason_required"
        assert exc.value.message == "「驳回」必须填写原因。"
        assert fresh(r).status == S.SUBMITTED
        assert not StatusChange.objects.filter(to_state=S.REJECTED).exists()


class TestWhoMayMove:
    def test_members_cannot_publish_or_reject_their_own(self, provider, member, admin):
        r = actions.resource_submit(actor=member, resource=draft(provider))
        for actor in (member, admin):
            with pytest.raises(NotAllowed, match="只有运营方可以审核资源"):
                actions.resource_publish(actor=actor, resource=fresh(r))
            with pytest.raises(NotAllowed):
                actions.resource_reject(actor=actor, resource=fresh(r), reason="自己驳回")
        assert fresh(r).status == S.SUBMITTED

    def test_only_the_admin_or_an_operator_archives(self, provider, member, admin, operator):
        r = make_resource(provider=provider)
        with pytest.raises(NotAllowed, match="管理员或运营方"):
            actions.resource_archive(actor=member, resource=r)
        assert fresh(r).status == S.PUBLISHED
        actions.resource_archive(actor=admin, resource=fresh(r))
        assert fresh(r).status == S.ARCHIVED
        actions.resource_restore(actor=operator, resource=fresh(r))
        assert fresh(r).status == S.DRAFT

    def test_outsiders_cannot_submit_or_edit(self, provider):
        r = draft(provider)
        outsider = make_user()
        make_provider(admin=outsider)
        with pytest.raises(NotAllowed, match="只有发布机构的成员"):
            actions.resource_submit(actor=outsider, resource=r)
        with pytest.raises(NotAllowed):
            actions.resource_update(actor=outsider, resource=r, title="篡改")
        assert fresh(r).status == S.DRAFT and fresh(r).title != "篡改"


class TestUnverifiedOrganisation:
    def test_a_pending_organisation_cannot_create_listings(self):
        pending = make_org(kind=OrgKind.PROVIDER)
        admin = pending.memberships.get().user
        with pytest.raises(NotAllowed) as exc:
            make_resource(provider=pending, published=False, actor=admin)
        assert exc.value.message == "机构通过实名认证后才能发布资源。"
        assert not Resource.objects.filter(provider=pending).exists()

    def test_a_suspended_organisations_listing_is_neither_submitted_nor_published(
        self, provider, admin, operator
    ):
        waiting = actions.resource_submit(actor=admin, resource=draft(provider))
        other = draft(provider)
        org_actions.organization_suspend(actor=operator, organization=provider, reason="核查")
        with pytest.raises(Conflict) as exc:
            actions.resource_publish(actor=operator, resource=fresh(waiting))
        assert exc.value.code == "provider_not_verified"
        with pytest.raises(Conflict):
            actions.resource_submit(actor=admin, resource=fresh(other))
        assert fresh(waiting).status == S.SUBMITTED and fresh(other).status == S.DRAFT


class TestAchievementValidation:
    def test_a_valid_patent_number_is_accepted(self, provider):
        r = make_resource(
            provider=provider,
            kind=ResourceKind.ACHIEVEMENT,
            detail={"patents": "201710601862.3", "trl": 6},
        )
        assert r.detail.patents == "201710601862.3" and r.detail.trl == 6

    def test_a_wrong_check_digit_is_refused_and_nothing_is_created(self, provider):
        before = Resource.objects.count()
        with pytest.raises(ValidationError) as exc:
            make_resource(
                provider=provider,
                kind=ResourceKind.ACHIEVEMENT,
                detail={"patents": "201710601862.3; 201710601862.4"},
            )
        assert "detail.patents" in exc.value.message_dict
        assert "校验位不正确" in " ".join(exc.value.message_dict["detail.patents"])
        assert Resource.objects.count() == before
        assert not AchievementDetail.objects.exists()

    @pytest.mark.parametrize("trl", [0, 10, 42])
    def test_a_trl_outside_1_to_9_is_refused(self, provider, trl):
        before = Resource.objects.count()
        with pytest.raises(ValidationError) as exc:
            make_resource(provider=provider, kind=ResourceKind.ACHIEVEMENT, detail={"trl": trl})
        assert "detail.trl" in exc.value.message_dict
        assert Resource.objects.count() == before

    def test_an_update_with_a_bad_trl_changes_nothing(self, provider, admin):
        r = make_resource(provider=provider, kind=ResourceKind.ACHIEVEMENT, detail={"trl": 4})
        with pytest.raises(ValidationError):
            actions.resource_update(
                actor=admin, resource=fresh(r), title="新名称", detail={"trl": 10}
            )
        r = fresh(r)
        assert r.title != "新名称" and r.detail.trl == 4


def test_markup_in_the_description_is_stored_as_typed(provider):
    text = '<script>alert("x")</script>\n<b>加粗</b>'
    r = make_resource(provider=provider, description=text)
    assert fresh(r).description == text


def test_confirm_resets_the_stale_clock_and_is_audited(provider, member):
    r = make_resource(provider=provider)
    Resource.objects.filter(pk=r.pk).update(
        last_verified_at=r.last_verified_at.replace(year=r.last_verified_at.year - 2)
    )
    assert fresh(r).is_stale
    actions.resource_confirm(actor=member, resource=fresh(r))
    assert not fresh(r).is_stale
    assert AuditEntry.objects.filter(verb="resource.confirm", object_id=str(r.pk)).exists()

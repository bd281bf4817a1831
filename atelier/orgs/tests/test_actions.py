import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.core.errors import Conflict, NotAllowed
from atelier.core.models import AuditEntry, District, Notification
from atelier.core.workflow import history
from atelier.orgs import actions
from atelier.orgs.models import Invitation, Membership, Organization, OrgStatus

from .factories import licence_file, make_credit_code, make_org, pdf_bytes

pytestmark = pytest.mark.django_db(transaction=False)


def register(actor, **overrides):
    fields = dict(
        actor=actor,
        kind="enterprise",
        name="温州市鹿城区示例鞋业有限公司",
        credit_code=make_credit_code("330302"),
        district=District.objects.get(pk="330302"),
        licence=licence_file(),
    )
    fields.update(overrides)
    return actions.organization_register(**fields)


class TestRegister:
    def test_it_creates_a_pending_org_with_its_first_admin(
        self, django_capture_on_commit_callbacks
    ):
        user = make_user()
        operator = make_user(Role.OPERATOR)
        reviewer_here = make_user(Role.REVIEWER, district="330302")
        reviewer_elsewhere = make_user(Role.REVIEWER, district="330304")
        with django_capture_on_commit_callbacks(execute=True):
            org = register(user, credit_code=make_credit_code("330302").lower())
        assert org.status == OrgStatus.PENDING
        assert org.credit_code == org.credit_code.upper()
        assert Membership.objects.get(organization=org).user == user
        assert Membership.objects.get(organization=org).is_admin
        assert org.licence.name.startswith("licences/") and org.licence.name.endswith(".pdf")
        assert AuditEntry.objects.for_object(org).get().verb == "organization.register"
        notified = set(Notification.objects.values_list("user", flat=True))
        assert notified == {operator.pk, reviewer_here.pk}
        assert reviewer_elsewhere.pk not in notified

    def test_a_png_licence_is_accepted_whatever_its_name(self):
        org = register(make_user(), licence=licence_file("png", name="执照.pdf"))
        assert org.licence.name.endswith(".png")

    @pytest.mark.parametrize(
        "overrides, field",
        [
            ({"credit_code": "91330302MA2J000088"}, "credit_code"),
            ({"credit_code": "123"}, "credit_code"),
            ({"name": "  "}, "name"),
            ({"contact_mobile": "1234567"}, "contact_mobile"),
            ({"licence": None}, "licence"),
        ],
    )
    def test_bad_input_changes_nothing(self, overrides, field):
        user = make_user()
        with pytest.raises(ValidationError) as exc:
            register(user, **overrides)
        assert field in exc.value.message_dict
        assert Organization.objects.count() == 0
        assert Membership.objects.count() == 0
        assert AuditEntry.objects.count() == 0

    def test_duplicate_credit_code_is_refused(self):
        code = make_credit_code("330302")
        register(make_user(), credit_code=code)
        with pytest.raises(ValidationError) as exc:
            register(make_user(), credit_code=code, name="另一家公司")
        assert exc.value.message_dict["credit_code"] == ["该统一社会信用代码已被注册。"]
        assert Organization.objects.count() == 1

    @pytest.mark.parametrize(
        "data, name, message",
        [
            (b"MZ\x90\x00 not a pdf at all", "licence.pdf", "不是有效的"),
            (b"%PDF-1.4\n garbage without objects", "licence.pdf", "已损坏"),
            (b"\x89PNG\r\n\x1a\n truncated", "licence.png", "已损坏"),
            (b"", "licence.pdf", "为空"),
        ],
    )
    def test_a_fake_licence_is_refused_by_content(self, data, name, message):
        with pytest.raises(ValidationError) as exc:
            register(make_user(), licence=SimpleUploadedFile(name, data))
        assert message in exc.value.message_dict["licence"][0]
        assert Organization.objects.count() == 0

    def test_a_licence_over_10_mb_is_refused(self):
        big = SimpleUploadedFile("big.pdf", pdf_bytes() + b"\0" * (10 * 1024 * 1024))
        with pytest.raises(ValidationError) as exc:
            register(make_user(), licence=big)
        assert "上限为 10 MB" in exc.value.message_dict["licence"][0]
        assert Organization.objects.count() == 0


class TestVerification:
    def test_operator_verifies_any_district(self, django_capture_on_commit_callbacks):
        org = make_org(district="330381")
        with django_capture_on_commit_callbacks(execute=True):
            actions.organization_verify(actor=make_user(Role.OPERATOR), organization=org)
        org.refresh_from_db()
        assert org.status == OrgStatus.VERIFIED and org.verified_at
        admin = org.memberships.get().user
        assert admin.notifications.filter(title__contains="已通过实名认证").exists()

    def test_reviewer_verifies_own_district_only(self):
        org = make_org(district="330304")
        with pytest.raises(NotAllowed, match="只能审核本区县"):
            actions.organization_verify(
                actor=make_user(Role.REVIEWER, district="330302"), organization=org
            )
        assert Organization.objects.get(pk=org.pk).status == OrgStatus.PENDING
        assert not history(org).exists()
        actions.organization_verify(
            actor=make_user(Role.REVIEWER, district="330304"), organization=org
        )
        assert Organization.objects.get(pk=org.pk).status == OrgStatus.VERIFIED

    @pytest.mark.parametrize("role", [Role.MEMBER, Role.EXPERT, Role.FINANCE, Role.AUDITOR])
    def test_other_roles_cannot_verify(self, role):
        org = make_org()
        with pytest.raises(NotAllowed):
            actions.organization_verify(actor=make_user(role), organization=org)

    def test_org_admin_cannot_verify_own_org(self):
        org = make_org()
        with pytest.raises(NotAllowed):
            actions.organization_verify(actor=org.memberships.get().user, organization=org)

    def test_reject_then_resubmit_with_a_new_licence(self):
        org = make_org()
        admin = org.memberships.get().user
        operator = make_user(Role.OPERATOR)
        actions.organization_reject(actor=operator, organization=org, reason="执照不清晰")
        old_licence = org.licence.name
        actions.organization_resubmit(
            actor=admin, organization=org, licence=licence_file("png"), note="已换清晰版"
        )
        org.refresh_from_db()
        assert org.status == OrgStatus.PENDING
        assert org.licence.name != old_licence
        steps = [(h.from_state, h.to_state, h.reason) for h in history(org)]
        assert steps == [
            ("pending", "rejected", "执照不清晰"),
            ("rejected", "pending", "已换清晰版"),
        ]

    def test_verifying_twice_is_a_conflict(self):
        org = make_org()
        operator = make_user(Role.OPERATOR)
        actions.organization_verify(actor=operator, organization=org)
        with pytest.raises(Conflict):
            actions.organization_verify(actor=operator, organization=org)
        assert history(org).count() == 1


class TestUpdate:
    def test_admin_updates_profile_with_audit_diff(self):
        org = make_org()
        admin = org.memberships.get().user
        actions.organization_update(actor=admin, organization=org, address="双屿街道鞋都大道1号")
        entry = AuditEntry.objects.for_object(org).get(verb="organization.update")
        assert entry.changes == {"address": ["", "双屿街道鞋都大道1号"]}

    def test_identity_fields_are_locked(self):
        org = make_org()
        admin = org.memberships.get().user
        with pytest.raises(Exception, match="重新认证"):
            actions.organization_update(actor=admin, organization=org, name="改名")

    def test_member_cannot_update(self):
        org = make_org()
        member = make_user()
        Membership.objects.create(user=member, organization=org)
        with pytest.raises(NotAllowed):
            actions.organization_update(actor=member, organization=org, address="x")


class TestInvitations:
    def test_invite_accept_makes_a_member(self):
        org = make_org()
        admin = org.memberships.get().user
        invitee = make_user(mobile="13912345678")
        inv = actions.invitation_create(actor=admin, organization=org, contact="+86 139 1234 5678")
        assert inv.contact == "13912345678"
        assert list(actions.invitations_for(invitee)) == [inv]
        membership = actions.invitation_accept(actor=invitee, invitation=inv)
        assert membership.role == Membership.Role.MEMBER
        inv.refresh_from_db()
        assert inv.status == "accepted" and inv.accepted_by == invitee

    def test_inviting_twice_is_refused(self):
        org = make_org()
        admin = org.memberships.get().user
        actions.invitation_create(actor=admin, organization=org, contact="a@b.cn")
        with pytest.raises(Conflict) as exc:
            actions.invitation_create(actor=admin, organization=org, contact="A@B.cn")
        assert exc.value.code == "already_invited"
        assert Invitation.objects.count() == 1

    def test_inviting_an_existing_member_is_refused(self):
        org = make_org()
        admin = org.memberships.get().user
        with pytest.raises(Conflict) as exc:
            actions.invitation_create(actor=admin, organization=org, contact=admin.mobile)
        assert exc.value.code == "already_member"

    def test_bad_contact(self):
        org = make_org()
        admin = org.memberships.get().user
        with pytest.raises(ValidationError):
            actions.invitation_create(actor=admin, organization=org, contact="12345")

    def test_only_admins_invite(self):
        org = make_org()
        member = make_user()
        Membership.objects.create(user=member, organization=org)
        with pytest.raises(NotAllowed):
            actions.invitation_create(actor=member, organization=org, contact="x@y.cn")

    def test_someone_else_cannot_accept(self):
        org = make_org()
        admin = org.memberships.get().user
        inv = actions.invitation_create(actor=admin, organization=org, contact="13912340000")
        with pytest.raises(NotAllowed):
            actions.invitation_accept(actor=make_user(), invitation=inv)
        assert not Membership.objects.filter(organization=org).exclude(user=admin).exists()

    def test_last_admin_cannot_be_removed(self):
        org = make_org()
        admin_membership = org.memberships.get()
        with pytest.raises(Conflict):
            actions.membership_remove(actor=admin_membership.user, membership=admin_membership)


class TestCreateUnregistered:
    def test_it_creates_a_pending_provider_without_code_or_members(self):
        org = actions.organization_create_unregistered(
            actor=None, name=" 温州某检测中心 ", district=District.objects.get(pk="330302")
        )
        org.refresh_from_db()
        assert org.name == "温州某检测中心" and org.kind == "provider"
        assert org.status == OrgStatus.PENDING and org.credit_code is None
        assert not org.memberships.exists()
        entry = AuditEntry.objects.for_object(org).get()
        assert entry.verb == "organization.create_unregistered" and entry.actor is None

    def test_several_may_lack_a_code(self):
        district = District.objects.get(pk="000000")
        for name in ("甲研究院", "乙研究院"):
            actions.organization_create_unregistered(actor=None, name=name, district=district)
        assert Organization.objects.filter(credit_code__isnull=True).count() == 2

    def test_registration_still_requires_a_code(self):
        with pytest.raises(ValidationError) as exc:
            register(make_user(), credit_code="")
        assert "credit_code" in exc.value.message_dict

"""Every write on organisations, memberships and invitations.

One use case = one keyword-only function = one transaction with its audit row; notifications go
out on commit.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atelier.accounts.models import Role, User
from atelier.core import audit
from atelier.core.errors import ActionError, Conflict, NotAllowed
from atelier.core.models import Notification
from atelier.core.uploads import validate_document
from atelier.core.validators import is_mobile, normalize_credit_code, normalize_mobile
from atelier.core.workflow import Transition, Workflow

from . import permissions
from .models import (
    Invitation,
    InvitationStatus,
    Membership,
    Organization,
    OrgKind,
    OrgStatus,
)

VERIFICATION = Workflow(
    Organization,
    [
        Transition("verify", (OrgStatus.PENDING,), OrgStatus.VERIFIED, gettext_lazy("认证通过")),
        Transition(
            "reject",
            (OrgStatus.PENDING,),
            OrgStatus.REJECTED,
            gettext_lazy("驳回"),
            requires_reason=True,
        ),
        Transition("resubmit", (OrgStatus.REJECTED,), OrgStatus.PENDING, gettext_lazy("重新提交")),
        Transition(
            "suspend",
            (OrgStatus.VERIFIED,),
            OrgStatus.SUSPENDED,
            gettext_lazy("暂停"),
            requires_reason=True,
        ),
        Transition("reinstate", (OrgStatus.SUSPENDED,), OrgStatus.VERIFIED, gettext_lazy("恢复")),
    ],
)

INVITATION = Workflow(
    Invitation,
    [
        Transition(
            "accept", (InvitationStatus.PENDING,), InvitationStatus.ACCEPTED, gettext_lazy("接受")
        ),
        Transition(
            "decline", (InvitationStatus.PENDING,), InvitationStatus.DECLINED, gettext_lazy("拒绝")
        ),
        Transition(
            "revoke", (InvitationStatus.PENDING,), InvitationStatus.REVOKED, gettext_lazy("撤回")
        ),
    ],
)

PROFILE_FIELDS = [
    "name_en",
    "address",
    "size_band",
    "founded_on",
    "description",
    "website",
    "contact_name",
    "contact_mobile",
    "contact_email",
]
# Fields fixed by the verification: changing them needs a new verification (resubmit).
IDENTITY_FIELDS = ["kind", "name", "credit_code", "district"]


def _notify(users, *, title: str, body: str = "", url: str = "") -> None:
    """Queue one notification per user, sent when the transaction commits.

    Notifications are stored as text and read by other people, whose language is not known (there
    is no per-user language yet): build `title` and `body` inside `platform_language()`.
    """
    users = list(users)

    def send():
        Notification.objects.bulk_create(
            [Notification(user=u, title=title, body=body, url=url) for u in users]
        )

    transaction.on_commit(send)


def platform_language():
    """Render text stored for other readers (notifications) in the platform's language."""
    return translation.override(settings.LANGUAGE_CODE)


def _reviewers_for(org: Organization):
    return User.objects.filter(is_active=True).filter(
        role__in=[Role.OPERATOR]
    ) | User.objects.filter(is_active=True, role=Role.REVIEWER, district_id=org.district_id)


def _admins_of(org: Organization):
    return User.objects.filter(
        memberships__organization=org, memberships__role=Membership.Role.ADMIN, is_active=True
    )


def _attach_licence(org: Organization, licence) -> None:
    try:
        kind = validate_document(licence)
    except ValidationError as exc:
        raise ValidationError({"licence": exc.error_list}) from exc
    org._licence_ext = kind
    org.licence.save(licence.name or f"licence.{kind}", licence, save=False)


@transaction.atomic
def organization_register(
    *,
    actor: User,
    kind: str,
    name: str,
    credit_code: str,
    district,
    industries=(),
    tags=(),
    licence=None,
    require_licence: bool = True,
    **profile,
) -> Organization:
    """Register an organisation for verification; `actor` becomes its first admin."""
    if not actor or not actor.is_authenticated:
        raise NotAllowed(_("请先登录后再注册机构。"))
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    org = Organization(
        kind=kind,
        name=(name or "").strip(),
        credit_code=normalize_credit_code(credit_code),
        district=district,
        created_by=actor,
        status=OrgStatus.PENDING,
        **profile,
    )
    if org.contact_mobile:
        org.contact_mobile = normalize_mobile(org.contact_mobile)
    org.full_clean(exclude=["licence"])
    if licence is not None:
        _attach_licence(org, licence)
    elif require_licence:
        raise ValidationError({"licence": _("请上传营业执照（PDF、JPG 或 PNG，不超过 10 MB）。")})
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as exc:  # a concurrent registration of the same code
        raise ValidationError({"credit_code": _("该统一社会信用代码已被注册。")}) from exc
    org.industries.set(industries)
    org.tags.set(tags)
    Membership.objects.create(user=actor, organization=org, role=Membership.Role.ADMIN)
    audit.record(
        actor=actor,
        verb="organization.register",
        obj=org,
        changes=audit.snapshot(org, ["kind", "name", "credit_code", "district", "industries"]),
    )
    with platform_language():
        _notify(
            _reviewers_for(org),
            title=_("新的机构认证申请：%(name)s") % {"name": org.name},
            body=f"{org.district} · {org.get_kind_display()}",
            url=org.get_absolute_url(),
        )
    return org


@transaction.atomic
def organization_create_unregistered(
    *, actor: User | None, name: str, district, kind: str = OrgKind.PROVIDER
) -> Organization:
    """An organisation named by a bulk resource import before it registered itself: pending,
    without credit code or licence, and without members. It completes its registration (and
    verification) when its staff claim it; until then its listings show it as unverified."""
    org = Organization(
        kind=kind, name=(name or "").strip(), district=district, status=OrgStatus.PENDING,
        created_by=actor if getattr(actor, "pk", None) else None,
    )  # fmt: skip
    org.full_clean(exclude=["credit_code", "licence"])
    org.save()
    audit.record(
        actor=actor,
        verb="organization.create_unregistered",
        obj=org,
        changes={"name": org.name, "district": org.district_id, "kind": org.kind},
        note=_("由资源批量导入创建，待机构补充统一社会信用代码和营业执照"),
    )
    return org


@transaction.atomic
def organization_update(
    *, actor: User, organization: Organization, industries=None, tags=None, **fields
) -> Organization:
    """An org admin edits the profile. Identity fields change only through resubmission."""
    if not (decision := permissions.can_edit_org(actor, organization)):
        raise NotAllowed(decision.reason)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown & set(IDENTITY_FIELDS):
        raise ActionError(
            _("机构名称、类型、信用代码和区县须重新认证后才能修改。"), code="identity_locked"
        )
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    tracked = PROFILE_FIELDS + ["industries", "tags"]
    before = audit.snapshot(organization, tracked)
    for name, value in fields.items():
        setattr(organization, name, value)
    if organization.contact_mobile:
        organization.contact_mobile = normalize_mobile(organization.contact_mobile)
    organization.full_clean(exclude=["licence"])
    organization.save()
    if industries is not None:
        organization.industries.set(industries)
    if tags is not None:
        organization.tags.set(tags)
    changes = audit.diff(before, audit.snapshot(organization, tracked))
    if changes:
        audit.record(actor=actor, verb="organization.update", obj=organization, changes=changes)
    return organization


@transaction.atomic
def organization_verify(*, actor: User, organization: Organization, note: str = "") -> Organization:
    if not (decision := permissions.can_verify_org(actor, organization)):
        raise NotAllowed(decision.reason)
    VERIFICATION.apply(
        organization, "verify", actor=actor, reason=note, updates={"verified_at": timezone.now()}
    )
    with platform_language():
        _notify(
            _admins_of(organization),
            title=_("%(name)s 已通过实名认证") % {"name": organization.name},
            url=organization.get_absolute_url(),
        )
    return organization


@transaction.atomic
def organization_reject(*, actor: User, organization: Organization, reason: str) -> Organization:
    if not (decision := permissions.can_verify_org(actor, organization)):
        raise NotAllowed(decision.reason)
    VERIFICATION.apply(organization, "reject", actor=actor, reason=reason)
    with platform_language():
        _notify(
            _admins_of(organization),
            title=_("%(name)s 的认证申请被驳回") % {"name": organization.name},
            body=reason,
            url=organization.get_absolute_url(),
        )
    return organization


@transaction.atomic
def organization_resubmit(
    *, actor: User, organization: Organization, licence=None, note: str = ""
) -> Organization:
    if not (decision := permissions.can_resubmit_org(actor, organization)):
        raise NotAllowed(decision.reason)
    updates = {}
    if licence is not None:
        _attach_licence(organization, licence)
        updates["licence"] = organization.licence.name
    VERIFICATION.apply(organization, "resubmit", actor=actor, reason=note, updates=updates)
    with platform_language():
        _notify(
            _reviewers_for(organization),
            title=_("机构重新提交认证：%(name)s") % {"name": organization.name},
            url=organization.get_absolute_url(),
        )
    return organization


@transaction.atomic
def organization_suspend(*, actor: User, organization: Organization, reason: str) -> Organization:
    if not (decision := permissions.can_verify_org(actor, organization)):
        raise NotAllowed(decision.reason)
    VERIFICATION.apply(organization, "suspend", actor=actor, reason=reason)
    return organization


@transaction.atomic
def organization_reinstate(
    *, actor: User, organization: Organization, note: str = ""
) -> Organization:
    if not (decision := permissions.can_verify_org(actor, organization)):
        raise NotAllowed(decision.reason)
    VERIFICATION.apply(organization, "reinstate", actor=actor, reason=note)
    return organization


def normalize_contact(contact: str) -> str:
    contact = (contact or "").strip()
    if is_mobile(contact):
        return normalize_mobile(contact)
    if "@" in contact:
        try:
            from django.core.validators import validate_email

            validate_email(contact)
        except ValidationError:
            pass
        else:
            return contact.lower()
    raise ValidationError(
        {"contact": _("请输入被邀请人的 11 位手机号或有效的电子邮箱。")}, code="contact_invalid"
    )


@transaction.atomic
def invitation_create(
    *, actor: User, organization: Organization, contact: str, role: str = Membership.Role.MEMBER
) -> Invitation:
    if not (decision := permissions.can_invite_member(actor, organization)):
        raise NotAllowed(decision.reason)
    contact = normalize_contact(contact)
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("机构角色无效。")})
    existing = User.objects.get_by_identifier(contact)
    if existing and organization.memberships.filter(user=existing).exists():
        raise Conflict(
            _("%(contact)s 已经是本机构成员。") % {"contact": contact}, code="already_member"
        )
    if organization.invitations.filter(contact=contact, status=InvitationStatus.PENDING).exists():
        raise Conflict(
            _("已经邀请过 %(contact)s，对方尚未处理。") % {"contact": contact},
            code="already_invited",
        )
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organization=organization, contact=contact, role=role, invited_by=actor
            )
    except IntegrityError as exc:
        raise Conflict(
            _("已经邀请过 %(contact)s，对方尚未处理。") % {"contact": contact},
            code="already_invited",
        ) from exc
    audit.record(
        actor=actor,
        verb="invitation.create",
        obj=invitation,
        changes={"contact": contact, "role": role, "organization": organization.pk},
    )
    if existing:
        with platform_language():
            _notify(
                [existing],
                title=_("%(name)s 邀请您加入") % {"name": organization.name},
                url="/workspace/",
            )
    return invitation


def invitations_for(user: User):
    """Open invitations addressed to the user's mobile number or e-mail."""
    contacts = [c for c in (user.mobile, (user.email or "").lower()) if c]
    return (
        Invitation.objects.filter(contact__in=contacts, status=InvitationStatus.PENDING)
        .filter(expires_at__gt=timezone.now())
        .select_related("organization", "invited_by")
    )


def _check_addressee(actor: User, invitation: Invitation) -> None:
    if not invitations_for(actor).filter(pk=invitation.pk).exists():
        if invitation.status == InvitationStatus.PENDING and invitation.is_expired:
            raise ActionError(
                _("该邀请已过期，请联系机构管理员重新邀请。"), code="invitation_expired"
            )
        raise NotAllowed(_("这份邀请不是发给您的，或已被处理。"))


@transaction.atomic
def invitation_accept(*, actor: User, invitation: Invitation) -> Membership:
    _check_addressee(actor, invitation)
    INVITATION.apply(invitation, "accept", actor=actor, updates={"accepted_by": actor})
    membership, created = Membership.objects.get_or_create(
        user=actor, organization=invitation.organization, defaults={"role": invitation.role}
    )
    if created:
        audit.record(
            actor=actor,
            verb="membership.create",
            obj=membership,
            changes={"organization": invitation.organization_id, "role": invitation.role},
        )
    with platform_language():
        _notify(
            _admins_of(invitation.organization),
            title=_("%(person)s 已加入 %(name)s")
            % {"person": actor.display_name, "name": invitation.organization.name},
            url=invitation.organization.get_absolute_url(),
        )
    return membership


@transaction.atomic
def invitation_decline(*, actor: User, invitation: Invitation) -> Invitation:
    _check_addressee(actor, invitation)
    INVITATION.apply(invitation, "decline", actor=actor)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    if not (decision := permissions.can_invite_member(actor, invitation.organization)):
        raise NotAllowed(decision.reason)
    INVITATION.apply(invitation, "revoke", actor=actor)
    return invitation


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    org = membership.organization
    if not (decision := permissions.can_invite_member(actor, org)):
        raise NotAllowed(decision.reason)
    if membership.is_admin and org.memberships.filter(role=Membership.Role.ADMIN).count() == 1:
        raise Conflict(_("机构至少需要保留一名管理员。"), code="last_admin")
    audit.record(
        actor=actor,
        verb="membership.delete",
        obj=membership,
        changes={"user": membership.user_id, "organization": org.pk, "role": membership.role},
    )
    membership.delete()

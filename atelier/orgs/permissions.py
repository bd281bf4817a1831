"""Who may do what with organisations. Each rule returns a Decision that is falsy with a reason."""

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from atelier.accounts.models import Role

from .models import Membership, Organization, OrgStatus


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def membership_of(user, organization: Organization) -> Membership | None:
    if not user or not user.is_authenticated:
        return None
    return organization.memberships.filter(user=user).first()


def is_org_admin(user, organization: Organization) -> bool:
    m = membership_of(user, organization)
    return bool(m and m.is_admin)


def can_view_private_org(user, organization: Organization) -> Decision:
    """Contacts, licence, members and history: members, district reviewer and read-all roles."""
    if not user or not user.is_authenticated:
        return Decision(False, _("请先登录。"))
    if user.reads_everything or membership_of(user, organization):
        return ALLOW
    if user.role == Role.REVIEWER and user.district_id == organization.district_id:
        return ALLOW
    return Decision(False, _("只有本机构成员和主管部门可以查看这些信息。"))


def can_edit_org(user, organization: Organization) -> Decision:
    if is_org_admin(user, organization):
        return ALLOW
    return Decision(False, _("只有本机构的管理员可以修改机构资料。"))


def can_verify_org(user, organization: Organization) -> Decision:
    if not user or not user.is_authenticated:
        return Decision(False, _("请先登录。"))
    if user.role == Role.OPERATOR or user.is_superuser:
        return ALLOW
    if user.role == Role.REVIEWER:
        if user.district_id == organization.district_id:
            return ALLOW
        return Decision(
            False,
            _("只能审核本区县（%(district)s）的机构。")
            % {"district": user.district or _("未设置")},
        )
    return Decision(False, _("只有运营方和主管部门审核员可以审核机构。"))


def can_resubmit_org(user, organization: Organization) -> Decision:
    if organization.status != OrgStatus.REJECTED:
        return Decision(False, _("只有被驳回的机构可以重新提交。"))
    return can_edit_org(user, organization)


def can_invite_member(user, organization: Organization) -> Decision:
    if not is_org_admin(user, organization):
        return Decision(False, _("只有本机构的管理员可以邀请成员。"))
    return ALLOW


def get_org_for_user(user, pk: int, *, write: bool = False) -> Organization:
    """The organisation with `pk` if `user` may see it (404 otherwise, so ids reveal nothing).
    With write=True the user must also be allowed to edit it (NotAllowed otherwise)."""
    from atelier.core.errors import NotAllowed

    try:
        org = Organization.objects.visible_to(user).get(pk=pk)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise Http404(_("机构不存在或无权查看。")) from None
    if write and not (decision := can_edit_org(user, org)):
        raise NotAllowed(decision.reason)
    return org

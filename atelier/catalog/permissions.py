from django.http import Http404

from atelier.accounts.models import Role
from atelier.orgs.models import OrgKind, OrgStatus
from atelier.orgs.permissions import ALLOW, Decision, is_org_admin, membership_of

from .models import Resource

# Organisation kinds that may publish resources (an enterprise may also offer services later).
PUBLISHER_KINDS = {
    OrgKind.PROVIDER,
    OrgKind.UNIVERSITY,
    OrgKind.ASSOCIATION,
    OrgKind.GOVERNMENT,
    OrgKind.INVESTOR,
    OrgKind.ENTERPRISE,
}


def is_moderator(user) -> bool:
    return bool(
        user and user.is_authenticated and (user.role == Role.OPERATOR or user.is_superuser)
    )


def can_publish_for(user, organization) -> Decision:
    """May `user` create listings for `organization`?"""
    if is_moderator(user):
        return ALLOW
    if not membership_of(user, organization):
        return Decision(False, "只能为本机构发布资源。")
    if organization.status != OrgStatus.VERIFIED:
        return Decision(False, "机构通过实名认证后才能发布资源。")
    if organization.kind not in PUBLISHER_KINDS:
        return Decision(False, "该类型机构不能发布资源。")
    return ALLOW


def can_edit_resource(user, resource: Resource) -> Decision:
    if is_moderator(user):
        return ALLOW
    if membership_of(user, resource.provider):
        return ALLOW
    return Decision(False, "只有发布机构的成员可以修改该资源。")


def can_moderate_resource(user, resource: Resource) -> Decision:
    if is_moderator(user):
        return ALLOW
    return Decision(False, "只有运营方可以审核资源。")


def can_archive_resource(user, resource: Resource) -> Decision:
    if is_moderator(user) or is_org_admin(user, resource.provider):
        return ALLOW
    return Decision(False, "只有发布机构的管理员或运营方可以下架资源。")


def get_resource_for_user(user, pk: int) -> Resource:
    try:
        return Resource.objects.visible_to(user).select_related("provider", "district").get(pk=pk)
    except (Resource.DoesNotExist, ValueError, TypeError):
        raise Http404("资源不存在或无权查看。") from None

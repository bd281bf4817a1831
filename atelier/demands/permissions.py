"""Who may do what with demands and dockings. Each check returns a Decision (allowed + reason)."""

from django.http import Http404
from django.utils.translation import gettext as _

from atelier.accounts.models import READ_ALL_ROLES, Role
from atelier.orgs.models import Membership, Organization, OrgKind, OrgStatus
from atelier.orgs.permissions import ALLOW, Decision

from .models import OPEN_STATES, Demand, DemandStatus, Docking, DockingStatus

# Organisations that can answer a demand: anyone who may publish resources except government.
PROVIDER_KINDS = {
    OrgKind.PROVIDER,
    OrgKind.UNIVERSITY,
    OrgKind.ASSOCIATION,
    OrgKind.INVESTOR,
    OrgKind.ENTERPRISE,
}


def _authenticated(user) -> bool:
    return bool(user and user.is_authenticated)


def is_operator(user) -> bool:
    return _authenticated(user) and (user.role == Role.OPERATOR or user.is_superuser)


def is_broker(user) -> bool:
    return _authenticated(user) and user.role == Role.BROKER


def is_member(user, org_id: int) -> bool:
    if not _authenticated(user):
        return False
    return Membership.objects.filter(user=user, organization_id=org_id).exists()


def reads_everything(user) -> bool:
    return _authenticated(user) and (user.is_superuser or user.role in READ_ALL_ROLES)


def sees_identity(user, demand: Demand) -> bool:
    """May `user` know which enterprise posted `demand`? Everybody for a public demand; for an
    anonymous one the enterprise itself, operators and the read-all roles, brokers, the district's
    reviewer, and a provider only after the enterprise agreed on one of its dockings."""
    if not demand.is_anonymous:
        return True
    if not _authenticated(user):
        return False
    if reads_everything(user) or is_broker(user):
        return True
    if user.role == Role.REVIEWER and user.district_id == demand.enterprise.district_id:
        return True
    if is_member(user, demand.enterprise_id):
        return True
    return demand.dockings.filter(identity_revealed=True, provider__memberships__user=user).exists()


def can_post_for(user, organization: Organization) -> Decision:
    if not _authenticated(user):
        return Decision(False, _("请先登录。"))
    if not is_member(user, organization.pk):
        return Decision(False, _("只能为本企业发布需求。"))
    if organization.status != OrgStatus.VERIFIED:
        return Decision(False, _("企业通过实名认证后才能发布需求。"))
    return ALLOW


def can_edit_demand(user, demand: Demand) -> Decision:
    if demand.status not in (DemandStatus.DRAFT, DemandStatus.REJECTED):
        return Decision(False, _("只有草稿或被驳回的需求可以修改。"))
    if is_member(user, demand.enterprise_id):
        return ALLOW
    return Decision(False, _("只有需求企业的成员可以修改需求。"))


def can_manage_demand(user, demand: Demand) -> Decision:
    """Submit, close, resolve, renew: the enterprise's members, and operators."""
    if is_operator(user) or is_member(user, demand.enterprise_id):
        return ALLOW
    return Decision(False, _("只有需求企业的成员或运营方可以处理该需求。"))


def can_review_demand(user, demand: Demand) -> Decision:
    if is_operator(user):
        return ALLOW
    return Decision(False, _("只有运营方可以审核需求。"))


def can_translate_demand(user, demand: Demand) -> Decision:
    if not (is_broker(user) or is_operator(user)):
        return Decision(False, _("只有技术经纪人或运营方可以做需求翻译。"))
    if demand.status in (DemandStatus.DRAFT, DemandStatus.CLOSED, DemandStatus.EXPIRED):
        return Decision(False, _("该需求当前不需要翻译。"))
    return ALLOW


def can_assign_broker(user, demand: Demand) -> Decision:
    if is_operator(user):
        return ALLOW
    if is_broker(user) and demand.broker_id in (None, user.pk):
        return ALLOW  # a broker may take an unassigned demand
    return Decision(False, _("只有运营方可以指派技术经纪人。"))


def provider_orgs(user):
    """The organisations `user` may answer demands for."""
    if not _authenticated(user):
        return Organization.objects.none()
    return Organization.objects.filter(
        memberships__user=user, status=OrgStatus.VERIFIED, kind__in=PROVIDER_KINDS
    ).distinct()


def can_start_docking(user, demand: Demand) -> Decision:
    if demand.status not in OPEN_STATES:
        return Decision(False, _("需求已发布且尚未结束时才能发起对接。"))
    if is_operator(user) or is_broker(user) or is_member(user, demand.enterprise_id):
        return ALLOW
    return Decision(False, _("对接由需求企业、技术经纪人或运营方发起；服务方请使用“表达意向”。"))


def can_express_interest(user, demand: Demand, provider: Organization) -> Decision:
    if demand.status not in OPEN_STATES:
        return Decision(False, _("该需求已不再接受意向。"))
    if provider.pk == demand.enterprise_id:
        return Decision(False, _("不能对本企业的需求表达意向。"))
    if not provider_orgs(user).filter(pk=provider.pk).exists():
        return Decision(False, _("只有通过认证的服务机构成员可以表达意向。"))
    return ALLOW


def _party(user, docking: Docking) -> str | None:
    if is_operator(user):
        return "operator"
    if is_broker(user) and user.pk in (docking.broker_id, docking.demand.broker_id):
        return "broker"
    if is_member(user, docking.demand.enterprise_id):
        return "enterprise"
    if is_member(user, docking.provider_id):
        return "provider"
    return None


def can_respond(user, docking: Docking) -> Decision:
    """Accept or decline. A proposal waits on the provider; a provider's interest waits on the
    enterprise, or on the broker/operator when the demand is anonymous."""
    party = _party(user, docking)
    if docking.status == DockingStatus.PROPOSED:
        if party in ("provider", "operator"):
            return ALLOW
        return Decision(False, _("该对接等待服务方响应。"))
    if docking.status == DockingStatus.INTERESTED:
        if party in ("enterprise", "operator", "broker"):
            return ALLOW
        return Decision(False, _("该意向等待需求企业或技术经纪人确认。"))
    return Decision(False, _("该对接当前无需响应。"))


def can_take_part(user, docking: Docking) -> Decision:
    """Notes, meetings, outcome: both sides, their broker and operators."""
    if _party(user, docking):
        return ALLOW
    return Decision(False, _("只有对接双方、技术经纪人和运营方可以操作该对接。"))


def can_reveal(user, docking: Docking) -> Decision:
    if is_member(user, docking.demand.enterprise_id):
        return ALLOW
    return Decision(False, _("只有需求企业本身可以向服务方公开身份。"))


def can_cancel(user, docking: Docking) -> Decision:
    party = _party(user, docking)
    if party in ("operator", "broker", "enterprise") or (
        party == "provider" and docking.initiator == "provider"
    ):
        return ALLOW
    return Decision(False, _("无权撤销该对接。"))


def can_set_weights(user) -> Decision:
    if is_operator(user):
        return ALLOW
    return Decision(False, _("只有运营方可以调整匹配权重。"))


def can_record_reward(user) -> Decision:
    if is_operator(user):
        return ALLOW
    return Decision(False, _("只有运营方可以登记经纪奖励。"))


def get_demand_for_user(user, pk) -> Demand:
    try:
        return (
            Demand.objects.visible_to(user)
            .select_related("enterprise", "enterprise__district", "cluster", "broker")
            .get(pk=pk)
        )
    except (Demand.DoesNotExist, ValueError, TypeError):
        raise Http404(_("需求不存在或无权查看。")) from None


def get_docking_for_user(user, pk) -> Docking:
    try:
        return Docking.objects.visible_to(user).for_list().get(pk=pk)
    except (Docking.DoesNotExist, ValueError, TypeError):
        raise Http404(_("对接不存在或无权查看。")) from None


def enterprise_label(user, demand: Demand) -> str:
    """The enterprise's name, or a neutral label that gives nothing away."""
    if sees_identity(user, demand):
        return demand.enterprise.name
    if demand.cluster_id:
        return _("匿名企业（%(cluster)s）") % {"cluster": demand.cluster.label}
    return _("匿名企业")

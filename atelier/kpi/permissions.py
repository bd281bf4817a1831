"""Who may do what with plans, reported values and assessments. A refusal says why."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from atelier.accounts.models import Role

from .models import Assessment, Line, Plan, PlanStatus, ReportedValue

VIEW_ROLES = {Role.OPERATOR, Role.REVIEWER, Role.FINANCE, Role.AUDITOR, Role.SYSADMIN}


def _role(user) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Role.SYSADMIN if user.is_superuser else user.role


def can_view_plans(user) -> bool:
    return _role(user) in VIEW_ROLES


def _is_assessor(user, plan: Plan) -> bool:
    """Reviewers of the plan's district (any reviewer for a plan without one) assess."""
    role = _role(user)
    if role == Role.SYSADMIN:
        return True
    if role != Role.REVIEWER:
        return False
    return plan.district_id is None or user.district_id in (None, plan.district_id)


def may_assess_some(user) -> bool:
    """Whether `user` assesses any plan at all (reviewers and system administrators)."""
    return _role(user) in {Role.REVIEWER, Role.SYSADMIN}


def assessed_reports(reports, user):
    """The reported values whose plans `user` assesses — `_is_assessor` as a query."""
    role = _role(user)
    if role == Role.SYSADMIN or (role == Role.REVIEWER and user.district_id is None):
        return reports
    if role != Role.REVIEWER:
        return reports.none()
    return reports.filter(
        Q(row__plan__district__isnull=True) | Q(row__plan__district_id=user.district_id)
    )


def why_not_edit_plan(user, plan: Plan) -> str | None:
    if _role(user) not in {Role.OPERATOR, Role.SYSADMIN}:
        return _("只有运营方可以编制考核方案。")
    if plan.status != PlanStatus.DRAFT:
        return _("方案已启用，指标、目标和计分规则不能再修改；如需调整请新建方案。")
    return None


def why_not_define_indicator(user) -> str | None:
    if _role(user) not in {Role.OPERATOR, Role.SYSADMIN}:
        return _("只有运营方可以定义指标。")
    return None


def why_not_report(user, plan: Plan) -> str | None:
    if _role(user) not in {Role.OPERATOR, Role.REVIEWER, Role.SYSADMIN}:
        return _("只有运营方和主管部门可以填报指标。")
    if plan.status != PlanStatus.ACTIVE:
        return _("方案不在执行中，不能填报。")
    return None


def why_not_review(user, report: ReportedValue) -> str | None:
    if not _is_assessor(user, report.row.plan):
        return _("只有方案所在区县的主管部门可以审核填报值。")
    if report.submitted_by_id == user.pk:
        return _("不能审核自己填报的数据。")
    return None


def why_not_assess(user, assessment: Assessment) -> str | None:
    if _is_assessor(user, assessment.plan):
        return None
    if _role(user) == Role.OPERATOR:
        if assessment.line == Line.GOVERNMENT:
            return _("政府牵头单位条线的得分由主管部门评定，运营方不能修改。")
        return _("运营单位条线的得分由主管部门评定；运营方可以为自动计算的指标添加说明。")
    return _("只有方案所在区县的主管部门可以评分和签署考核。")


def why_not_annotate(user, plan: Plan) -> str | None:
    if _role(user) not in {Role.OPERATOR, Role.REVIEWER, Role.SYSADMIN}:
        return _("只有运营方和主管部门可以添加说明。")
    return None

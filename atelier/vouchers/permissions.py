"""Who sees and does what with innovation vouchers.

Lists go through the `*_visible_to(user)` functions, single objects through
`get_<noun>_for_user(user, pk)`, which answer 404 for anything outside the user's scope (an id
reveals nothing). The rules:

- enterprise members see their own enterprise's applications, vouchers, uses and claims;
- provider members see the uses of their organisation and the claims about them;
- a reviewer sees the programmes of its district and the city-wide ones (`actions.can_review`);
- operators, finance, auditors and sysadmins read everything; the auditor never writes.

`can_*` return a Decision (allowed + reason) so that pages can say why a button is missing.
"""

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from atelier.accounts.models import READ_ALL_ROLES, Role
from atelier.orgs.models import Organization, OrgKind, OrgStatus
from atelier.orgs.permissions import ALLOW, Decision

from .actions import can_review
from .models import (
    Application,
    Claim,
    ClaimDocument,
    PayoutBatch,
    Programme,
    ProgrammeStatus,
    Voucher,
    VoucherUse,
)


def _auth(user) -> bool:
    return bool(user and user.is_authenticated)


def is_operator(user) -> bool:
    return _auth(user) and (user.role == Role.OPERATOR or user.is_superuser)


def is_reviewer(user) -> bool:
    return _auth(user) and user.role == Role.REVIEWER


def is_finance(user) -> bool:
    return _auth(user) and (user.role == Role.FINANCE or user.is_superuser)


def reads_everything(user) -> bool:
    return _auth(user) and (user.is_superuser or user.role in READ_ALL_ROLES)


def is_staff_reader(user) -> bool:
    """Platform staff who see the review and finance pages (writing or not)."""
    return reads_everything(user) or is_reviewer(user)


def enterprises_of(user):
    """The verified enterprises `user` may act for (apply, use vouchers, 通用 claims)."""
    if not _auth(user):
        return Organization.objects.none()
    return Organization.objects.filter(
        memberships__user=user, kind=OrgKind.ENTERPRISE, status=OrgStatus.VERIFIED
    ).distinct()


def providers_of(user):
    """The verified organisations `user` may enrol and claim for (not enterprises, not
    government)."""
    if not _auth(user):
        return Organization.objects.none()
    return (
        Organization.objects.filter(memberships__user=user, status=OrgStatus.VERIFIED)
        .exclude(kind__in=(OrgKind.ENTERPRISE, OrgKind.GOVERNMENT))
        .distinct()
    )


def _district_q(user, prefix: str) -> Q:
    return Q(**{f"{prefix}district__isnull": True}) | Q(
        **{f"{prefix}district_id": user.district_id}
    )


# ---------------------------------------------------------------- scoping


def programmes_visible_to(user):
    """Programmes are public notices once open or closed; drafts only to staff who manage them."""
    qs = Programme.objects.select_related("district")
    if reads_everything(user):
        return qs
    public = ~Q(status=ProgrammeStatus.DRAFT)
    if is_reviewer(user):
        return qs.filter(public | _district_q(user, ""))
    return qs.filter(public)


def reviewable_programmes(user):
    """The programmes whose applications and claims `user` reviews (or, read-all, reads)."""
    qs = Programme.objects.all()
    if reads_everything(user):
        return qs
    if is_reviewer(user):
        return qs.filter(_district_q(user, ""))
    return qs.none()


def applications_visible_to(user):
    qs = Application.objects.select_related("programme", "enterprise", "rules")
    if not _auth(user):
        return qs.none()
    if reads_everything(user):
        return qs
    q = Q(enterprise__memberships__user=user)
    if is_reviewer(user):
        q |= _district_q(user, "programme__")
    return qs.filter(q).distinct()


def vouchers_visible_to(user):
    qs = Voucher.objects.select_related("programme", "enterprise")
    if not _auth(user):
        return qs.none()
    if reads_everything(user):
        return qs
    q = Q(enterprise__memberships__user=user)
    if is_reviewer(user):
        q |= _district_q(user, "programme__")
    return qs.filter(q).distinct()


def uses_visible_to(user):
    qs = VoucherUse.objects.select_related(
        "voucher", "voucher__programme", "voucher__enterprise", "provider"
    )
    if not _auth(user):
        return qs.none()
    if reads_everything(user):
        return qs
    q = Q(voucher__enterprise__memberships__user=user) | Q(provider__memberships__user=user)
    if is_reviewer(user):
        q |= _district_q(user, "voucher__programme__")
    return qs.filter(q).distinct()


def claims_visible_to(user):
    qs = Claim.objects.select_related(
        "use", "use__voucher", "use__voucher__programme", "use__voucher__enterprise",
        "use__provider", "claimant", "batch",
    )  # fmt: skip
    if not _auth(user):
        return qs.none()
    if reads_everything(user):
        return qs
    q = Q(use__voucher__enterprise__memberships__user=user) | Q(
        use__provider__memberships__user=user
    )
    if is_reviewer(user):
        q |= _district_q(user, "use__voucher__programme__")
    return qs.filter(q).distinct()


def batches_visible_to(user):
    qs = PayoutBatch.objects.select_related("programme", "created_by")
    return qs if reads_everything(user) else qs.none()


def _get(qs, pk, message):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404(message) from None


def get_programme_for_user(user, pk) -> Programme:
    return _get(programmes_visible_to(user), pk, _("创新券项目不存在或无权查看。"))


def get_application_for_user(user, pk) -> Application:
    return _get(applications_visible_to(user), pk, _("申领记录不存在或无权查看。"))


def get_voucher_for_user(user, pk) -> Voucher:
    return _get(vouchers_visible_to(user), pk, _("创新券不存在或无权查看。"))


def get_use_for_user(user, pk) -> VoucherUse:
    return _get(uses_visible_to(user), pk, _("使用记录不存在或无权查看。"))


def get_claim_for_user(user, pk) -> Claim:
    return _get(claims_visible_to(user), pk, _("兑付申请不存在或无权查看。"))


def get_batch_for_user(user, pk) -> PayoutBatch:
    return _get(batches_visible_to(user), pk, _("拨付批次不存在或无权查看。"))


def get_document_for_user(user, claim_pk, pk) -> ClaimDocument:
    claim = get_claim_for_user(user, claim_pk)
    return _get(claim.documents.all(), pk, _("材料不存在或无权查看。"))


# ---------------------------------------------------------------- decisions


def can_manage_programmes(user) -> Decision:
    if is_operator(user):
        return ALLOW
    return Decision(False, _("只有运营方可以设立项目和发布规则。"))


def can_decide_enrolment(user, programme: Programme) -> Decision:
    if is_operator(user) or (is_reviewer(user) and can_review(user, programme)):
        return ALLOW
    return Decision(False, _("只有运营方或主管部门可以审核入库。"))


def can_review_programme(user, programme: Programme) -> Decision:
    if is_reviewer(user) and can_review(user, programme) or _auth(user) and user.is_superuser:
        return ALLOW
    return Decision(False, _("只能审核本区县项目的申领和兑付。"))


def can_run_batches(user) -> Decision:
    if is_finance(user):
        return ALLOW
    return Decision(False, _("拨付批次由财政审批。"))


def can_create_batch(user) -> Decision:
    if is_finance(user) or is_operator(user):
        return ALLOW
    return Decision(False, _("只有财政或运营方可以生成拨付批次。"))


def is_member(user, org_id) -> bool:
    return _auth(user) and user.memberships.filter(organization_id=org_id).exists()


def can_use_voucher(user, voucher: Voucher) -> Decision:
    if is_member(user, voucher.enterprise_id):
        return ALLOW
    return Decision(False, _("只有持券企业可以使用该创新券。"))

from datetime import date, datetime

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from atelier.core.errors import ActionError
from atelier.core.models import District, EnterpriseTag, Industry

from . import actions, permissions
from .models import Invitation, Organization, OrgKind

router = Router(tags=["organizations"])


class OrganizationOut(Schema):
    id: int
    kind: str
    name: str
    name_en: str
    credit_code: str
    district: str
    district_name: str
    industries: list[str]
    tags: list[str]
    status: str
    verified_at: datetime | None


class OrganizationPrivateOut(OrganizationOut):
    address: str
    contact_name: str | None = None
    contact_mobile: str | None = None
    contact_email: str | None = None


class OrganizationPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[OrganizationOut]


class OrgFilters(Schema):
    q: str = ""
    kind: str = ""
    district: str = ""
    status: str = ""
    page: int = 1
    page_size: int = 20


def _out(org: Organization, private: bool = False) -> dict:
    data = {
        "id": org.pk,
        "kind": org.kind,
        "name": org.name,
        "name_en": org.name_en,
        "credit_code": org.credit_code,
        "district": org.district_id,
        "district_name": org.district.name,
        "industries": [i.code for i in org.industries.all()],
        "tags": [t.code for t in org.tags.all()],
        "status": org.status,
        "verified_at": org.verified_at,
        "address": org.address,
    }
    if private:
        data.update(
            contact_name=org.contact_name,
            contact_mobile=org.contact_mobile,
            contact_email=org.contact_email,
        )
    return data


@router.get("", response=OrganizationPage, summary="机构列表（按权限范围）")
def list_organizations(request, filters: Query[OrgFilters]):
    qs = (
        Organization.objects.visible_to(request.user)
        .select_related("district")
        .prefetch_related("industries", "tags")
        .order_by("name", "pk")
    )
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(credit_code=filters.q.upper()))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.district:
        district = District.objects.lookup(filters.district)
        qs = qs.filter(district=district) if district else qs.none()
    if filters.status:
        qs = qs.filter(status=filters.status)
    page_size = max(1, min(filters.page_size, 100))
    page = max(1, filters.page)
    count = qs.count()
    rows = qs[(page - 1) * page_size : page * page_size]
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "results": [_out(o) for o in rows],
    }


@router.get("/{int:org_id}", response=OrganizationPrivateOut, summary="机构详情")
def get_organization(request, org_id: int):
    org = permissions.get_org_for_user(request.user, org_id)
    return _out(org, private=bool(permissions.can_view_private_org(request.user, org)))


class RegisterIn(Schema):
    kind: OrgKind
    name: str
    credit_code: str
    district: str
    industries: list[str] = []
    tags: list[str] = []
    address: str = ""
    size_band: str = ""
    founded_on: date | None = None
    description: str = ""
    website: str = ""
    contact_name: str = ""
    contact_mobile: str = ""
    contact_email: str = ""


@router.post(
    "", response={201: OrganizationPrivateOut}, summary="登记机构（multipart，含营业执照）"
)
def register_organization(request, payload: Form[RegisterIn], licence: File[UploadedFile]):
    district = District.objects.lookup(payload.district)
    if district is None:
        raise ActionError(
            _("未知的区县：%(district)s") % {"district": payload.district}, code="district_unknown"
        )
    industries = list(Industry.objects.filter(code__in=payload.industries))
    if len(industries) != len(set(payload.industries)):
        raise ActionError(_("行业代码无效。"), code="industry_unknown")
    tags = list(EnterpriseTag.objects.filter(code__in=payload.tags))
    profile = payload.dict(
        exclude={"kind", "name", "credit_code", "district", "industries", "tags"}
    )
    org = actions.organization_register(
        actor=request.user,
        kind=payload.kind.value,
        name=payload.name,
        credit_code=payload.credit_code,
        district=district,
        industries=industries,
        tags=tags,
        licence=licence,
        **profile,
    )
    return Status(201, _out(org, private=True))


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str


@router.post("/{int:org_id}/verify", response=OrganizationOut, summary="认证通过")
def verify_organization(request, org_id: int, payload: NoteIn):
    org = permissions.get_org_for_user(request.user, org_id)
    return _out(
        actions.organization_verify(actor=request.user, organization=org, note=payload.note)
    )


@router.post("/{int:org_id}/reject", response=OrganizationOut, summary="驳回认证")
def reject_organization(request, org_id: int, payload: ReasonIn):
    org = permissions.get_org_for_user(request.user, org_id)
    return _out(
        actions.organization_reject(actor=request.user, organization=org, reason=payload.reason)
    )


class InviteIn(Schema):
    contact: str
    role: str = "member"


class InvitationOut(Schema):
    id: int
    organization_id: int
    contact: str
    role: str
    status: str
    expires_at: datetime


@router.post("/{int:org_id}/invitations", response={201: InvitationOut}, summary="邀请成员")
def invite_member(request, org_id: int, payload: InviteIn):
    org = permissions.get_org_for_user(request.user, org_id)
    inv: Invitation = actions.invitation_create(
        actor=request.user, organization=org, contact=payload.contact, role=payload.role
    )
    return Status(201, inv)

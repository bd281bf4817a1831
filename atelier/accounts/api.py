from ninja import Router, Schema

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    organization_id: int
    organization: str
    role: str
    organization_status: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    mobile: str | None
    email: str
    role: str
    role_label: str
    district: str | None
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.display_name,
        "mobile": user.mobile,
        "email": user.email,
        "role": user.role,
        "role_label": str(user.get_role_display()),
        "district": user.district_id,
        "memberships": [
            {
                "organization_id": m.organization_id,
                "organization": m.organization.name,
                "role": m.role,
                "organization_status": m.organization.status,
            }
            for m in user.memberships.select_related("organization")
        ],
    }

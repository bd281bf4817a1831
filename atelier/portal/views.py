from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from atelier.accounts.models import Role
from atelier.catalog import permissions as catalog_permissions
from atelier.catalog.models import Resource, ResourceStatus
from atelier.core import codes
from atelier.core.models import AuditEntry
from atelier.orgs.actions import invitations_for
from atelier.orgs.models import Organization, OrgKind, OrgStatus

from .modules import MEMBER_UPCOMING, MODULES, PROVIDER_UPCOMING, ROLE_UPCOMING, SPINE, WINGS

# Roles that see the organisation verification queue and the audit trail on their workspace.
REVIEW_ROLES = {Role.OPERATOR, Role.REVIEWER}
AUDIT_ROLES = {Role.OPERATOR, Role.AUDITOR, Role.SYSADMIN}
# Roles for whom belonging to an organisation is the normal case.
ORG_ROLES = {Role.MEMBER, Role.EXPERT, Role.BROKER}
# The order of the status counts in the "my resources" panel.
RESOURCE_STATUSES = [
    ResourceStatus.PUBLISHED,
    ResourceStatus.SUBMITTED,
    ResourceStatus.DRAFT,
    ResourceStatus.REJECTED,
    ResourceStatus.ARCHIVED,
]


def home(request: HttpRequest) -> HttpResponse:
    verified = Organization.objects.verified()
    counters = verified.aggregate(
        organizations=Count("pk"),
        enterprises=Count("pk", filter=Q(kind=OrgKind.ENTERPRISE)),
        providers=Count("pk", filter=Q(kind=OrgKind.PROVIDER)),
        districts=Count("district", distinct=True, filter=~Q(district_id=codes.OUTSIDE_CODE)),
    )
    ctx = {
        "counters": counters,
        "district_total": len(codes.WENZHOU_DISTRICTS),
        "spine": SPINE,
        "wings": WINGS,
    }
    return render(request, "portal/home.html", ctx)


def coming_soon(request: HttpRequest, slug: str) -> HttpResponse:
    module = MODULES.get(slug)
    if module is None:
        raise Http404(_("没有这个模块。"))
    if not module.soon:
        return redirect(module.url)
    return render(request, "portal/coming_soon.html", {"module": module})


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    user = request.user
    memberships = list(
        user.memberships.select_related("organization", "organization__district").order_by(
            "organization__name"
        )
    )
    is_superuser = user.is_superuser
    ctx = {
        "memberships": memberships,
        "invitations": list(invitations_for(user)),
        "show_register": not memberships and user.role in ORG_ROLES,
        "review_count": None,
        "audit_entries": None,
        "my_resources": None,
        "moderation_count": None,
    }
    if user.role in REVIEW_ROLES or is_superuser:
        ctx["review_count"] = Organization.objects.for_review(user).count()
    if user.role in AUDIT_ROLES or is_superuser:
        ctx["audit_entries"] = list(AuditEntry.objects.all()[:10])
    if memberships:
        ctx["my_resources"] = _my_resources(memberships)
    if catalog_permissions.is_moderator(user):
        ctx["moderation_count"] = Resource.objects.filter(status=ResourceStatus.SUBMITTED).count()

    upcoming = list(ROLE_UPCOMING.get(user.role, []))
    if user.role == Role.MEMBER:
        kinds = {m.organization.kind for m in memberships}
        if OrgKind.PROVIDER in kinds:
            upcoming += PROVIDER_UPCOMING
        if OrgKind.PROVIDER not in kinds or OrgKind.ENTERPRISE in kinds:
            upcoming = MEMBER_UPCOMING + upcoming
    ctx["upcoming"] = upcoming
    return render(request, "portal/workspace.html", ctx)


def _my_resources(memberships) -> dict:
    """The "my resources" panel: the listings of the user's organisations counted by status."""
    orgs = [m.organization for m in memberships]
    counts = Resource.objects.filter(provider__in=orgs).status_counts()
    return {
        "counts": [(s.value, s.label, counts[s.value]) for s in RESOURCE_STATUSES],
        "stale": counts["stale"],
        "total": counts["total"],
        "can_create": any(
            o.status == OrgStatus.VERIFIED and o.kind in catalog_permissions.PUBLISHER_KINDS
            for o in orgs
        ),
    }


@vary_on_headers("HX-Request")
@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(request.user.notifications.all(), 20).get_page(request.GET.get("page"))
    hosts = {request.get_host()}
    for n in page.object_list:
        # Only same-site links: a notification never sends the reader elsewhere.
        n.safe_url = n.url if url_has_allowed_host_and_scheme(n.url, hosts) else ""
    template = "portal/notifications.html"
    if request.htmx and not request.htmx.boosted:
        template += "#notification-list"
    return render(request, template, {"page": page, "oob_bell": bool(request.htmx)})


@require_POST
@login_required
def notifications_read(request: HttpRequest) -> HttpResponse:
    request.user.notifications.mark_read()
    if request.htmx:
        return notifications(request)
    return redirect("portal:notifications")

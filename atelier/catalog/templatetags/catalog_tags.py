"""Template tags of the resource library for pages of other apps (the organisation page, the
search page), so that those apps link to the catalog without importing it."""

from django import template

from atelier.orgs.models import Organization, OrgStatus

from .. import permissions
from ..models import Resource

register = template.Library()


@register.inclusion_tag("catalog/_provider_link.html")
def provider_resources_link(org):
    """A button to the organisation's public resource page with its number of published
    listings; nothing when it has none."""
    count = Resource.objects.published().filter(provider=org).count()
    return {"org": org, "count": count}


@register.filter
def is_resource_moderator(user) -> bool:
    return permissions.is_moderator(user)


@register.simple_tag
def can_publish_resources(user) -> bool:
    """Does `user` belong to a verified organisation that may publish listings? (The create
    page and `resource_create` check again.)"""
    if not user.is_authenticated:
        return False
    return Organization.objects.filter(
        memberships__user=user,
        status=OrgStatus.VERIFIED,
        kind__in=permissions.PUBLISHER_KINDS,
    ).exists()

"""Role scoping of the resource library: for every role, what it can see and change among one
provider's listings — detail, edit, lifecycle buttons, moderation — including listings reached by
guessing ids. Refusals answer 404 (outside the scope: ids reveal nothing) or 403 (visible but not
allowed), and never change anything."""

import pytest
from django.urls import reverse

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog import actions, permissions
from atelier.catalog.models import Resource, ResourceStatus
from atelier.core.models import StatusChange
from atelier.orgs.models import Membership

from .factories import make_provider, make_resource

pytestmark = pytest.mark.django_db
S = ResourceStatus
LOGIN = 302  # anonymous: sent to the login page

ROLES = [
    "anonymous",
    "outsider",
    "member",
    "admin",
    Role.OPERATOR,
    Role.AUDITOR,
    Role.REVIEWER,
    Role.FINANCE,
]

# who: (draft detail, draft edit, published edit, submit draft, archive published,
#       publish submitted, moderation queue)
EXPECTED = {
    "anonymous": (404, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "outsider": (404, 404, 403, 404, 403, 404, 403),
    "member": (200, 200, 200, "moved", 403, 403, 403),
    "admin": (200, 200, 200, "moved", "moved", 403, 403),
    Role.OPERATOR: (200, 200, 200, "moved", "moved", "moved", 200),
    Role.AUDITOR: (200, 403, 403, 403, 403, 403, 403),
    Role.REVIEWER: (404, 404, 403, 404, 403, 404, 403),
    Role.FINANCE: (404, 404, 403, 404, 403, 404, 403),
}


@pytest.fixture
def world():
    provider = make_provider(name="温州鞋革检测中心", district="330302")
    admin = provider.memberships.get(role=Membership.Role.ADMIN).user
    member = make_user()
    Membership.objects.create(user=member, organization=provider)
    draft = make_resource(provider=provider, published=False, title="内部草稿检测")
    published = make_resource(provider=provider, title="公开的检测服务")
    submitted = make_resource(provider=provider, published=False, title="待审核的检测")
    actions.resource_submit(actor=admin, resource=submitted)
    return {
        "provider": provider,
        "admin": admin,
        "member": member,
        "draft": draft,
        "published": published,
        "submitted": submitted,
    }


def actor_for(who, world):
    if who == "anonymous":
        return None
    if who in ("member", "admin"):
        return world[who]
    if who == "outsider":
        user = make_user()
        make_provider(admin=user, name="别家检测机构")  # a provider admin, just not of this one
        return user
    if who == Role.REVIEWER:
        return make_user(Role.REVIEWER, district="330302")  # even the same district
    return make_user(who)


def status_of(resource):
    return Resource.objects.get(pk=resource.pk).status


def check(response, expected, resource, before, after):
    """`expected` is a status code (and nothing changed) or "moved" (the transition happened)."""
    if expected == "moved":
        assert response.status_code == 302
        assert status_of(resource) == after
        return
    assert response.status_code == expected
    if expected == LOGIN:
        assert "/accounts/login/" in response["Location"]
    assert status_of(resource) == before


@pytest.mark.parametrize("who", ROLES)
def test_role_scoping(client, world, who):
    draft_detail, draft_edit, pub_edit, submit, archive, publish, queue = EXPECTED[who]
    actor = actor_for(who, world)
    if actor:
        client.force_login(actor)
    draft, published, submitted = world["draft"], world["published"], world["submitted"]
    moves = StatusChange.objects.count()

    # Published listings are public; drafts only within the scope.
    assert client.get(published.get_absolute_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == draft_detail

    # Edit form: GET and a POST that would change the title.
    url = reverse("catalog:edit", args=[draft.pk])
    assert client.get(url).status_code == draft_edit
    url = reverse("catalog:edit", args=[published.pk])
    assert client.get(url).status_code == pub_edit
    if pub_edit != 200:
        response = client.post(url, {"title": "篡改的名称", "district": "330302"})
        assert response.status_code == pub_edit
        assert Resource.objects.get(pk=published.pk).title == "公开的检测服务"

    # Lifecycle buttons.
    response = client.post(reverse("catalog:transition", args=[draft.pk, "submit"]))
    check(response, submit, draft, S.DRAFT, S.SUBMITTED)
    response = client.post(reverse("catalog:transition", args=[published.pk, "archive"]))
    check(response, archive, published, S.PUBLISHED, S.ARCHIVED)
    response = client.post(
        reverse("catalog:transition", args=[submitted.pk, "publish"]), {"note": "越权"}
    )
    check(response, publish, submitted, S.SUBMITTED, S.PUBLISHED)
    response = client.post(
        reverse("catalog:transition", args=[submitted.pk, "reject"]), {"reason": "越权"}
    )
    if publish != "moved":
        assert response.status_code == publish
        assert status_of(submitted) == S.SUBMITTED
    expected_moves = sum(x == "moved" for x in (submit, archive, publish))
    assert StatusChange.objects.count() == moves + expected_moves

    # Moderation queue.
    response = client.get(reverse("catalog:moderation"))
    assert response.status_code == queue
    if queue == 200:
        assert "待审核的检测" in response.text

    # Provider page: public, drafts only within the scope.
    page = client.get(reverse("catalog:provider", args=[world["provider"].pk]))
    assert page.status_code == 200 and "公开的检测服务" in page.text
    assert ("内部草稿检测" in page.text) is (draft_detail == 200)


@pytest.mark.parametrize("who", ["outsider", "member", Role.REVIEWER, Role.FINANCE])
def test_guessing_ids_of_another_organisations_drafts(client, world, who):
    """Ids of listings outside the scope answer 404 everywhere; nothing changes."""
    elsewhere = make_provider(name="瓯海眼镜检测中心", district="330304")
    hidden = make_resource(provider=elsewhere, published=False, title="隐藏的草稿")
    client.force_login(actor_for(who, world))
    for url in (
        hidden.get_absolute_url(),
        reverse("catalog:edit", args=[hidden.pk]),
        reverse("catalog:attachment", args=[hidden.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for event in ("submit", "archive", "restore", "confirm", "publish", "reject"):
        url = reverse("catalog:transition", args=[hidden.pk, event])
        assert client.post(url, {"reason": "x"}).status_code == 404
    for pk in (hidden.pk + 1000, 0):
        assert client.get(reverse("catalog:detail", args=[pk])).status_code == 404
    assert status_of(hidden) == S.DRAFT
    assert Resource.objects.get(pk=hidden.pk).title == "隐藏的草稿"


def test_htmx_refusals_do_not_leak_a_fragment(client, world):
    client.force_login(world["member"])
    response = client.post(
        reverse("catalog:transition", args=[world["published"].pk, "archive"]),
        {"panel": "status"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 403
    assert 'id="status-panel"' not in response.text
    assert status_of(world["published"]) == S.PUBLISHED


class TestPermissionRules:
    """Direct tests of the can_* rules the pages rely on."""

    def test_can_edit_resource(self, world):
        r = world["draft"]
        assert permissions.can_edit_resource(world["member"], r)
        assert permissions.can_edit_resource(make_user(Role.OPERATOR), r)
        decision = permissions.can_edit_resource(make_user(Role.AUDITOR), r)
        assert not decision and decision.reason == "只有发布机构的成员可以修改该资源。"

    def test_can_archive_resource(self, world):
        r = world["published"]
        assert permissions.can_archive_resource(world["admin"], r)
        assert not permissions.can_archive_resource(world["member"], r)

    def test_can_moderate_resource(self, world):
        r = world["submitted"]
        assert permissions.can_moderate_resource(make_user(Role.OPERATOR), r)
        assert not permissions.can_moderate_resource(world["admin"], r)
        assert not permissions.can_moderate_resource(make_user(Role.REVIEWER), r)

    def test_get_resource_for_user_hides_drafts(self, world):
        from django.http import Http404

        with pytest.raises(Http404):
            permissions.get_resource_for_user(make_user(), world["draft"].pk)
        assert permissions.get_resource_for_user(world["member"], world["draft"].pk)

"""Role scoping: for every role, what it can and cannot see or change among organisations,
including another organisation's records reached by guessing ids (DESIGN.md §5)."""

import pytest
from django.urls import reverse

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.orgs.models import Membership, Organization, OrgStatus

from .factories import make_org

pytestmark = pytest.mark.django_db

# What each role sees of a PENDING organisation in 鹿城 that it does not belong to:
# (listed, detail page, private contacts/licence, may verify)
EXPECTED = {
    "anonymous": (False, 404, False, False),
    "outsider": (False, 404, False, False),
    Role.EXPERT: (False, 404, False, False),
    Role.BROKER: (False, 404, False, False),
    Role.OPERATOR: (True, 200, True, True),
    "reviewer_same_district": (True, 200, True, True),
    "reviewer_other_district": (False, 404, False, False),
    Role.FINANCE: (True, 200, True, False),
    Role.AUDITOR: (True, 200, True, False),
    Role.SYSADMIN: (True, 200, True, True),
}


@pytest.fixture
def world():
    owner_org = make_org(district="330302", name="甲鞋业有限公司", contact_mobile="13811112222")
    other_verified = make_org(
        district="330304", verified=True, name="乙眼镜有限公司", contact_mobile="13833334444"
    )
    return owner_org, other_verified


def make_actor(who):
    if who == "anonymous":
        return None
    if who == "outsider":
        user = make_user()
        make_org(admin=user, name="丙服装有限公司")  # has an organisation of its own
        return user
    if who == "reviewer_same_district":
        return make_user(Role.REVIEWER, district="330302")
    if who == "reviewer_other_district":
        return make_user(Role.REVIEWER, district="330304")
    return make_user(who)


@pytest.mark.parametrize("who", list(EXPECTED))
def test_role_scoping_of_a_pending_org(client, world, who):
    pending, verified = world
    listed, detail_status, private, may_verify = EXPECTED[who]
    actor = make_actor(who)
    if actor:
        client.force_login(actor)

    listing = client.get(reverse("orgs:list"))
    assert listing.status_code == 200
    assert ("甲鞋业有限公司" in listing.text) is listed
    assert "乙眼镜有限公司" in listing.text  # verified organisations are public

    detail = client.get(reverse("orgs:detail", args=[pending.pk]))
    assert detail.status_code == detail_status
    if detail_status == 200:
        assert ("13811112222" in detail.text) is private

    licence = client.get(reverse("orgs:licence", args=[pending.pk]))
    assert (licence.status_code == 200) is private
    if private:
        assert licence["Content-Type"] == "application/pdf"
        assert b"".join(licence.streaming_content).startswith(b"%PDF-")

    # A verified organisation's public page never shows its private contacts to outsiders.
    public = client.get(reverse("orgs:detail", args=[verified.pk]))
    assert public.status_code == 200
    if who in ("anonymous", "outsider", Role.EXPERT, Role.BROKER, "reviewer_same_district"):
        assert "13833334444" not in public.text

    response = client.post(reverse("orgs:verify", args=[pending.pk]))
    pending.refresh_from_db()
    assert (pending.status == OrgStatus.VERIFIED) is may_verify
    if not may_verify:
        assert response.status_code in (302, 404)

    # Nobody outside the organisation may edit it or invite into it, whatever the role.
    edit = client.post(reverse("orgs:edit", args=[pending.pk]), {"address": "篡改"})
    assert edit.status_code in (302, 403, 404)
    assert Organization.objects.get(pk=pending.pk).address != "篡改"
    client.post(reverse("orgs:invite", args=[pending.pk]), {"contact": "x@y.cn", "role": "admin"})
    assert not pending.invitations.exists()


def test_org_admin_and_member(client, world):
    pending, _ = world
    admin = pending.memberships.get().user
    member = make_user()
    Membership.objects.create(user=member, organization=pending)

    client.force_login(member)
    page = client.get(reverse("orgs:detail", args=[pending.pk]))
    assert page.status_code == 200 and "13811112222" in page.text
    assert client.get(reverse("orgs:edit", args=[pending.pk])).status_code == 403
    client.post(reverse("orgs:verify", args=[pending.pk]))
    assert Organization.objects.get(pk=pending.pk).status == OrgStatus.PENDING

    client.force_login(admin)
    assert client.get(reverse("orgs:edit", args=[pending.pk])).status_code == 200
    client.post(reverse("orgs:verify", args=[pending.pk]))  # own organisation: still refused
    assert Organization.objects.get(pk=pending.pk).status == OrgStatus.PENDING
    response = client.post(
        reverse("orgs:edit", args=[pending.pk]),
        {"address": "丰门街道1号", "contact_mobile": "13811112222"},
    )
    assert response.status_code == 302
    assert Organization.objects.get(pk=pending.pk).address == "丰门街道1号"


def test_review_queue_is_scoped_to_the_reviewers_district(client):
    make_org(district="330302", name="鹿城待审企业")
    make_org(district="330304", name="瓯海待审企业")
    client.force_login(make_user(Role.REVIEWER, district="330304"))
    page = client.get(reverse("orgs:review_queue"))
    assert "瓯海待审企业" in page.text and "鹿城待审企业" not in page.text
    client.force_login(make_user(Role.OPERATOR))
    page = client.get(reverse("orgs:review_queue"))
    assert "瓯海待审企业" in page.text and "鹿城待审企业" in page.text
    client.force_login(make_user(Role.AUDITOR))
    assert client.get(reverse("orgs:review_queue")).status_code == 403


def test_org_list_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    for i in range(12):
        make_org(verified=True, name=f"列表企业{i:02d}")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("orgs:list"))
    assert response.status_code == 200 and "列表企业11" in response.text

import pytest
from django.urls import reverse

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.orgs import actions
from atelier.orgs.models import OrgKind
from atelier.orgs.tests.factories import make_org

pytestmark = pytest.mark.django_db

URL = "/workspace/"


def get(client, user):
    client.force_login(user)
    r = client.get(URL)
    assert r.status_code == 200
    return r, r.content.decode()


class TestWorkspaceAccess:
    def test_url(self):
        assert reverse("portal:workspace") == URL

    def test_it_redirects_anonymous_to_login(self, client):
        r = client.get(URL)
        assert r.status_code == 302
        assert r["Location"] == f"{reverse('accounts:login')}?next={URL}"


class TestMemberWorkspace:
    def test_without_organisation_it_invites_to_register_one(self, client):
        r, html = get(client, make_user(Role.MEMBER))
        assert r.context["show_register"]
        assert reverse("orgs:register") in html
        assert "您还没有加入任何机构" in html
        assert "申领创新券" in html and "发布需求" in html
        assert r.context["review_count"] is None
        assert r.context["audit_entries"] is None
        assert reverse("orgs:review_queue") not in html
        assert reverse("core:audit_log") not in html

    def test_it_lists_memberships_with_status(self, client):
        user = make_user(Role.MEMBER)
        org = make_org(admin=user, name="温州红蜻蜓测试鞋业有限公司")
        r, html = get(client, user)
        assert not r.context["show_register"]
        assert "您还没有加入任何机构" not in html
        assert "温州红蜻蜓测试鞋业有限公司" in html
        assert org.get_absolute_url() in html
        assert "待审核" in html and "管理员" in html

    def test_provider_members_see_provider_cards(self, client):
        user = make_user(Role.MEMBER)
        make_org(admin=user, kind=OrgKind.PROVIDER, verified=True)
        r, html = get(client, user)
        assert "发布服务与仪器" in html and "创新券兑付" in html
        assert "申领创新券" not in html
        assert "已认证" in html

    def test_it_shows_pending_invitations(self, client):
        org = make_org(name="瓯海测试眼镜有限公司", district="330304")
        admin = org.memberships.get().user
        invitee = make_user(Role.MEMBER)
        invitation = actions.invitation_create(
            actor=admin, organization=org, contact=invitee.mobile
        )
        r, html = get(client, invitee)
        assert [i.pk for i in r.context["invitations"]] == [invitation.pk]
        assert "瓯海测试眼镜有限公司" in html
        assert reverse("orgs:invitation_accept", args=[invitation.pk]) in html
        assert reverse("orgs:invitation_decline", args=[invitation.pk]) in html

    def test_it_does_not_show_other_peoples_invitations(self, client):
        org = make_org()
        actions.invitation_create(
            actor=org.memberships.get().user, organization=org, contact="13900000001"
        )
        r, html = get(client, make_user(Role.MEMBER))
        assert r.context["invitations"] == []
        assert "待处理的成员邀请" not in html


class TestStaffWorkspaces:
    def test_operator_sees_the_whole_review_queue_and_audit(self, client):
        make_org(district="330302", name="鹿城待审鞋企")
        make_org(district="330304")
        make_org(district="330381", verified=True)
        r, html = get(client, make_user(Role.OPERATOR))
        assert r.context["review_count"] == 2
        assert reverse("orgs:review_queue") in html
        assert reverse("core:audit_log") in html
        assert len(r.context["audit_entries"]) == 4  # 3 registrations + 1 verification
        assert "organization.register" in html and "鹿城待审鞋企" in html
        assert "资源审核" in html
        assert not r.context["show_register"]

    def test_reviewer_sees_only_its_district(self, client):
        make_org(district="330302")
        make_org(district="330304")
        user = make_user(Role.REVIEWER, district="330302")
        assert user.district_id == "330302"
        r, html = get(client, user)
        assert r.context["review_count"] == 1
        assert "鹿城区" in html
        assert reverse("orgs:review_queue") in html
        assert r.context["audit_entries"] is None
        assert "创新券申领审核" in html

    def test_finance_sees_its_panels(self, client):
        r, html = get(client, make_user(Role.FINANCE))
        assert "创新券拨付审批" in html
        assert "使用统计" in html and reverse("kpi:cockpit") in html  # built: no longer upcoming
        assert r.context["review_count"] is None
        assert r.context["audit_entries"] is None
        assert reverse("orgs:register") not in html

    def test_auditor_sees_the_audit_trail_but_no_queue(self, client):
        make_org()
        r, html = get(client, make_user(Role.AUDITOR))
        assert r.context["review_count"] is None
        assert len(r.context["audit_entries"]) == 1
        assert reverse("core:audit_log") in html
        assert "抽查" in html

    def test_sysadmin_gets_admin_link_and_audit(self, client):
        r, html = get(client, make_user(Role.SYSADMIN))
        assert reverse("admin:index") in html
        assert r.context["audit_entries"] == []
        assert "暂无操作记录" in html

    def test_audit_panel_shows_at_most_ten_entries(self, client):
        for _ in range(6):
            make_org(verified=True)  # two audit rows each
        r, _ = get(client, make_user(Role.OPERATOR))
        assert len(r.context["audit_entries"]) == 10


class TestOtherRoles:
    @pytest.mark.parametrize("role,card", [(Role.EXPERT, "专家主页"), (Role.BROKER, "需求转化")])
    def test_it_shows_the_role_cards(self, client, role, card):
        r, html = get(client, make_user(role))
        assert card in html
        assert r.context["show_register"]
        assert r.context["review_count"] is None


class TestWorkspaceQueries:
    def test_operator_page_has_bounded_queries(self, client, django_assert_max_num_queries):
        for _ in range(5):
            make_org()
        user = make_user(Role.OPERATOR)
        client.force_login(user)
        # session, user, memberships, invitations, org queue count, audit, resource queue count,
        # unread count
        with django_assert_max_num_queries(8):
            client.get(URL)

    def test_member_page_does_not_grow_with_memberships(
        self, client, django_assert_max_num_queries
    ):
        user = make_user(Role.MEMBER)
        for _ in range(4):
            make_org(admin=user)
        client.force_login(user)
        # session, user, memberships, invitations, resource counts (one query), unread count
        with django_assert_max_num_queries(6):
            client.get(URL)


class TestResourcePanels:
    """The resource library on the workspace: "my resources" for members of organisations, the
    moderation panel (with import and synonyms) for operators."""

    def test_member_sees_counts_by_status_and_stale_listings(self, client):
        from datetime import timedelta

        from django.utils import timezone

        from atelier.catalog import actions as catalog_actions
        from atelier.catalog.models import Resource
        from atelier.catalog.tests.factories import make_provider, make_resource

        provider = make_provider()
        user = provider.memberships.get().user
        published = [make_resource(provider=provider) for _ in range(3)]
        make_resource(provider=provider, published=False)  # a draft
        submitted = make_resource(provider=provider, published=False)
        catalog_actions.resource_submit(actor=user, resource=submitted)
        make_resource(published=True)  # another organisation's: not counted
        Resource.objects.filter(pk=published[0].pk).update(
            last_verified_at=timezone.now() - timedelta(days=400)
        )
        r, html = get(client, user)
        panel = r.context["my_resources"]
        counts = {value: n for value, _, n in panel["counts"]}
        assert counts == {"published": 3, "submitted": 1, "draft": 1, "rejected": 0, "archived": 0}
        assert panel["stale"] == 1 and panel["total"] == 5 and panel["can_create"]
        assert 'id="my-resources"' in html
        mine = reverse("catalog:mine")
        assert f'href="{mine}?status=published">已发布 <span class="at-n">3</span>' in html
        assert f'href="{mine}?stale=1"' in html and "超过 12 个月未核实" in html
        assert f'href="{reverse("catalog:create")}"' in html
        assert 'href="/resources/?status=rejected"' not in html  # zero counts stay quiet

    def test_unverified_organisation_cannot_publish_yet(self, client):
        user = make_user(Role.MEMBER)
        make_org(admin=user, kind=OrgKind.PROVIDER)
        r, html = get(client, user)
        assert r.context["my_resources"]["total"] == 0
        assert not r.context["my_resources"]["can_create"]
        panel = html[html.index('id="my-resources"') :]
        panel = panel[: panel.index("</section>")]
        assert "机构通过实名认证后，即可发布" in panel
        assert reverse("catalog:create") not in panel

    def test_without_organisation_there_is_no_resource_panel(self, client):
        r, html = get(client, make_user(Role.MEMBER))
        assert r.context["my_resources"] is None and 'id="my-resources"' not in html
        assert r.context["moderation_count"] is None and 'id="resource-moderation"' not in html

    def test_find_resources_card_is_live(self, client):
        r, html = get(client, make_user(Role.MEMBER))
        card = next(c for c in r.context["upcoming"] if str(c.title) == "找资源")
        assert not card.soon and card.url == reverse("catalog:list")
        start = html.index(f'<a class="at-cap" href="{reverse("catalog:list")}">')
        assert "即将上线" not in html[start : html.index("</a>", start)]
        bookings = next(c for c in r.context["upcoming"] if str(c.title) == "我的仪器预约")
        assert not bookings.soon and bookings.url == reverse("orders:mine")
        orders = next(c for c in r.context["upcoming"] if str(c.title) == "我的服务订单")
        assert not orders.soon and orders.url == reverse("orders:orders")
        vouchers = next(c for c in r.context["upcoming"] if str(c.title) == "申领创新券")
        assert not vouchers.soon and vouchers.url == reverse("vouchers:mine")

    def test_provider_card_links_to_the_create_page(self, client):
        user = make_user(Role.MEMBER)
        make_org(admin=user, kind=OrgKind.PROVIDER, verified=True)
        r, _ = get(client, user)
        card = next(c for c in r.context["upcoming"] if str(c.title) == "发布服务与仪器")
        assert not card.soon and card.url == reverse("catalog:create")

    def test_operator_sees_the_moderation_queue_count_import_and_synonyms(self, client):
        from atelier.catalog import actions as catalog_actions
        from atelier.catalog.tests.factories import make_provider, make_resource

        provider = make_provider()
        admin = provider.memberships.get().user
        for _ in range(2):
            draft = make_resource(provider=provider, published=False)
            catalog_actions.resource_submit(actor=admin, resource=draft)
        make_resource(provider=provider, published=False)  # a draft is not in the queue
        r, html = get(client, make_user(Role.OPERATOR))
        assert r.context["moderation_count"] == 2
        assert 'id="resource-moderation"' in html and "条资源等待审核" in html
        for name in ("catalog:moderation", "catalog:import", "catalog:synonyms"):
            assert f'href="{reverse(name)}"' in html
        assert not any(str(c.title) == "资源审核" for c in r.context["upcoming"])

    @pytest.mark.parametrize("role", [Role.REVIEWER, Role.FINANCE, Role.AUDITOR])
    def test_other_staff_get_no_moderation_panel(self, client, role):
        r, html = get(client, make_user(role))
        assert 'id="resource-moderation"' not in html
        assert reverse("catalog:synonyms") not in html

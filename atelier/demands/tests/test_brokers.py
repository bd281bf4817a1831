"""The broker registry (技术经纪人库): the list, one broker's page (what each viewer may see) and
the operator's reward form."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog.tests.factories import make_provider
from atelier.core.models import AuditEntry

from .. import actions
from ..models import BrokerProfile, BrokerReward, DockingStatus
from ..views_brokers import sees_rewards
from ..views_stats import can_view_stats, sees_all_rewards
from .factories import make_broker, make_demand, make_docking, member_of, operator

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker():
    return make_broker(certificate_no="ZJ-2025-0018", specialties="鞋材检测")


@pytest.fixture
def provider():
    return make_provider(name="瓯海鞋材检测中心")


@pytest.fixture
def world(broker, provider):
    """The broker with a public and an anonymous demand; on the anonymous one a docking with
    `provider` (identity not revealed) that is overdue, on the public one a won docking."""
    public = make_demand(broker=broker, title="女鞋鞋跟断裂分析")
    secret = make_demand(broker=broker, anonymous=True, title="新型环保胶粘剂研发")
    overdue = make_docking(
        secret, provider=provider, started_at=timezone.now() - timedelta(days=9),
        respond_by=timezone.now() - timedelta(days=3),
    )  # fmt: skip
    won = make_docking(public, status=DockingStatus.WON, amount=Decimal("56000.00"))
    actions.broker_reward(operator(), broker, amount="888.80", reason="女鞋项目签约", docking=won)
    return {"public": public, "secret": secret, "overdue": overdue, "won": won}


def login(client, user):
    client.force_login(user)
    return user


class TestRegistry:
    url = reverse("demands:brokers")

    def test_anonymous_visitors_are_sent_to_login(self, client, broker):
        response = client.get(self.url)
        assert response.status_code == 302 and "login" in response["Location"]

    def test_any_member_sees_active_brokers_with_figures(self, client, world, broker):
        gone = make_broker(user=make_user(Role.BROKER, name="已退出的经纪人"))
        BrokerProfile.objects.filter(pk=gone.pk).update(active=False)
        login(client, make_user())
        response = client.get(self.url)
        assert response.status_code == 200
        html = response.content.decode()
        assert str(broker) in html and "已退出的经纪人" not in html
        ((profile, fig),) = response.context["rows"]
        assert (fig.assigned, fig.handled, fig.won, fig.success_rate) == (2, 2, 1, Decimal(100))
        # Reward totals are not for everybody.
        assert not response.context["sees_rewards"]
        assert "888.80" not in html and "奖励合计" not in html

    @pytest.mark.parametrize("role", [Role.OPERATOR, Role.FINANCE, Role.AUDITOR])
    def test_staff_who_pay_or_audit_see_reward_totals(self, client, world, role):
        login(client, make_user(role))
        html = client.get(self.url).content.decode()
        assert "奖励合计" in html and "888.80" in html

    def test_query_count_does_not_grow_with_brokers(
        self, client, world, django_assert_max_num_queries
    ):
        login(client, make_user())
        client.get(self.url)
        for _ in range(4):
            make_broker()
        with django_assert_max_num_queries(12):
            response = client.get(self.url)
        assert len(response.context["rows"]) == 5


class TestBrokerPage:
    def url(self, broker):
        return reverse("demands:broker", args=[broker.pk])

    def test_it_shows_profile_demands_and_dockings(self, client, world, broker):
        login(client, operator())
        response = client.get(self.url(broker))
        html = response.content.decode()
        assert response.status_code == 200
        assert "ZJ-2025-0018" in html and "鞋材检测" in html
        assert "女鞋鞋跟断裂分析" in html and "新型环保胶粘剂研发" in html
        assert world["secret"].enterprise.name in html  # operators know who asked
        assert 'class="table-warning"' in html and "已超期" in html
        assert 'data-status="won"' in html

    def test_a_provider_never_learns_who_posted_an_anonymous_demand(
        self, client, world, broker, provider
    ):
        login(client, member_of(provider))
        html = client.get(self.url(broker)).content.decode()
        assert "新型环保胶粘剂研发" in html
        assert world["secret"].enterprise.name not in html
        assert "匿名企业" in html
        assert world["public"].enterprise.name in html
        # Its own docking is listed (overdue), the won docking of another provider is not.
        dockings = client.get(self.url(broker)).context["dockings"]
        assert [d.pk for d in dockings] == [world["overdue"].pk]

    def test_after_the_enterprise_reveals_itself_the_provider_sees_it(
        self, client, world, broker, provider
    ):
        actions.docking_reveal(member_of(world["secret"].enterprise), world["overdue"])
        login(client, member_of(provider))
        html = client.get(self.url(broker)).content.decode()
        assert world["secret"].enterprise.name in html

    def test_a_provider_cannot_see_rewards(self, client, world, broker, provider):
        login(client, member_of(provider))
        response = client.get(self.url(broker))
        html = response.content.decode()
        assert not response.context["sees_rewards"] and "rewards" not in response.context
        assert "女鞋项目签约" not in html and "888.80" not in html
        assert 'id="rewards"' not in html

    @pytest.mark.parametrize("role", [Role.REVIEWER, Role.BROKER, Role.MEMBER])
    def test_other_roles_cannot_see_rewards(self, client, world, broker, role):
        login(client, make_user(role))
        html = client.get(self.url(broker)).content.decode()
        assert "女鞋项目签约" not in html

    def test_the_broker_sees_its_own_rewards_but_no_form(self, client, world, broker):
        login(client, broker.user)
        response = client.get(self.url(broker))
        html = response.content.decode()
        assert "女鞋项目签约" in html and "888.80" in html
        assert "form" not in response.context
        assert reverse("demands:broker_reward", args=[broker.pk]) not in html

    @pytest.mark.parametrize("role", [Role.FINANCE, Role.AUDITOR])
    def test_finance_and_auditors_see_rewards_but_cannot_record(self, client, world, broker, role):
        login(client, make_user(role))
        response = client.get(self.url(broker))
        assert "女鞋项目签约" in response.content.decode()
        assert "form" not in response.context

    def test_an_operator_gets_the_reward_form(self, client, world, broker):
        login(client, operator())
        response = client.get(self.url(broker))
        form = response.context["form"]
        assert set(form.fields["docking"].queryset) == {world["overdue"], world["won"]}

    def test_a_broker_no_longer_registered_is_hidden_from_members(self, client, broker):
        BrokerProfile.objects.filter(pk=broker.pk).update(active=False)
        login(client, make_user())
        assert client.get(self.url(broker)).status_code == 404
        login(client, operator())
        assert client.get(self.url(broker)).status_code == 200
        assert client.get(reverse("demands:broker", args=[99999])).status_code == 404


class TestRewardForm:
    def url(self, broker):
        return reverse("demands:broker_reward", args=[broker.pk])

    @pytest.mark.parametrize(
        "amount, message",
        [
            ("0", "金额不能为零"),
            ("0.00", "金额不能为零"),
            ("abc", "金额格式不正确"),
            ("1.234", "金额最多两位小数"),
            ("", "请填写金额"),
            ("NaN", "金额格式不正确"),
            ("12345678901", "金额过大"),
        ],
    )
    def test_it_rejects_bad_amounts_and_saves_nothing(self, client, broker, amount, message):
        login(client, operator())
        before = AuditEntry.objects.count()
        response = client.post(self.url(broker), {"amount": amount, "reason": "奖励"})
        assert response.status_code == 400
        assert message in response.content.decode()
        assert 'class="form-control is-invalid"' in response.content.decode()
        assert not BrokerReward.objects.exists()
        assert AuditEntry.objects.count() == before

    def test_it_wants_a_reason(self, client, broker):
        login(client, operator())
        response = client.post(self.url(broker), {"amount": "10", "reason": "  "})
        assert response.status_code == 400
        assert "请填写事由" in response.content.decode()
        assert not BrokerReward.objects.exists()

    def test_it_records_a_reward_in_exact_fen(self, client, world, broker):
        login(client, operator())
        response = client.post(
            self.url(broker),
            {"amount": "1234.56", "reason": "对接签约奖励", "docking": world["won"].pk},
        )
        assert response.status_code == 302
        assert response["Location"].endswith(f"/demands/brokers/{broker.pk}/#rewards")
        reward = BrokerReward.objects.get(reason="对接签约奖励")
        assert reward.amount_fen == 123456
        assert reward.docking == world["won"] and reward.broker == broker
        assert reward.amount_yuan == Decimal("1234.56")
        html = client.get(response["Location"]).content.decode()
        assert "已登记经纪奖励 1,234.56 元" in html

    @pytest.mark.parametrize("amount, fen", [("0.01", 1), ("0.29", 29), ("-50.10", -5010)])
    def test_small_and_negative_amounts_are_exact(self, client, broker, amount, fen):
        login(client, operator())
        client.post(self.url(broker), {"amount": amount, "reason": "更正"})
        assert BrokerReward.objects.get().amount_fen == fen

    def test_a_docking_of_another_broker_is_refused(self, client, world, broker):
        other = make_demand(broker=make_broker())
        theirs = make_docking(other)
        login(client, operator())
        response = client.post(
            self.url(broker), {"amount": "10", "reason": "奖励", "docking": theirs.pk}
        )
        assert response.status_code == 400
        assert not BrokerReward.objects.filter(reason="奖励").exists()

    @pytest.mark.parametrize("role", [Role.FINANCE, Role.AUDITOR, Role.BROKER, Role.MEMBER])
    def test_only_operators_record_rewards(self, client, broker, role):
        user = broker.user if role == Role.BROKER else make_user(role)
        login(client, user)
        response = client.post(self.url(broker), {"amount": "10", "reason": "奖励"})
        assert response.status_code == 403
        assert not BrokerReward.objects.exists()

    def test_it_only_takes_post(self, client, broker):
        login(client, operator())
        assert client.get(self.url(broker)).status_code == 405


class TestWhoSeesWhat:
    """The small permission helpers of the registry and the statistics page, role by role."""

    @pytest.mark.parametrize(
        "role, stats_page, all_rewards",
        [
            (Role.MEMBER, False, False),
            (Role.EXPERT, False, False),
            (Role.BROKER, False, False),
            (Role.OPERATOR, True, True),
            (Role.REVIEWER, True, False),
            (Role.FINANCE, True, True),
            (Role.AUDITOR, True, True),
            (Role.SYSADMIN, True, True),
        ],
    )
    def test_roles(self, broker, role, stats_page, all_rewards):
        user = make_user(role)
        assert can_view_stats(user) is stats_page
        assert sees_all_rewards(user) is all_rewards
        assert sees_rewards(user, broker) is all_rewards

    def test_a_broker_sees_its_own_rewards_only(self, broker):
        other = make_broker()
        assert sees_rewards(broker.user, broker)
        assert not sees_rewards(other.user, broker)

    def test_nobody_logged_out_sees_anything(self, broker):
        from django.contrib.auth.models import AnonymousUser

        assert not can_view_stats(AnonymousUser()) and not sees_all_rewards(AnonymousUser())
        assert not sees_rewards(AnonymousUser(), broker)

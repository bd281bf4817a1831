"""The demand hall of the demo: brokers, demands in every state, dockings in every state, broker
rewards, status histories, idempotence (atelier.demo.demands).

Like test_demo.py, the base set is loaded once for the package (conftest.py) in a
transaction that is rolled back at the end; each test runs in its own savepoint on top of it.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from atelier.accounts.models import Role, User
from atelier.core.models import AuditEntry, StatusChange
from atelier.core.workflow import history
from atelier.demands.models import (
    BrokerProfile,
    BrokerReward,
    Demand,
    DemandStatus,
    Docking,
    DockingNote,
    DockingStatus,
    Visibility,
)
from atelier.demo import data, demands


def counts() -> dict[str, int]:
    return {
        "demands": Demand.objects.count(),
        "dockings": Docking.objects.count(),
        "notes": DockingNote.objects.count(),
        "brokers": BrokerProfile.objects.count(),
        "rewards": BrokerReward.objects.count(),
        "status": StatusChange.objects.count(),
        "audit": AuditEntry.objects.count(),
        "users": User.objects.count(),
    }


class TestDemandGenerator:
    def test_it_is_deterministic_and_scale_only_appends(self):
        base = demands.generate(data.generate(1))
        assert demands.generate(data.generate(1)) == base
        bigger = demands.generate(data.generate(2))
        assert bigger[: len(base)] == base and len(bigger) == 2 * len(base)
        assert {s.batch for s in bigger[len(base) :]} == {1}
        keys = [(s.enterprise, s.title) for s in bigger]
        assert len(set(keys)) == len(keys)

    def test_about_forty_demands_of_every_type(self):
        specs = demands.generate(data.generate(1))
        assert 35 <= len(specs) <= 50
        assert {s.type for s in specs} == {t.value for t in demands.DemandType}
        assert {s.final for s in specs} == set(DemandStatus.values)


@pytest.mark.django_db
class TestDemandHallLoad:
    def test_every_demand_and_docking_status_appears(self, demo):
        statuses = Counter(Demand.objects.values_list("status", flat=True))
        assert set(statuses) == set(DemandStatus.values)
        assert sum(statuses.values()) == sum(demo.demands_created.values()) >= 35
        assert set(Docking.objects.values_list("status", flat=True)) == set(DockingStatus.values)
        assert Docking.objects.overdue().exists()  # some proposals were never answered
        assert Demand.objects.filter(visibility=Visibility.ANONYMOUS).exists()
        assert Demand.objects.exclude(tech_summary="").filter(translated_by__isnull=False).exists()

    def test_every_story_ends_where_it_was_written_to(self, demo):
        for spec in demands.generate(data.generate(1)):
            demand = Demand.objects.get(enterprise__name=spec.enterprise, title=spec.title)
            assert demand.status == spec.final, spec.title
            live = demand.dockings.filter(status__in=["interested", "proposed", "active"])
            if demand.status == DemandStatus.DOCKING:
                assert live.exists(), spec.title
            if demand.status == DemandStatus.PUBLISHED:
                assert not live.exists(), spec.title

    def test_every_status_change_chain_is_consistent(self, demo):
        for demand in Demand.objects.all():
            changes = list(history(demand))
            if demand.status == DemandStatus.DRAFT:
                assert changes == []
                continue
            assert changes[0].from_state == DemandStatus.DRAFT
            assert changes[-1].to_state == demand.status, demand.title
            for before, after in zip(changes, changes[1:], strict=False):
                assert before.to_state == after.from_state
                assert before.at <= after.at
            assert demand.created_at <= changes[0].at < timezone.now()
        for docking in Docking.objects.exclude(status__in=["proposed", "interested"]):
            changes = list(history(docking))
            assert changes[-1].to_state == docking.status
            assert docking.started_at <= changes[0].at

    def test_renewed_and_expired_demands_went_through_the_job(self, demo):
        events = Counter(
            StatusChange.objects.filter(content_type__model="demand").values_list(
                "event", flat=True
            )
        )
        assert events["expire"] >= 4 and events["renew"] >= 2
        for demand in Demand.objects.filter(status=DemandStatus.EXPIRED):
            assert demand.deadline < timezone.localdate()
            assert history(demand).last().actor is None  # the scheduled job
        for demand in Demand.objects.filter(status__in=["published", "docking"]):
            assert demand.deadline > timezone.localdate()

    def test_timelines_spread_over_the_past_months(self, demo):
        now = timezone.now()
        created = list(Demand.objects.values_list("created_at", flat=True))
        assert min(created) < now - timedelta(days=300)
        assert max(created) > now - timedelta(days=30)
        assert all(c < now for c in created)
        won = Docking.objects.filter(status=DockingStatus.WON)
        assert all(d.contract_amount > 0 and d.contract_signed_on for d in won)
        assert all(
            d.status == DemandStatus.RESOLVED for d in Demand.objects.filter(dockings__in=won)
        )
        notes = DockingNote.objects.select_related("docking")
        assert notes.filter(kind="meeting", meeting_at__isnull=False).exists()
        assert all(n.docking.started_at <= n.at < now for n in notes)
        assert all(
            d.outcome_reason for d in Docking.objects.filter(status__in=["lost", "declined"])
        )

    def test_brokers_have_profiles_and_rewards(self, demo):
        brokers = User.objects.filter(role=Role.BROKER)
        assert brokers.count() == len(demands.BROKERS) == 5
        profiles = BrokerProfile.objects.filter(user__in=brokers)
        assert profiles.count() == 5
        assert all(p.certificate_no and p.employer and p.specialties for p in profiles)
        assert all(p.clusters.exists() for p in profiles)
        rewards = BrokerReward.objects.all()
        assert rewards.filter(amount_fen__gt=0).count() >= 3
        assert rewards.filter(amount_fen__lt=0).count() == 1
        for reward in rewards:
            assert reward.broker.user_id in (
                reward.docking.broker_id,
                reward.docking.demand.broker_id,
            )

    def test_the_demo_accounts_find_work_on_log_in(self, demo):
        boss = User.objects.get(username="shoe_boss")
        own = Demand.objects.filter(enterprise__name=data.SHOE_COMPANY)
        assert len(set(own.values_list("status", flat=True))) >= 5
        assert Demand.objects.visible_to(boss).filter(status="draft").exists()  # staff's draft
        lab = User.objects.get(username="lab_admin")
        waiting = Docking.objects.filter(
            provider__name=data.TEST_LAB, status=DockingStatus.PROPOSED
        ).exclude(respond_by__lt=timezone.now())
        assert waiting.exists()
        assert Docking.objects.visible_to(lab).filter(pk__in=waiting).count() == waiting.count()

    def test_a_second_load_adds_nothing(self, demo):
        before = counts()
        again = data.load(scale=1)
        assert again.demands_created == {} and again.dockings_created == {}
        assert not again.created_anything
        assert counts() == before

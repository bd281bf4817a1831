"""Demand and docking lifecycles through the actions: states, history, notifications, refusals
that change nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog.tests.factories import make_provider, make_resource
from atelier.core.errors import ActionError, InvalidTransition, NotAllowed
from atelier.core.models import AuditEntry, Notification, StatusChange
from atelier.core.workflow import history
from atelier.orgs.tests.factories import pdf_bytes

from .. import actions
from ..models import (
    BrokerReward,
    Demand,
    DemandStatus,
    Docking,
    DockingStatus,
    MatchWeights,
    working_days_after,
)
from .factories import make_broker, make_demand, make_docking, make_enterprise, member_of, operator

pytestmark = pytest.mark.django_db(transaction=False)


def states(obj) -> list[str]:
    return [c.to_state for c in history(obj)]


def test_demand_lifecycle_records_who_when_from_to(django_capture_on_commit_callbacks):
    enterprise = make_enterprise()
    boss = member_of(enterprise)
    op = operator()
    data = {
        "type": "testing",
        "title": "童鞋邻苯二甲酸酯检测",
        "description": "出口欧盟的童鞋需要做邻苯检测。",
        "deadline": timezone.localdate() + timedelta(days=30),
    }
    with django_capture_on_commit_callbacks(execute=True):
        demand = actions.demand_create(boss, enterprise, data, submit=True)
    assert demand.status == DemandStatus.SUBMITTED
    # The operators are told a demand waits for review, in-app and by e-mail.
    assert Notification.objects.filter(user=op, title__contains="童鞋邻苯").exists()
    with django_capture_on_commit_callbacks(execute=True):
        actions.demand_publish(op, demand)
    assert Notification.objects.filter(user=boss, title__contains="已发布").exists()
    assert any("童鞋邻苯" in m.subject for m in mail.outbox)
    actions.demand_resolve(boss, demand, note="已找到检测机构")
    assert states(demand) == ["submitted", "published", "resolved"]
    change = history(demand).last()
    assert (change.actor, change.from_state, change.reason) == (boss, "published", "已找到检测机构")
    assert AuditEntry.objects.filter(verb="demand.resolve", object_id=str(demand.pk)).exists()


def test_transitions_out_of_order_fail_and_change_nothing():
    demand = make_demand(published=False)
    assert demand.status == DemandStatus.DRAFT
    before = StatusChange.objects.count()
    with pytest.raises(InvalidTransition, match="草稿"):
        actions.demand_publish(operator(), demand)
    with pytest.raises(InvalidTransition):
        actions.demand_renew(
            member_of(demand.enterprise), demand, deadline=timezone.localdate() + timedelta(9)
        )
    demand.refresh_from_db()
    assert demand.status == DemandStatus.DRAFT
    assert StatusChange.objects.count() == before


def test_reject_needs_a_reason_and_only_operators_review():
    demand = make_demand(published=False)
    actions.demand_submit(member_of(demand.enterprise), demand)
    with pytest.raises(ActionError, match="原因"):
        actions.demand_reject(operator(), demand, reason="  ")
    with pytest.raises(NotAllowed):
        actions.demand_publish(member_of(demand.enterprise), demand)
    actions.demand_reject(operator(), demand, reason="描述中含有联系电话")
    demand.refresh_from_db()
    assert demand.status == DemandStatus.REJECTED
    # Rejected demands can be edited and submitted again.
    actions.demand_update(member_of(demand.enterprise), demand, {"description": "已删去电话"})
    actions.demand_submit(member_of(demand.enterprise), demand)
    assert states(demand)[-2:] == ["rejected", "submitted"]


def test_outsiders_cannot_post_or_edit_for_an_enterprise():
    enterprise = make_enterprise()
    stranger = make_user()
    data = {"type": "rnd", "title": "x", "description": "y", "deadline": timezone.localdate()}
    with pytest.raises(NotAllowed):
        actions.demand_create(stranger, enterprise, data)
    demand = make_demand(enterprise=enterprise, published=False)
    with pytest.raises(NotAllowed):
        actions.demand_update(stranger, demand, {"title": "改了"})
    assert Demand.objects.get(pk=demand.pk).title == demand.title


def test_bad_input_is_refused_with_reasons():
    enterprise = make_enterprise()
    boss = member_of(enterprise)
    base = {"type": "rnd", "title": "鞋底研发", "description": "需要新鞋底"}
    with pytest.raises(ValidationError) as exc:
        actions.demand_create(
            boss, enterprise, {**base, "deadline": timezone.localdate() - timedelta(1)}
        )
    assert "截止日期" in str(exc.value)
    with pytest.raises(ValidationError):
        actions.demand_create(
            boss, enterprise,
            {**base, "deadline": timezone.localdate(), "budget_min": Decimal(5),
             "budget_max": Decimal(1)},
        )  # fmt: skip
    fake = SimpleUploadedFile(
        "drawing.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    with pytest.raises(ValidationError, match="PDF"):
        actions.demand_create(boss, enterprise, {**base, "deadline": timezone.localdate()},
                              attachments=[fake])  # fmt: skip
    assert not Demand.objects.filter(enterprise=enterprise).exists()
    good = SimpleUploadedFile("drawing.pdf", pdf_bytes(), content_type="application/pdf")
    demand = actions.demand_create(
        boss, enterprise, {**base, "deadline": timezone.localdate()}, attachments=[good]
    )
    assert demand.attachments.count() == 1


def test_docking_start_accept_note_sign_resolves_demand(django_capture_on_commit_callbacks):
    broker = make_broker()
    demand = make_demand(broker=broker)
    provider = make_provider()
    resource = make_resource(provider=provider)
    with django_capture_on_commit_callbacks(execute=True):
        docking = actions.docking_start(
            broker.user, demand, provider=provider, resource=resource, message="请评估"
        )
    assert docking.status == DockingStatus.PROPOSED and docking.initiator == "broker"
    assert docking.respond_by is not None and docking.respond_by > timezone.now()
    demand.refresh_from_db()
    assert demand.status == DemandStatus.DOCKING
    provider_user = member_of(provider)
    assert Notification.objects.filter(user=provider_user, title__contains="对接邀请").exists()
    actions.docking_accept(provider_user, docking)
    assert docking.responded_at is not None
    with pytest.raises(ValidationError):
        actions.docking_note(provider_user, docking, kind="meeting", text="线下会谈")  # no time
    actions.docking_note(
        provider_user, docking, kind="meeting", text="到厂看样", meeting_at=timezone.now(),
        location="鹿城区工厂",
    )  # fmt: skip
    for bad in ("0", "-5", "abc", "1.234", "NaN"):
        with pytest.raises(ValidationError):
            actions.docking_sign(member_of(demand.enterprise), docking, amount=bad)
    assert Docking.objects.get(pk=docking.pk).status == DockingStatus.ACTIVE
    actions.docking_sign(member_of(demand.enterprise), docking, amount="128,000.50")
    docking.refresh_from_db()
    demand.refresh_from_db()
    assert docking.status == DockingStatus.WON
    assert docking.contract_amount == Decimal("128000.50")
    assert demand.status == DemandStatus.RESOLVED
    assert states(docking) == ["active", "won"]


def test_declined_last_docking_reopens_the_demand():
    demand = make_demand()
    docking = make_docking(demand)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.DOCKING
    with pytest.raises(ActionError, match="原因"):
        actions.docking_decline(member_of(docking.provider), docking, reason="")
    actions.docking_decline(member_of(docking.provider), docking, reason="排期已满")
    demand.refresh_from_db()
    assert demand.status == DemandStatus.PUBLISHED
    assert states(demand)[-2:] == ["docking", "published"]


def test_one_live_docking_per_provider():
    demand = make_demand()
    provider = make_provider()
    make_docking(demand, provider=provider)
    with pytest.raises(ActionError, match="进行中的对接"):
        actions.docking_start(operator(), demand, provider=provider)
    assert Docking.objects.filter(demand=demand).count() == 1


def test_provider_cannot_accept_its_own_interest_or_act_on_others():
    demand = make_demand()
    provider = make_provider()
    docking = actions.docking_interest(member_of(provider), demand, provider=provider)
    assert docking.status == DockingStatus.INTERESTED
    with pytest.raises(NotAllowed):
        actions.docking_accept(member_of(provider), docking)
    other = make_provider()
    with pytest.raises(NotAllowed):
        actions.docking_note(member_of(other), docking, kind="note", text="插一句")
    with pytest.raises(NotAllowed):
        actions.docking_start(member_of(other), demand, provider=other)
    # The enterprise accepts the interest: its identity is revealed to that provider.
    actions.docking_accept(member_of(demand.enterprise), docking)
    assert docking.status == DockingStatus.ACTIVE and docking.identity_revealed


def test_anonymous_interest_goes_to_the_broker(django_capture_on_commit_callbacks):
    broker = make_broker()
    demand = make_demand(anonymous=True, broker=broker)
    provider = make_provider()
    with django_capture_on_commit_callbacks(execute=True):
        docking = actions.docking_interest(member_of(provider), demand, provider=provider)
    assert Notification.objects.filter(user=broker.user, title__contains="意向").exists()
    assert not Notification.objects.filter(
        user=member_of(demand.enterprise), title__contains="意向"
    ).exists()
    actions.docking_accept(broker.user, docking)
    assert docking.status == DockingStatus.ACTIVE
    assert not docking.identity_revealed  # the broker may not reveal the enterprise
    with pytest.raises(NotAllowed):
        actions.docking_reveal(broker.user, docking)
    actions.docking_reveal(member_of(demand.enterprise), docking)
    assert Docking.objects.get(pk=docking.pk).identity_revealed


def test_closing_a_demand_cancels_its_live_dockings():
    demand = make_demand()
    live = make_docking(demand)
    won = make_docking(make_demand(), status=DockingStatus.WON)
    actions.demand_close(member_of(demand.enterprise), demand, reason="项目取消")
    live.refresh_from_db()
    assert live.status == DockingStatus.CANCELLED
    assert Docking.objects.get(pk=won.pk).status == DockingStatus.WON


def test_expiry_and_renewal():
    demand = make_demand()
    Demand.objects.filter(pk=demand.pk).update(deadline=timezone.localdate() - timedelta(1))
    expired = actions.demands_expire()
    assert [d.pk for d in expired] == [demand.pk]
    demand.refresh_from_db()
    assert demand.status == DemandStatus.EXPIRED
    assert actions.demands_expire() == []  # idempotent
    with pytest.raises(ActionError, match="晚于今天"):
        actions.demand_renew(member_of(demand.enterprise), demand, deadline=timezone.localdate())
    actions.demand_renew(
        member_of(demand.enterprise), demand, deadline=timezone.localdate() + timedelta(30)
    )
    demand.refresh_from_db()
    assert demand.status == DemandStatus.PUBLISHED
    assert states(demand)[-2:] == ["expired", "published"]


def test_overdue_dockings_are_flagged_and_reminded(django_capture_on_commit_callbacks):
    demand = make_demand()
    late = make_docking(demand, respond_by=timezone.now() - timedelta(hours=2))
    make_docking(demand)  # still within its deadline
    assert list(Docking.objects.overdue()) == [late]
    assert late.is_overdue
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.dockings_flag_overdue() == 1
    assert Notification.objects.filter(
        user=member_of(late.provider), title__contains="超时"
    ).exists()


def test_working_days_skip_weekends():
    friday = timezone.datetime(2026, 11, 20, 10, 0)
    assert working_days_after(friday, 3).date() == timezone.datetime(2026, 11, 25).date()
    assert working_days_after(friday, 1).weekday() == 0


def test_translation_by_broker_only_and_used_for_matching():
    demand = make_demand()
    with pytest.raises(NotAllowed):
        actions.demand_translate(member_of(demand.enterprise), demand, {"tech_keywords": "x"})
    broker = make_broker()
    with pytest.raises(ValidationError):
        actions.demand_translate(broker.user, demand, {})
    actions.demand_translate(
        broker.user, demand,
        {"tech_keywords": "聚氨酯发泡；泡孔结构", "tech_standards": "GB/T 3903.6-2017"},
    )  # fmt: skip
    demand.refresh_from_db()
    assert demand.translated and demand.translated_by == broker.user
    assert "聚氨酯发泡" in demand.matching_text() and demand.description in demand.matching_text()


def test_assigning_a_broker_checks_the_registry():
    demand = make_demand()
    not_broker = make_user(Role.EXPERT)
    with pytest.raises(ActionError, match="在册"):
        actions.demand_assign_broker(operator(), demand, not_broker)
    broker = make_broker()
    actions.demand_assign_broker(operator(), demand, broker.user)
    assert Demand.objects.get(pk=demand.pk).broker == broker.user


def test_rewards_are_append_only_fen():
    broker = make_broker()
    op = operator()
    for bad in ("0", "abc", "1.234"):
        with pytest.raises(ValidationError):
            actions.broker_reward(op, broker, amount=bad, reason="撮合奖励")
    actions.broker_reward(op, broker, amount="1500.10", reason="撮合奖励")
    actions.broker_reward(op, broker, amount="-0.10", reason="更正")
    assert sorted(BrokerReward.objects.values_list("amount_fen", flat=True)) == [-10, 150010]
    with pytest.raises(NotAllowed):
        actions.broker_reward(broker.user, broker, amount="1", reason="自己给自己")


def test_weights_are_versioned_and_bounded():
    op = operator()
    with pytest.raises(ValidationError):
        actions.weights_save(op, {"voucher": "9"})
    with pytest.raises(ValidationError):
        actions.weights_save(op, {"relevance": "0"})
    with pytest.raises(NotAllowed):
        actions.weights_save(make_user(), {"voucher": "0.5"})
    assert MatchWeights.objects.count() == 0
    actions.weights_save(op, {"voucher": "0.5"})
    actions.weights_save(op, {"voucher": "0.2"})
    assert MatchWeights.objects.count() == 2
    assert MatchWeights.current().voucher == Decimal("0.20")


def test_daily_commands(capsys):
    from django.core.management import call_command

    demand = make_demand()
    Demand.objects.filter(pk=demand.pk).update(deadline=timezone.localdate() - timedelta(2))
    make_docking(make_demand(), respond_by=timezone.now() - timedelta(days=1))
    call_command("expire_demands")
    call_command("remind_dockings")
    out = capsys.readouterr().out
    assert "1 条" in out and "1 个对接" in out
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.EXPIRED

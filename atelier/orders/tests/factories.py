"""Factories for the booking tests; everything goes through the real actions."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from atelier.accounts.tests.factories import make_user
from atelier.catalog.models import ResourceKind
from atelier.catalog.tests.factories import make_provider, make_resource
from atelier.orgs.tests.factories import make_org

from ..models import InstrumentSchedule, Qualification

# A fixed Monday far enough ahead: slots on it are never in the past.
MONDAY = date(2030, 6, 3)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """An aware datetime in the platform's time zone (Asia/Shanghai)."""
    return datetime.combine(day, time(hh, mm), tzinfo=timezone.get_current_timezone())


def make_instrument(*, provider=None, **schedule):
    provider = provider or make_provider()
    resource = make_resource(
        provider=provider,
        kind=ResourceKind.INSTRUMENT,
        title="三维足型扫描仪",
        category="仪器设备",
        detail={"location": "鹿城区鞋都", "fee_per_hour": "200"},
    )
    schedule.setdefault("requires_approval", False)
    schedule.setdefault("internal_fee_fen", 10_000)
    schedule.setdefault("external_fee_fen", 20_000)
    InstrumentSchedule.objects.create(resource=resource, **schedule)
    return resource


def manager_of(resource):
    return resource.provider.memberships.first().user


def make_booker():
    """A user of an enterprise (not the instrument's provider): external price group."""
    user = make_user()
    make_org(admin=user, verified=True)
    return user


def qualify(resource, user):
    return Qualification.objects.create(resource=resource, user=user, granted_by=None)


def slot(day=MONDAY, start=9, hours=1):
    return at(day, start), at(day, start) + timedelta(hours=hours)

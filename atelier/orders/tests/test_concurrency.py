"""Many overlapping bookings of one slot at once (PostgreSQL: each thread has its own connection
and transaction; SQLite serialises writers anyway and is covered by `atelier bench bookings`)."""

import pytest
from django.db import connection  # noqa: F401  (read by the skipif condition)

from ..benchmarks import count_overlaps, race
from ..models import Booking, BookingQuerySet
from .factories import make_booker, make_instrument, slot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="PostgreSQL exclusion constraint"
    ),
]

THREADS = 24


@pytest.fixture(autouse=True)
def reference_data():
    # A transactional test starts from a flushed database: put the districts etc. back.
    from atelier.core.reference import sync_reference_data

    sync_reference_data()


def test_exactly_one_of_many_overlapping_bookings_commits():
    resource = make_instrument()
    users = [make_booker() for _ in range(THREADS)]
    outcomes = race(resource, users, slot()[0])
    assert outcomes.count("ok") == 1
    assert set(outcomes) == {"ok", "overlap"}
    assert Booking.objects.filter(resource=resource).count() == 1
    assert count_overlaps(resource) == 0


def test_the_database_alone_refuses_the_overlap(monkeypatch):
    # Without the friendly pre-check, the exclusion constraint still lets only one through,
    # and its violation reaches the user as the same Conflict.
    monkeypatch.setattr(BookingQuerySet, "overlapping", lambda self, *a: self.none())
    resource = make_instrument()
    users = [make_booker() for _ in range(THREADS)]
    outcomes = race(resource, users, slot()[0])
    assert outcomes.count("ok") == 1 and outcomes.count("overlap") == THREADS - 1
    assert count_overlaps(resource) == 0

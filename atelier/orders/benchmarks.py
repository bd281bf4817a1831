"""`atelier bench bookings --concurrency C`: C threads, each with its own database connection,
try to book overlapping slots of one instrument at the same moment (a barrier releases them
together) through `actions.booking_create`. Afterwards the committed live bookings are compared
pairwise; `overlaps` must be 0.

Runs in a throw-away database on the backend DATABASE_URL names (a test database: migrated,
reference data synced, dropped at the end), so it never touches real bookings.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.db import connection


def race(resource, users, start, *, offset_minutes: int = 10):
    """Every user tries [start + (i·offset mod 60) min, +1 h) at once; returns the outcomes
    ("ok" or the refusal code), one per user."""
    from atelier.core.errors import ActionError
    from atelier.orders import actions

    barrier = threading.Barrier(len(users))

    def attempt(i_user):
        from django.db import connection as conn

        i, user = i_user
        begin = start + timedelta(minutes=(i * offset_minutes) % 60)
        try:
            barrier.wait()
            end = begin + timedelta(hours=1)
            actions.booking_create(
                actor=user, resource=resource, start=begin, end=end, purpose="并发预约基准"
            )
            return "ok"
        except ActionError as exc:
            return exc.code
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        outcomes = list(pool.map(attempt, enumerate(users)))
    return outcomes


def count_overlaps(resource) -> int:
    from atelier.orders.models import Booking

    rows = list(Booking.objects.live().filter(resource=resource).values_list("start", "end"))
    return sum(1 for i, (a, b) in enumerate(rows) for c, d in rows[i + 1 :] if a < d and c < b)


def setup(concurrency: int):
    """One instrument (no approval needed) and C booking users; returns (resource, users, start)."""
    from django.utils import timezone

    from atelier.accounts.models import User
    from atelier.catalog.models import ResourceKind
    from atelier.catalog.tests.factories import make_resource
    from atelier.orders.models import InstrumentSchedule
    from atelier.orders.tests.factories import at

    resource = make_resource(kind=ResourceKind.INSTRUMENT, title="基准仪器", category="仪器设备")
    InstrumentSchedule.objects.create(resource=resource, requires_approval=False)
    users = [
        User.objects.create_user(username=f"bench{i}", password=None, name=f"基准用户{i}")
        for i in range(concurrency)
    ]
    day = timezone.localdate() + timedelta(days=7)
    day -= timedelta(days=day.weekday())  # a Monday at least a day ahead
    return resource, users, at(day, 9)


def run_bookings_bench(*, concurrency: int):
    from atelier.core.reference import sync_reference_data

    tmp = tempfile.mkdtemp(prefix="atelier-bench-")
    old_name = connection.settings_dict["NAME"]
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        connection.settings_dict.setdefault("TEST", {})["NAME"] = os.path.join(tmp, "book.sqlite3")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    try:
        sync_reference_data()
        resource, users, start = setup(concurrency)
        connection.close()  # the threads open their own connections
        started = time.perf_counter()
        outcomes = race(resource, users, start)
        seconds = time.perf_counter() - started
        committed = outcomes.count("ok")
        reasons = {}
        for o in outcomes:
            if o != "ok":
                reasons[o] = reasons.get(o, 0) + 1
        yield {
            "bench": "bookings",
            "backend": connection.vendor,
            "attempts": len(outcomes),
            "committed": committed,
            "rejected": len(outcomes) - committed,
            "overlaps": count_overlaps(resource),
            "reasons": reasons,
            "seconds": round(seconds, 3),
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        shutil.rmtree(tmp, ignore_errors=True)

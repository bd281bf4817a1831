"""The demo's shared instruments (atelier.demo.bookings): bookings in every status, no two live
bookings of one instrument overlap, the utilisation figures are meaningful, the reports are
issued (one revoked), and a second load adds nothing.

Like test_demo.py, the base set is loaded once for the package (conftest.py) in a
transaction that is rolled back at the end; each test runs in its own savepoint on top of it.
"""

from collections import defaultdict

import pytest
from django.utils import timezone

from atelier.catalog.models import Resource
from atelier.demo import bookings
from atelier.orders import utilisation
from atelier.orders.models import (
    LIVE_STATUSES,
    Booking,
    BookingStatus,
    Closure,
    Qualification,
    Usage,
    Violation,
    WaitlistEntry,
)
from atelier.reports.models import ReportStatus, TestReport


def counts() -> dict[str, int]:
    return {
        "bookings": Booking.objects.count(),
        "usages": Usage.objects.count(),
        "violations": Violation.objects.count(),
        "closures": Closure.objects.count(),
        "qualifications": Qualification.objects.count(),
        "waitlist": WaitlistEntry.objects.count(),
        "reports": TestReport.objects.count(),
    }


@pytest.mark.django_db
class TestDemoBookings:
    def test_every_status_appears(self, demo):
        statuses = set(Booking.objects.values_list("status", flat=True))
        assert statuses == set(BookingStatus.values)
        assert demo.bookings.bookings == Booking.objects.count() > 5_000
        assert Booking.objects.filter(moved_from__isnull=False).exists()
        assert Violation.objects.count() == Booking.objects.filter(status="void").count() > 3
        assert WaitlistEntry.objects.filter(user__username="shoe_staff").exists()
        assert Closure.objects.filter(kind="holiday").exists()
        assert Closure.objects.filter(kind="maintenance").exists()

    def test_no_overlapping_live_bookings(self, demo):
        rows = defaultdict(list)
        for resource, start, end in Booking.objects.filter(status__in=LIVE_STATUSES).values_list(
            "resource_id", "start", "end"
        ):
            rows[resource].append((start, end))
        for spans in rows.values():
            spans.sort()
            for (_a, b), (c, _d) in zip(spans, spans[1:], strict=False):
                assert b <= c

    def test_history_is_consistent(self, demo):
        completed = Booking.objects.filter(status="completed")
        assert completed.count() == Usage.objects.filter(stopped_at__isnull=False).count()
        assert not completed.filter(usage__isnull=True).exists()
        assert not Usage.objects.filter(stopped_at__isnull=False, fee_fen__isnull=True).exists()
        now = timezone.now()
        assert not Booking.objects.filter(status="requested", start__lt=now).exists()
        needs = Qualification.objects.values_list("resource_id", "user_id")
        qualified = set(needs)
        strict = Booking.objects.filter(resource__schedule__requires_qualification=True)
        assert strict.exists()
        assert all(pair in qualified for pair in strict.values_list("resource_id", "user_id"))

    def test_utilisation_figures(self, demo):
        year = timezone.localdate().year - 1
        rep = utilisation.report(Resource.objects.filter(kind="instrument"), year)
        busy = [f for f in rep.instruments if f.uses]
        assert len(busy) >= 15
        assert all(f.effective_hours > 300 and f.external_hours > 0 for f in busy)
        labs = [lab for lab in rep.labs if lab.uses]
        assert {lab.label for lab in labs} == set(bookings.LABS)
        assert all(0 < lab.sharing_rate < 1 for lab in labs)
        assert rep.total.income_fen > 0
        assert len({f.hours_grade for f in busy}) > 1  # graded across bands

    def test_reports(self, demo):
        reports = TestReport.objects.filter(client__name=bookings.SHOE_COMPANY)
        assert reports.count() == 5
        assert reports.filter(status=ReportStatus.REVOKED).count() == 1
        assert reports.filter(status=ReportStatus.ISSUED).count() == 4
        assert all(len(r.sha256) == 64 for r in reports)

    def test_a_second_load_adds_nothing(self, demo):
        before = counts()
        again = bookings.load(account=lambda name: None)
        assert not again
        assert counts() == before

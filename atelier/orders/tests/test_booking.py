from datetime import timedelta

import pytest

from atelier.core.errors import ActionError
from atelier.core.models import Notification, StatusChange

from .. import actions
from ..models import Booking, Closure, Violation, WaitlistEntry
from .factories import MONDAY, at, make_booker, make_instrument, manager_of, qualify, slot

pytestmark = pytest.mark.django_db


def book(resource, user, start, end, **kw):
    return actions.booking_create(
        actor=user, resource=resource, start=start, end=end, purpose="足型测量", **kw
    )


def refused(code, resource, user, start, end, **kw):
    before = (Booking.objects.count(), StatusChange.objects.count())
    with pytest.raises(ActionError) as exc:
        book(resource, user, start, end, **kw)
    assert exc.value.code == code
    assert exc.value.message
    assert (Booking.objects.count(), StatusChange.objects.count()) == before


class TestBookingCreate:
    def test_it_books_a_free_slot(self):
        resource, user = make_instrument(), make_booker()
        b = book(resource, user, *slot())
        assert b.status == "confirmed" and b.price_group == "external"
        assert b.organization == user.memberships.first().organization

    def test_it_asks_for_approval_when_required(self):
        resource = make_instrument(requires_approval=True)
        b = book(resource, make_booker(), *slot())
        assert b.status == "requested"
        actions.booking_approve(actor=manager_of(resource), booking=b)
        b.refresh_from_db()
        assert b.status == "confirmed"

    def test_provider_staff_book_at_the_internal_price(self):
        resource = make_instrument()
        b = book(resource, manager_of(resource), *slot())
        assert b.price_group == "internal"

    def test_it_refuses_the_past(self):
        resource = make_instrument()
        refused("in_past", resource, make_booker(), *slot(), now=at(MONDAY, 10))

    def test_it_refuses_closed_hours(self):
        resource, user = make_instrument(), make_booker()
        refused("closed_hours", resource, user, *slot(start=12))  # lunch break
        refused("closed_hours", resource, user, *slot(start=17))  # past 17:30
        refused("closed_hours", resource, user, *slot(day=MONDAY + timedelta(days=5)))  # Sat

    def test_it_refuses_maintenance(self):
        resource = make_instrument()
        Closure.objects.create(
            resource=resource, start=at(MONDAY, 8), end=at(MONDAY, 12), kind="maintenance"
        )
        refused("closure", resource, make_booker(), *slot(start=10))

    def test_it_refuses_an_overlap(self):
        resource = make_instrument()
        book(resource, make_booker(), *slot(start=9, hours=2))
        refused("overlap", resource, make_booker(), at(MONDAY, 10), at(MONDAY, 11, 30))
        book(resource, make_booker(), *slot(start=11))  # touching is fine: [9, 11) and [11, 12)

    def test_it_refuses_the_unqualified(self):
        resource, user = make_instrument(requires_qualification=True), make_booker()
        refused("unqualified", resource, user, *slot())
        qualify(resource, user)
        assert book(resource, user, *slot()).pk

    def test_a_cancelled_slot_is_free_again(self):
        resource, user = make_instrument(), make_booker()
        b = book(resource, user, *slot())
        actions.booking_cancel(actor=user, booking=b)
        assert book(resource, make_booker(), *slot()).status == "confirmed"


class TestCancelAndMove:
    def test_cancel_notifies_the_first_on_the_waitlist(self, django_capture_on_commit_callbacks):
        resource, user = make_instrument(), make_booker()
        b = book(resource, user, *slot())
        first, second, elsewhere = make_booker(), make_booker(), make_booker()
        actions.waitlist_join(actor=elsewhere, resource=resource, start=at(MONDAY, 14),
                              end=at(MONDAY, 15))  # fmt: skip
        actions.waitlist_join(actor=first, resource=resource, start=slot()[0], end=slot()[1])
        actions.waitlist_join(actor=second, resource=resource, start=slot()[0], end=slot()[1])
        with pytest.raises(ActionError):
            actions.booking_cancel(actor=make_booker(), booking=b)  # an outsider
        with django_capture_on_commit_callbacks(execute=True):
            actions.booking_cancel(actor=user, booking=b)
        assert list(Notification.objects.filter(user__in=[first, second, elsewhere])
                    .values_list("user", flat=True)) == [first.pk]  # fmt: skip
        assert WaitlistEntry.objects.filter(notified_at__isnull=False).get().user == first

    def test_cancel_notifies_after_commit_only(self, django_capture_on_commit_callbacks):
        resource, user = make_instrument(), make_booker()
        b = book(resource, user, *slot())
        waiting = make_booker()
        actions.waitlist_join(actor=waiting, resource=resource, start=slot()[0], end=slot()[1])
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            actions.booking_cancel(actor=user, booking=b)
        assert callbacks and not Notification.objects.filter(user=waiting).exists()

    def test_move_links_the_new_booking_to_the_old(self):
        resource, user = make_instrument(), make_booker()
        old = book(resource, user, *slot(start=9))
        new = actions.booking_move(actor=user, booking=old, start=at(MONDAY, 9, 30),
                                   end=at(MONDAY, 10, 30))  # fmt: skip
        old.refresh_from_db()
        assert old.status == "moved" and new.moved_from == old and old.moved_to == new
        assert new.user == user and new.status == "confirmed"

    def test_a_refused_move_changes_nothing(self):
        resource, user = make_instrument(), make_booker()
        old = book(resource, user, *slot(start=9))
        book(resource, make_booker(), *slot(start=14))
        with pytest.raises(ActionError) as exc:
            actions.booking_move(actor=user, booking=old, start=at(MONDAY, 14),
                                 end=at(MONDAY, 15))  # fmt: skip
        assert exc.value.code == "overlap"
        old.refresh_from_db()
        assert old.status == "confirmed" and Booking.objects.count() == 2


class TestUsageAndFees:
    def test_hourly_fee_by_price_group(self):
        resource = make_instrument()  # ¥100 internal, ¥200 external per hour
        b = book(resource, make_booker(), *slot(start=9, hours=2))
        manager = manager_of(resource)
        actions.usage_start(actor=manager, booking=b, at=at(MONDAY, 9, 5))
        usage = actions.usage_stop(actor=manager, booking=b, at=at(MONDAY, 10, 35))
        assert usage.seconds == 5400 and usage.fee_fen == 30_000  # 1.5 h × ¥200
        b.refresh_from_db()
        assert b.status == "completed"

    def test_per_sample_fee(self):
        resource = make_instrument(fee_basis="sample", internal_fee_fen=5_000)
        manager = manager_of(resource)
        b = book(resource, manager, *slot())
        actions.usage_start(actor=manager, booking=b, at=at(MONDAY, 9))
        usage = actions.usage_stop(actor=manager, booking=b, samples=7, at=at(MONDAY, 9, 40))
        assert usage.fee_fen == 35_000

    def test_only_the_manager_records_use(self):
        resource, user = make_instrument(), make_booker()
        b = book(resource, user, *slot())
        with pytest.raises(ActionError) as exc:
            actions.usage_start(actor=user, booking=b)
        assert exc.value.code == "permission_denied"


class TestNoShows:
    def test_three_no_shows_block_booking_for_thirty_days(self):
        resource, user = make_instrument(), make_booker()
        for week in range(3):
            day = MONDAY + timedelta(days=7 * week)
            b = book(resource, user, *slot(day=day), now=at(MONDAY, 0))
            assert actions.mark_no_shows(now=at(day, 9, 59)) == []  # not yet an hour
            (violation,) = actions.mark_no_shows(now=at(day, 10))
            b.refresh_from_db()
            assert b.status == "void" and violation.booking == b
        assert Violation.objects.filter(user=user).count() == 3
        later = MONDAY + timedelta(days=15)  # Wednesday after the third violation
        refused("blocked", resource, user, *slot(day=later), now=at(later, 0))
        free = MONDAY + timedelta(days=14 + 31)
        assert book(resource, user, *slot(day=free), now=at(free, 0)).pk

    def test_two_no_shows_do_not_block(self):
        resource, user = make_instrument(), make_booker()
        for week in range(2):
            day = MONDAY + timedelta(days=7 * week)
            book(resource, user, *slot(day=day), now=at(MONDAY, 0))
            actions.mark_no_shows(now=at(day, 12))
        day = MONDAY + timedelta(days=15)
        assert book(resource, user, *slot(day=day), now=at(day, 0)).pk

    def test_a_started_booking_is_not_a_no_show(self):
        resource, user = make_instrument(), make_booker()
        b = book(resource, user, *slot())
        actions.usage_start(actor=manager_of(resource), booking=b, at=at(MONDAY, 9, 30))
        assert actions.mark_no_shows(now=at(MONDAY, 12)) == []
        assert not Violation.objects.exists()

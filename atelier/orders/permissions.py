"""Who manages an instrument and who reads its figures.

- The instrument manager is an admin or member of the instrument's provider organisation
  (`orgs.Membership`); superusers too. Managers approve, record use and mark no-shows.
- Any signed-in user books (subject to the rules in `actions.booking_create`) and sees their own
  bookings; managers see their instruments' bookings.
- Utilisation: platform readers (operator, reviewer, finance, auditor, sysadmin) see every
  instrument; provider members see their own organisation's.
"""

from atelier.accounts.models import READ_ALL_ROLES, Role
from atelier.catalog.models import Resource, ResourceKind


def _auth(user) -> bool:
    return bool(user and user.is_authenticated)


def reads_all(user) -> bool:
    return _auth(user) and (
        user.is_superuser or user.role in READ_ALL_ROLES or user.role == Role.REVIEWER
    )


def can_manage_instrument(user, resource) -> bool:
    if not _auth(user):
        return False
    if user.is_superuser:
        return True
    return resource.provider.memberships.filter(user=user).exists()


def can_change_booking(user, booking) -> bool:
    """The booker or a manager may cancel or move a booking."""
    return _auth(user) and (
        booking.user_id == user.pk or can_manage_instrument(user, booking.resource)
    )


def managed_instruments(user):
    qs = Resource.objects.filter(kind=ResourceKind.INSTRUMENT)
    if not _auth(user):
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(provider__memberships__user=user).distinct()


def utilisation_instruments(user):
    qs = Resource.objects.filter(kind=ResourceKind.INSTRUMENT)
    if reads_all(user):
        return qs
    return managed_instruments(user)

"""Login throttling backed by the LoginAttempt table, so every process (demo server, gunicorn
workers) sees the same counts without a shared cache."""

import math
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import LoginAttempt


def _key(identifier: str) -> str:
    return (identifier or "").strip().lower()[:150]


def locked_for(identifier: str, ip: str | None) -> int:
    """Seconds until the next attempt is allowed for this identifier or address; 0 if allowed."""
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    since = timezone.now() - window
    limits = [(dict(identifier=_key(identifier)), settings.LOGIN_MAX_FAILURES)]
    if ip:
        # One address may try several accounts (a shared office NAT), but not without bound.
        limits.append((dict(ip=ip), settings.LOGIN_MAX_FAILURES * 4))
    wait = 0
    for where, limit in limits:
        last_ok = (
            LoginAttempt.objects.filter(succeeded=True, at__gte=since, **where)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        failures = LoginAttempt.objects.filter(
            succeeded=False, at__gte=max(since, last_ok) if last_ok else since, **where
        ).order_by("-at")
        if failures.count() >= limit:
            oldest_counted = failures.values_list("at", flat=True)[limit - 1]
            remaining = (oldest_counted + window - timezone.now()).total_seconds()
            wait = max(wait, math.ceil(remaining))
    return wait


def record_attempt(identifier: str, ip: str | None, succeeded: bool) -> None:
    LoginAttempt.objects.create(identifier=_key(identifier), ip=ip, succeeded=succeeded)


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None

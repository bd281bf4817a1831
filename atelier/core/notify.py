"""Notifications for steps that wait on someone: one in-app message per user (the bell) and an
e-mail to those with an address, both sent after the surrounding transaction commits, so a
rolled-back action notifies nobody. Mail goes through Django's EMAIL_BACKEND (the console in the
demo); a failing mail server never undoes the action, it is logged.

Notifications are stored as text and read by other people, whose language is not known: build
`title` and `body` inside `platform_language()`.
"""

import logging

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from django.db import transaction
from django.utils import translation

from .models import Notification

log = logging.getLogger(__name__)


def platform_language():
    return translation.override(settings.LANGUAGE_CODE)


def notify(users, *, title: str, body: str = "", url: str = "", email: bool = True) -> None:
    recipients = {u.pk: u for u in users if u is not None and getattr(u, "is_active", True)}
    if not recipients:
        return
    people = list(recipients.values())

    def send():
        Notification.objects.bulk_create(
            [Notification(user=u, title=title, body=body, url=url) for u in people]
        )
        if not email:
            return
        link = f"{settings.ATELIER_SITE_URL.rstrip('/')}{url}" if url else ""
        text = "\n\n".join(p for p in (body, link) if p)
        messages = [
            EmailMessage(f"[Atelier] {title}", text, settings.DEFAULT_FROM_EMAIL, [u.email])
            for u in people
            if u.email
        ]
        if not messages:
            return
        try:
            get_connection(fail_silently=False).send_messages(messages)
        except Exception:  # the action stands; the in-app message is there
            log.exception("sending %d notification e-mail(s) failed", len(messages))

    transaction.on_commit(send)

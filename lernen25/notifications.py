"""In-app notifications and their e-mails.

Services call ``notify`` inside their transaction. The rows are written at once; the e-mails go
out as a task after commit, only to people who want them (``Profile.email_notifications``), so
that a rolled-back action sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from lernen25.models import Notification


def notify(recipients: Iterable, *, verb: str, text: str, url: str = "", actor=None, email: bool = True) -> int:
    """Create one notification per recipient (never for the actor); mail those who want it."""
    rows = [
        Notification(recipient=user, actor=actor, verb=verb, text=str(text)[:500], url=url)
        for user in {user.pk: user for user in recipients if user is not None}.values()
        if actor is None or user.pk != actor.pk
    ]
    Notification.objects.bulk_create(rows)
    if email and rows:
        from lernen25.tasks import send_notification_mails

        ids = [row.recipient_id for row in rows]
        transaction.on_commit(
            lambda: send_notification_mails.enqueue(recipient_ids=ids, subject=str(text)[:150], text=str(text), url=url)
        )
    return len(rows)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given)."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())

"""In-app notifications and their e-mails, stored as a kind and parameters.

A notification is a registered **kind** (dotted, ``plc.join_request.created``) with
**parameters** (names, titles, reasons as they were at the time): the text is rendered when it is
read, in the reader's language, so a German notification is English for someone who switched
the site to English, and a corrected translation corrects old notifications too. Each app
registers its kinds at start-up (``register_kind`` in its ``notification_kinds.py``, imported by
its ``AppConfig.ready``); the core renders them without knowing the apps.

Services call ``notify`` inside their transaction. The rows are written at once; the e-mails go
out as a task after commit, only to people who want them (``Profile.email_notifications``), so
that a rolled-back action sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise

from lernen25.models import Notification


@dataclass(frozen=True)
class Kind:
    name: str
    text: Promise | Callable[[Mapping], str]  # a lazy msgid with %(param)s, or a function of the parameters


_KINDS: dict[str, Kind] = {}


def register_kind(name: str, text) -> None:
    """Register a notification kind: ``text`` is ``gettext_lazy("… %(title)s …")`` or ``f(params) -> str``."""
    if name in _KINDS:
        raise ImproperlyConfigured(f"The notification kind {name!r} is registered twice.")
    _KINDS[name] = Kind(name=name, text=text)


def registered_kinds() -> dict[str, Kind]:
    return dict(_KINDS)


def render(kind: str, params: Mapping) -> str:
    """The notification's text in the active language ("" for a kind no installed app registers)."""
    registered = _KINDS.get(kind)
    if registered is None:
        return ""
    if isinstance(registered.text, (str, Promise)):
        return str(registered.text) % dict(params)
    return str(registered.text(params))


def notify(
    recipients: Iterable, *, kind: str, params: Mapping | None = None, url: str = "", actor=None, email: bool = True
) -> int:
    """Create one notification per recipient (never for the actor); mail those who want it.

    ``params`` must be JSON values (strings, numbers); an unknown ``kind`` or a parameter the
    text does not get raises at once, in the service that called, not when someone reads it.
    """
    params = dict(params or {})
    if kind not in _KINDS:
        raise ImproperlyConfigured(f"Unknown notification kind {kind!r}: register it with register_kind().")
    render(kind, params)  # fails now on a missing parameter
    rows = [
        Notification(recipient=user, actor=actor, kind=kind, params=params, url=url)
        for user in {user.pk: user for user in recipients if user is not None}.values()
        if actor is None or user.pk != actor.pk
    ]
    Notification.objects.bulk_create(rows)
    if email and rows:
        from lernen25.tasks import send_notification_mails

        ids = [row.recipient_id for row in rows]
        transaction.on_commit(
            lambda: send_notification_mails.enqueue(recipient_ids=ids, kind=kind, params=params, url=url)
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

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

Who reads a notification decides its language: the list shows it in the language of the page, a
mail is written in the recipient's ``Profile.language`` (``reader_language``). Mails are rendered
by allauth's adapter (``lernen25.adapters.AccountAdapter.render_mail``) in the platform's one mail
layout, like allauth's own mails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy

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


def render(kind: str, params: Mapping, *, strict: bool = False) -> str:
    """The notification's text in the active language.

    "" for a kind no installed app registers, or for parameters the text cannot use (a row from
    before kinds, whose ``stored_text`` is shown instead); ``strict`` raises for those instead.
    """
    registered = _KINDS.get(kind)
    if registered is None:
        return ""
    try:
        if isinstance(registered.text, (str, Promise)):
            return str(registered.text) % dict(params)
        return str(registered.text(params))
    except (KeyError, ValueError, TypeError):
        if strict:
            raise
        return ""


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
    render(kind, params, strict=True)  # fails now on a missing parameter
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


def reader_language(user=None) -> str:
    """The language to write to a person in: their profile's choice.

    For an address without an account (an invitation, allauth's "unknown account"), the active
    language: that of the page that caused the mail, else the platform's.
    """
    profile = getattr(user, "profile", None) if user is not None else None
    available = dict(settings.LANGUAGES)
    if profile is not None and profile.language in available:
        return profile.language
    active = translation.get_language()
    return active if active in available else settings.LANGUAGE_CODE


def send_notification_mails(*, recipient_ids: Iterable[int], kind: str, params: Mapping, url: str) -> int:
    """Mail a notification to each recipient who wants e-mails, each in their language. Returns the number sent.

    Called by the task ``lernen25.tasks.send_notification_mails`` after the notifying transaction.
    """
    from allauth.account.adapter import get_adapter
    from django.contrib.auth import get_user_model
    from django.core.mail import get_connection

    users = (
        get_user_model()
        .objects.filter(pk__in=list(recipient_ids), is_active=True, profile__email_notifications=True)
        .select_related("profile")
        .order_by("pk")
    )
    adapter = get_adapter()
    # Rendered while each mail is: the adapter activates the recipient's language around it.
    text = lazy(render, str)(kind, dict(params))
    link = f"{settings.SITE_URL}{url}" if url.startswith("/") else url
    messages = [
        adapter.render_mail("lernen25/email/notification", user.email, {"user": user, "text": text, "url": link})
        for user in users
    ]
    return get_connection().send_messages(messages) if messages else 0

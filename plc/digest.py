"""The daily e-mail digest of mentions in PLG discussions.

Run once a day (``manage.py send_mention_digest``, e.g. from a systemd timer at 7:00). Each person
who wants it (``Profile.mention_digest``) gets one mail listing the mentions of the last period
that they have not read in the app yet. Nothing is sent to people without unread mentions.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone, translation

from lernen25.models import Notification


def send_mention_digest(*, hours: int = 24, now=None) -> int:
    """Mail each recipient their unread mentions of the last ``hours``. Returns the number of mails."""
    now = now or timezone.now()
    mentions = (
        Notification.objects.filter(
            kind="plc.mention",
            read_at__isnull=True,
            created_at__gte=now - timedelta(hours=hours),
            recipient__is_active=True,
            recipient__profile__mention_digest=True,
        )
        .select_related("recipient__profile", "actor__profile")
        .order_by("recipient_id", "created_at")
    )
    by_recipient: dict[int, list[Notification]] = {}
    for mention in mentions:
        by_recipient.setdefault(mention.recipient_id, []).append(mention)
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for items in by_recipient.values():
            user = items[0].recipient
            body = render_to_string(
                "plc/email/mention_digest.txt",
                {"user": user, "mentions": items, "site_url": settings.SITE_URL},
            )
            subject = translation.ngettext(
                "[Lernen 25] You were mentioned once", "[Lernen 25] You were mentioned %(count)d times", len(items)
            ) % {"count": len(items)}
            messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    if not messages:
        return 0
    return get_connection().send_messages(messages)

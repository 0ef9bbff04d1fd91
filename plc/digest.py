"""The daily e-mail digest of mentions in PLG discussions.

Run once a day (``manage.py send_mention_digest``, e.g. from a systemd timer at 7:00). Each person
who wants it (``Profile.mention_digest``) gets one mail listing the mentions of the last period
that they have not read in the app yet. Nothing is sent to people without unread mentions.
The mail (``plc/email/mention_digest_*``, text and HTML in the platform's mail layout) is
rendered by allauth's adapter in each recipient's language (``lernen25.adapters``).
"""

from __future__ import annotations

from datetime import timedelta

from allauth.account.adapter import get_adapter
from django.core.mail import get_connection
from django.utils import timezone

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
    adapter = get_adapter()
    messages = [
        adapter.render_mail(
            "plc/email/mention_digest", items[0].recipient.email, {"user": items[0].recipient, "mentions": items}
        )
        for items in by_recipient.values()
    ]
    if not messages:
        return 0
    return get_connection().send_messages(messages)

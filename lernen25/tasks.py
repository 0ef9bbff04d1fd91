"""Deferred work of the core app (django-tasks)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django_tasks import task


@task()
def send_notification_mails(*, recipient_ids: list[int], kind: str, params: dict, url: str) -> int:
    """Mail a notification to each recipient who wants e-mails. Returns the number of mails sent.

    The text is rendered here from the kind and its parameters, in each recipient's language
    (``lernen25.notifications.send_notification_mails``).
    """
    from lernen25.notifications import send_notification_mails as send

    return send(recipient_ids=recipient_ids, kind=kind, params=params, url=url)


@task()
def send_plain_mail(*, to: str, subject: str, body: str) -> int:
    """One mail whose text a service wrote, e.g. an invitation to someone without an account yet.

    It gets the platform's mail layout (text and HTML, ``mail/plain_*``) in the platform's language:
    the address has no account whose language we know.
    """
    from allauth.account.adapter import get_adapter

    with translation.override(settings.LANGUAGE_CODE):
        message = get_adapter().render_mail("mail/plain", to, {"subject": subject, "body": body})
    return message.send(fail_silently=False)

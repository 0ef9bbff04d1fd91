"""Deferred work of the core app (django-tasks)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task


@task()
def send_notification_mails(*, recipient_ids: list[int], kind: str, params: dict, url: str) -> int:
    """Mail a notification to each recipient who wants e-mails. Returns the number of mails sent.

    The text is rendered here from the kind and its parameters, in the platform's language
    (the people have no stored language yet; the site's default is German).
    """
    from lernen25.notifications import render

    users = (
        get_user_model()
        .objects.filter(pk__in=recipient_ids, is_active=True, profile__email_notifications=True)
        .select_related("profile")
    )
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        text = render(kind, params)
        subject = text[:150]
        for user in users:
            body = render_to_string(
                "lernen25/email/notification.txt",
                {
                    "user": user,
                    "text": text,
                    "url": f"{settings.SITE_URL}{url}" if url.startswith("/") else url,
                    "site_url": settings.SITE_URL,
                },
            )
            messages.append((f"[Lernen 25] {subject}", body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0


@task()
def send_plain_mail(*, to: str, subject: str, body: str) -> int:
    """One plain-text mail, e.g. an invitation to someone without an account yet."""
    from django.core.mail import send_mail

    return send_mail(f"[Lernen 25] {subject}", body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)

"""allauth adapters: after sign-in, the powerful are led to set up their second factor.

``AccountAdapter`` (``ACCOUNT_ADAPTER``) sends a person whose powers wait for a second factor
(``lernen25.roles.mfa_pending``) to allauth's TOTP set-up right after sign-in, even when the
sign-in page carried a ``next``: that page would refuse them anyway. ``MFAAdapter``
(``MFA_ADAPTER``) keeps anyone who ``requires_mfa`` from deactivating their authenticator app;
allauth's deactivation form shows the refusal as a form error (no 500, nothing deleted).

``AccountAdapter`` also throttles failed passwords (``lernen25.signin_throttle``): per account and
known device or IP address, with growing pauses, instead of allauth's ``login_failed`` limit, which a
stranger could use to lock the owner out. ``pre_authenticate`` refuses a paused attempt with 429
(``Refused``, answered by ``lernen25.http.RefusedMiddleware``), the failure and the success are
counted after the check, and a completed sign-in marks the device as known for the account.

**Mails.** Every mail of the platform, allauth's and ours (notifications, the mention digest, plain
service mails), is rendered by ``AccountAdapter.render_mail``: allauth's mechanism of templates
``<prefix>_subject.txt``, ``<prefix>_message.txt`` and ``<prefix>_message.html``, all extending the
one layout ``mail/base.txt`` / ``mail/base.html`` (greeting, "Lernen 25", the SMZ footer). It writes
in the recipient's language (``Profile.language``, else the page's) and greets them by name, never
by host; links point to ``SITE_URL``, not to the host the request came in on; subjects carry
``ACCOUNT_EMAIL_SUBJECT_PREFIX``. A sign-up keeps the language of the page as the profile's
language, and a sign-in without a language cookie takes the profile's language into the interface.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lernen25 import signin_throttle
from lernen25.mfa import setup_url
from lernen25.middleware import set_language_cookie
from lernen25.notifications import reader_language
from lernen25.roles import mfa_pending, requires_mfa


class AccountAdapter(DefaultAccountAdapter):
    def _setup_redirect(self, request, user) -> str | None:
        """The set-up page, with an explanation, for a person whose powers wait; else None."""
        if user is None or not mfa_pending(user):
            return None
        self.add_message(
            request,
            messages.INFO,
            message=gettext(
                "Your role needs two-factor sign-in. Set up an authenticator app now: "
                "until then, the powers of your role stay locked."
            ),
        )
        return setup_url()

    def get_login_redirect_url(self, request) -> str:
        return self._setup_redirect(request, request.user) or super().get_login_redirect_url(request)

    def post_login(self, request, user, *, redirect_url, **kwargs):
        # An explicit ``next`` would skip get_login_redirect_url; the set-up comes first.
        redirect_url = self._setup_redirect(request, user) or redirect_url
        response = super().post_login(request, user, redirect_url=redirect_url, **kwargs)
        if response is not None:  # signed in, second factor included: this device is known now
            signin_throttle.remember_device(request, response, user)
            _carry_language_into_interface(request, response, user)
        return response

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        language = translation.get_language()
        # The page someone signs up on is in their language: their mails are written in it, too.
        if commit and language in dict(settings.LANGUAGES) and user.profile.language != language:
            user.profile.language = language
            user.profile.save(update_fields=["language"])
        return user

    # Mails (the module's docstring): one layout, the recipient's language, links to SITE_URL.

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        # allauth leaves the person out of a security notice's context; greeting and language need them.
        return super().send_notification_mail(template_prefix, user, {"user": user, **(context or {})}, email)

    def send_mail(self, template_prefix, email, context):
        # allauth's, without its ``current_site`` (the request's host, which our mails never name, and
        # which fails for a notice sent after commit, outside the request); links go to SITE_URL.
        context = {key: _on_site(value) if key.endswith("_url") else value for key, value in context.items()}
        self.render_mail(template_prefix, email, {"request": allauth_context.request, "email": email, **context}).send()

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth's rendering, in the recipient's language, with what the layout needs.

        ``context["user"]`` is the recipient when given (allauth's mails to an account, ours);
        otherwise the account of the address, if there is one.
        """
        recipient = context.get("user")
        if getattr(recipient, "pk", None) is None:
            recipient = _account_of(email)
        with translation.override(reader_language(recipient)):
            context = {**context, "site_url": settings.SITE_URL, "mail_name": _greeting_name(recipient)}
            subject = render_to_string(f"{template_prefix}_subject.txt", context)
            context["mail_subject"] = self.format_email_subject(" ".join(subject.splitlines()).strip())
            return super().render_mail(template_prefix, email, context, headers=headers)

    # Failed passwords: lernen25.signin_throttle instead of allauth's ``login_failed`` limit.

    def pre_authenticate(self, request, **credentials):
        self._login_failed_rl_usage = None  # allauth's count stays off (it would lock out the owner)
        self._signin_attempt = signin_throttle.begin(request, credentials)  # Refused (429) when paused

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            signin_throttle.succeeded(getattr(self, "_signin_attempt", None))
        return user

    def authentication_failed(self, request, **credentials):
        super().authentication_failed(request, **credentials)
        signin_throttle.failed(getattr(self, "_signin_attempt", None))

    def _delete_login_attempts_cached_email(self, request, **credentials):
        # allauth calls this for each of the account's addresses after a password reset.
        super()._delete_login_attempts_cached_email(request, **credentials)
        if request is not None and credentials.get("email"):
            signin_throttle.forget(request, credentials["email"])


def _account_of(email):
    """The active account with this address (the one recipient of ``email``), or None."""
    if isinstance(email, (list, tuple)):
        email = email[0] if len(email) == 1 else ""
    if not email:
        return None
    return get_user_model().objects.filter(email__iexact=email, is_active=True).select_related("profile").first()


def _greeting_name(user) -> str:
    """The name a mail greets with: the display name or full name; "" (a greeting without name) else."""
    if user is None:
        return ""
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile is not None else "") or user.get_full_name().strip()


def _on_site(url):
    """A link of allauth's (built from the request's host) on ``SITE_URL`` instead."""
    if not isinstance(url, str) or not url:
        return url
    parts = urlsplit(url)
    if not parts.scheme and not url.startswith("/"):
        return url
    return settings.SITE_URL + urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


def _carry_language_into_interface(request, response, user) -> None:
    """At sign-in on a browser without a language choice, the interface takes the profile's language.

    A choice made on this browser (Django's language cookie, ``ChosenLanguageMiddleware``) is kept.
    """
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    language = reader_language(user)
    if language == settings.LANGUAGE_CODE:
        return
    set_language_cookie(response, language)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Your role needs two-factor sign-in, so you cannot switch it off. If you have a new device, "
            "ask the administration of Lernen 25 to reset your authenticator app; you then set it up again."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and requires_mfa(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)

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
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lernen25 import signin_throttle
from lernen25.mfa import setup_url
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
        return response

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

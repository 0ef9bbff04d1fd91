"""allauth adapter: social apps built from the schools' sign-ons, and what their claims confirm.

allauth 65 blends two sources of ``SocialApp``: rows in the database and
``settings.SOCIALACCOUNT_PROVIDERS``. ``list_apps`` adds a third, one unsaved app of the
``openid_connect`` provider per enabled ``SchoolSignOn``; allauth looks apps up by
``provider_id`` (``get_app``), so ``/accounts/oidc/<provider_id>/login/`` and the callback find
them like settings-configured apps. The environment-configured provider (``OIDC_SERVER_URL``)
stays as it is; it confirms no school function.

When a school function is confirmed (``sso.services.confirm_from_claims``):

- a returning person: ``pre_social_login`` (allauth has found the account and its user, and
  stored the fresh claims);
- a new person: ``save_user``, right after allauth saved the user and the account;
- a signed-in person connecting a school account: the ``social_account_added`` signal
  (``sso.signal_handlers``).
"""

from __future__ import annotations

import logging

import requests
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.base import AuthError
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider

from sso import services
from sso.models import SchoolSignOn

logger = logging.getLogger(__name__)


class ResilientOpenIDConnectProvider(OpenIDConnectProvider):
    """An issuer that cannot be reached shows allauth's sign-in error page, not a server error.

    allauth's login view fetches the issuer's discovery document before redirecting and lets a
    network error through (the callback view already catches it).
    """

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        try:
            return super().redirect(request, process, next_url=next_url, data=data, **kwargs)
        except (requests.RequestException, ValueError, KeyError) as error:
            logger.warning("Sign-on %s: issuer not reachable or invalid: %s", self.app.provider_id, error)
            return render_authentication_error(request, self, error=AuthError.UNKNOWN, exception=error)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        taken = {app.provider_id for app in apps if app.provider_id}
        for signon in SchoolSignOn.objects.filter(enabled=True).order_by("pk"):
            app = signon.social_app()
            if provider and provider not in (app.provider, app.provider_id):
                continue
            if client_id and client_id != app.client_id:
                continue
            if app.provider_id in taken:  # a database or settings app of that ID wins
                continue
            apps.append(app)
        return apps

    def get_provider(self, request, provider, client_id=None):
        instance = super().get_provider(request, provider, client_id=client_id)
        if type(instance) is OpenIDConnectProvider:
            instance = ResilientOpenIDConnectProvider(request, app=instance.app)
        return instance

    def pre_social_login(self, request, sociallogin):
        super().pre_social_login(request, sociallogin)
        if sociallogin.is_existing:
            services.confirm_from_claims(user=sociallogin.user, account=sociallogin.account)
        else:
            # A new account (sign-up or connect): decide which asserted addresses count as verified
            # before allauth stores them.
            services.distrust_foreign_addresses(sociallogin)

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        services.confirm_from_claims(user=user, account=sociallogin.account)
        return user

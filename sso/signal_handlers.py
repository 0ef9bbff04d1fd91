"""Receivers of the sign-on app, connected in ``SsoConfig.ready``."""

from __future__ import annotations

from allauth.socialaccount.signals import social_account_added
from django.dispatch import receiver


@receiver(social_account_added, dispatch_uid="sso.confirm_on_connect")
def confirm_on_connect(sender, request, sociallogin, **kwargs):
    """A signed-in person connected their school account: its teacher claim counts as at login."""
    from sso.services import confirm_from_claims

    confirm_from_claims(user=sociallogin.user, account=sociallogin.account)

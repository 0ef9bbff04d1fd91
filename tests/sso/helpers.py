"""Helpers to simulate a login through a (fake) school issuer: no network, real allauth flow."""

from __future__ import annotations

from allauth.core import context
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory


def make_request(user=None, path="/accounts/oidc/callback/"):
    request = RequestFactory().get(path)
    SessionMiddleware(lambda r: None).process_request(request)
    request.session.save()
    request._messages = FallbackStorage(request)
    request.user = user or AnonymousUser()
    return request


def claims(sub="u-1", email="lena.neu@schule-a.de", email_verified=True, **extra):
    return {"sub": sub, "email": email, "email_verified": email_verified, "name": "Lena Neu", **extra}


def sociallogin_for(request, provider_id, userinfo):
    """What the callback view builds from the issuer's answer (no network)."""
    provider = get_adapter().get_provider(request, provider_id)
    return provider.sociallogin_from_response(request, {"userinfo": userinfo})


def sign_in_with(provider_id, userinfo, user=None):
    """Run allauth's social login for ``userinfo`` from ``provider_id``; returns (request, response)."""
    request = make_request(user)
    with context.request_context(request):
        sociallogin = sociallogin_for(request, provider_id, userinfo)
        response = complete_social_login(request, sociallogin)
    return request, response

"""allauth's social apps come from the schools' sign-ons; their URLs answer without a real issuer.

Every HTTP request allauth would send to an issuer (discovery, token, userinfo) is answered by
a fake issuer patched into ``requests.Session.request``; nothing leaves the machine.
"""

from __future__ import annotations

import json
from unittest import mock
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from lernen25.models import Affiliation, SchoolFunction
from sso.adapter import SocialAccountAdapter
from tests.sso.helpers import make_request

User = get_user_model()
pytestmark = pytest.mark.django_db

ENV_PROVIDER = {
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "schul-sso",
                "name": "Schul-Anmeldung",
                "client_id": "lernen25",
                "secret": "geheim",
                "settings": {"server_url": "https://sso.iserv.example"},
            }
        ]
    }
}


def _response(payload, status=200):
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(payload).encode()
    response.headers["content-type"] = "application/json"
    return response


class FakeIssuer:
    """Answers discovery, token and userinfo requests of one issuer; records what was asked."""

    def __init__(self, base, userinfo):
        self.base, self.userinfo, self.calls = base, userinfo, []

    def __call__(self, session, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        if url == f"{self.base}/.well-known/openid-configuration":
            return _response(
                {
                    "issuer": self.base,
                    "authorization_endpoint": f"{self.base}/authorize",
                    "token_endpoint": f"{self.base}/token",
                    "userinfo_endpoint": f"{self.base}/userinfo",
                    "jwks_uri": f"{self.base}/jwks",
                    "token_endpoint_auth_methods_supported": ["client_secret_post"],
                }
            )
        if url == f"{self.base}/token" and method == "POST":
            return _response({"access_token": "fake-access-token", "token_type": "Bearer", "expires_in": 300})
        if url == f"{self.base}/userinfo":
            return _response(self.userinfo)
        return _response({"error": "unexpected"}, status=404)


@pytest.fixture
def fake_issuer(signon_a):
    issuer = FakeIssuer(
        signon_a.server_url,
        {"sub": "iserv-uid-7", "email": "jana.neu@schule-a.de", "email_verified": True, "roles": ["teacher"]},
    )
    with mock.patch.object(requests.Session, "request", autospec=True, side_effect=issuer):
        yield issuer


class TestListApps:
    def test_one_app_per_enabled_sign_on(self, signon_a, signon_b, signon_disabled):
        request = make_request()
        adapter = SocialAccountAdapter(request)

        apps = {app.provider_id: app for app in adapter.list_apps(request)}

        assert set(apps) == {"iserv-165432", "iserv-187654"}
        app = apps["iserv-165432"]
        assert app.pk is None  # built, never saved
        assert app.provider == "openid_connect"
        assert app.name == "IServ Gesamtschule Meiderich"
        assert (app.client_id, app.secret) == ("lernen25-a", "geheim-a")
        assert app.settings["server_url"] == "https://ge-meiderich.example/iserv/oauth"
        assert app.settings["oauth_pkce_enabled"] is True
        assert app.settings["scope"] == ["openid", "profile", "email"]

    def test_filters_like_allauth(self, signon_a, signon_b):
        request = make_request()
        adapter = SocialAccountAdapter(request)

        assert [app.provider_id for app in adapter.list_apps(request, provider="iserv-187654")] == ["iserv-187654"]
        assert len(adapter.list_apps(request, provider="openid_connect")) == 2
        assert [app.provider_id for app in adapter.list_apps(request, client_id="lernen25-a")] == ["iserv-165432"]
        assert adapter.list_apps(request, provider="google") == []
        assert adapter.get_app(request, "iserv-165432").client_id == "lernen25-a"

    def test_environment_provider_stays(self, settings, signon_a):
        settings.SOCIALACCOUNT_PROVIDERS = ENV_PROVIDER
        request = make_request()

        provider_ids = [app.provider_id for app in SocialAccountAdapter(request).list_apps(request)]

        assert sorted(provider_ids) == ["iserv-165432", "schul-sso"]

    def test_settings_say_never_by_email_alone(self):
        assert django_settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION is False
        assert django_settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT is False
        assert django_settings.SOCIALACCOUNT_ADAPTER == "sso.adapter.SocialAccountAdapter"

    def test_sign_in_page_shows_enabled_sign_ons_only(self, client, signon_a, signon_disabled):
        page = client.get("/accounts/login/").content.decode()

        assert "IServ Gesamtschule Meiderich" in page
        assert "/accounts/oidc/iserv-165432/login/" in page
        assert "iserv-aus" not in page


class TestLoginUrls:
    def test_login_url_answers_with_a_confirmation_page(self, client, signon_a):
        response = client.get("/accounts/oidc/iserv-165432/login/")

        assert response.status_code == 200
        assert "IServ Gesamtschule Meiderich" in response.content.decode()

    def test_login_redirects_to_the_schools_issuer_with_pkce(self, client, fake_issuer):
        response = client.post("/accounts/oidc/iserv-165432/login/")

        assert response.status_code == 302
        location = urlparse(response["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == f"{fake_issuer.base}/authorize"
        query = parse_qs(location.query)
        assert query["client_id"] == ["lernen25-a"]
        assert query["redirect_uri"] == ["http://testserver/accounts/oidc/iserv-165432/login/callback/"]
        assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
        assert set(query["scope"][0].split()) == {"openid", "profile", "email"}
        assert fake_issuer.calls[0][1] == f"{fake_issuer.base}/.well-known/openid-configuration"

    def test_whole_round_trip_with_a_fake_issuer(self, client, fake_issuer):
        start = client.post("/accounts/oidc/iserv-165432/login/")
        state = parse_qs(urlparse(start["Location"]).query)["state"][0]

        response = client.get("/accounts/oidc/iserv-165432/login/callback/", {"code": "fake-code", "state": state})

        assert response.status_code == 302
        jana = User.objects.get(email="jana.neu@schule-a.de")
        assert SocialAccount.objects.get(user=jana).uid == "iserv-uid-7"
        assert set(Affiliation.objects.active().filter(user=jana).values_list("school__number", "function")) == {
            ("165432", SchoolFunction.LEHRKRAFT)
        }
        token_call = next(call for call in fake_issuer.calls if call[0] == "POST")
        assert token_call[2]["data"]["code_verifier"]  # PKCE
        assert int(client.session["_auth_user_id"]) == jana.pk

    @pytest.mark.parametrize("provider_id", ["iserv-aus", "iserv-999999"])
    def test_disabled_or_unknown_sign_on_is_not_found(self, client, signon_disabled, provider_id):
        assert client.get(f"/accounts/oidc/{provider_id}/login/").status_code == 404
        assert client.post(f"/accounts/oidc/{provider_id}/login/").status_code == 404
        assert client.get(f"/accounts/oidc/{provider_id}/login/callback/").status_code == 404

    def test_environment_provider_login_still_answers(self, client, settings, signon_a):
        settings.SOCIALACCOUNT_PROVIDERS = ENV_PROVIDER

        assert client.get("/accounts/oidc/schul-sso/login/").status_code == 200
        assert client.get("/accounts/oidc/iserv-165432/login/").status_code == 200

    def test_unreachable_issuer_is_an_error_page_not_a_500(self, client, signon_a):
        with mock.patch.object(requests.Session, "request", side_effect=requests.ConnectionError("no network")):
            response = client.post("/accounts/oidc/iserv-165432/login/")

        assert response.status_code == 401  # allauth's sign-in error page
        assert "Location" not in response

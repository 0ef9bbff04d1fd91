"""Fixtures for the school sign-on tests: two schools, each with its own (fake) IServ issuer.

No issuer is reachable from the build machine, so a login is simulated from the point where
allauth has the claims: the provider turns a fake userinfo answer into a ``SocialLogin``
(``sociallogin_from_response``, exactly what the callback view does after the token exchange),
and ``complete_social_login`` runs allauth's real login/sign-up flow on it.
"""

from __future__ import annotations

import pytest

from lernen25.models import School
from sso.models import SchoolSignOn


@pytest.fixture
def signon_a(school_a):
    School.objects.filter(pk=school_a.pk).update(staff_email_domain="schule-a.de")
    school_a.refresh_from_db()
    return SchoolSignOn.objects.create(
        school=school_a,
        provider_id="iserv-165432",
        name="IServ Gesamtschule Meiderich",
        server_url="https://ge-meiderich.example/iserv/oauth",
        client_id="lernen25-a",
        secret="geheim-a",
    )


@pytest.fixture
def signon_b(school_b):
    School.objects.filter(pk=school_b.pk).update(staff_email_domain="schule-b.de")
    school_b.refresh_from_db()
    return SchoolSignOn.objects.create(
        school=school_b,
        provider_id="iserv-187654",
        name="IServ Grundschule Walsum",
        server_url="https://gs-walsum.example/iserv/oauth",
        client_id="lernen25-b",
        secret="geheim-b",
        teacher_claim="groups",
        teacher_values="Lehrer",
    )


@pytest.fixture
def signon_disabled(school_b):
    return SchoolSignOn.objects.create(
        school=school_b,
        provider_id="iserv-aus",
        name="IServ (abgeschaltet)",
        server_url="https://off.example/iserv/oauth",
        client_id="off",
        secret="off",
        enabled=False,
    )

"""Generated input against the school-people forms and services: a clear refusal or a valid
result, never a 500, and nothing written by a refusal."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lernen25.errors import RefusalKind, Refused
from lernen25.models import Affiliation, AuditEvent, ConfirmationRequest, School
from lernen25.services.affiliations import _LABEL, PUBLIC_MAIL_DOMAINS, normalise_domain

FIXTURES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text a person might type into the domain field: letters, umlauts, dots, @, spaces, control characters.
typed = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(list("@.-äöüß ")),
    max_size=300,
)


@given(value=typed)
@settings(max_examples=300, deadline=None)
def test_normalise_domain_gives_a_valid_domain_or_an_invalid_refusal(value):
    try:
        domain = normalise_domain(value)
    except Refused as refusal:
        assert refusal.kind == RefusalKind.INVALID
        assert str(refusal.message)
        return
    if domain:
        labels = domain.split(".")
        assert len(labels) >= 2 and len(domain) <= 253
        assert all(_LABEL.match(label) for label in labels)
        assert domain not in PUBLIC_MAIL_DOMAINS
    else:
        assert not value.strip().strip("@.")


def _state():
    return (
        Affiliation.objects.count(),
        ConfirmationRequest.objects.count(),
        AuditEvent.objects.count(),
        tuple(School.objects.order_by("pk").values_list("staff_email_domain", flat=True)),
    )


@pytest.mark.django_db
@FIXTURES
@given(domain=typed)
def test_domain_form_never_fails_and_writes_only_a_valid_domain(client, schulleitung_a, school_a, domain):
    client.force_login(schulleitung_a)
    before = _state()
    sid = transaction.savepoint()
    try:
        response = client.post(f"/schulen/{school_a.number}/e-mail-domain/", {"domain": domain})
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert _state() == before
    finally:
        transaction.savepoint_rollback(sid)


@pytest.mark.django_db
@FIXTURES
@given(email=typed, function=st.sampled_from(["lehrkraft", "medienbeauftragte", "schulleitung", "", "x" * 40]))
def test_grant_form_never_fails_on_any_input(client, schulleitung_a, school_a, email, function):
    client.force_login(schulleitung_a)
    before = _state()
    sid = transaction.savepoint()
    try:
        response = client.post(f"/schulen/{school_a.number}/personen/vergeben/", {"email": email, "function": function})
        assert response.status_code == 400  # no account has such an address, or the input is refused
        assert _state() == before
    finally:
        transaction.savepoint_rollback(sid)


@pytest.mark.django_db
@FIXTURES
@given(school=st.one_of(st.integers(), st.text(max_size=30)), message=st.text(max_size=1500))
def test_confirmation_request_never_fails_on_any_input(client, signed_up, school_a, school, message):
    client.force_login(signed_up)
    sid = transaction.savepoint()
    try:
        response = client.post("/profil/bestaetigung/", {"confirm-school": str(school), "confirm-message": message})
        assert response.status_code in (302, 400)
        created = ConfirmationRequest.objects.count()
        assert created == (1 if response.status_code == 302 else 0)
    finally:
        transaction.savepoint_rollback(sid)

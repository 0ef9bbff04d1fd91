"""HTTP permission matrix of a school's people and the confirmation request: persona × URL → status.

Personas: anonymous, a guest (signed up, unconfirmed), a teacher of school A, the principal of
school B (the outsider), the principal of school A, the SMZ, an administrator. Every URL below
concerns school A. 302 means done (or "sign in first" for anonymous), 400 a form error, 403 refused,
405 the wrong method. Each persona's request runs in its own savepoint and is rolled back.
Every URL name of ``PEOPLE_URLS`` in ``lernen25.urls`` must have a row.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import get_resolver

from lernen25.models import Affiliation
from lernen25.services import request_confirmation

PERSONAS = ("anonymous", "signed_up", "lehrkraft_a", "schulleitung_b", "schulleitung_a", "smz", "admin_user")
PEOPLE_URLS = {
    "school_people",
    "school_grant",
    "school_revoke",
    "school_decide",
    "school_domain",
    "request_confirmation",
}

# (url name, method, data, expected "anonymous guest teacher principal-B principal-A SMZ admin")
MATRIX = [
    ("school_people", "get", None, "302 403 403 403 200 200 200"),
    (
        "school_grant",
        "post",
        {"email": "bernd.lehrer@schule-b.de", "function": "lehrkraft"},
        "302 403 403 403 302 400 302",
    ),
    ("school_grant", "get", None, "302 405 405 405 405 405 405"),  # the method is checked first
    ("school_revoke", "get", None, "302 403 403 403 200 403 200"),
    ("school_revoke", "post", None, "302 403 403 403 302 403 302"),
    ("school_decide", "post", {"decision": "accept"}, "302 403 403 403 302 403 302"),
    ("school_domain", "post", {"domain": "gmail.com"}, "302 403 403 403 400 400 400"),
    ("request_confirmation", "post", {"confirm-school": "SCHOOL"}, "302 302 409 302 409 302 302"),
]


@pytest.fixture
def cast(request, school_a, school_b, lehrkraft_a, lehrkraft_b, signed_up):
    people = {name: request.getfixturevalue(name) for name in PERSONAS if name != "anonymous"}
    people["anonymous"] = None
    return people


def _url(name, school_a, teacher_affiliation, pending) -> str:
    from django.urls import reverse

    if name == "request_confirmation":
        return reverse(name)
    kwargs = {"number": school_a.number}
    if name == "school_revoke":
        kwargs["pk"] = teacher_affiliation.pk
    if name == "school_decide":
        kwargs["pk"] = pending.pk
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize(("name", "method", "data", "expected"), MATRIX)
def test_people_matrix(client, cast, school_a, lehrkraft_a, name, method, data, expected):
    codes = dict(zip(PERSONAS, (int(c) for c in expected.split()), strict=True))
    teacher_affiliation = Affiliation.objects.active().get(user=lehrkraft_a)
    from tests.factories import UserFactory, verified

    applicant = verified(UserFactory(email="bewerbung@example.org"))
    pending = request_confirmation(actor=applicant, school=school_a)
    url = _url(name, school_a, teacher_affiliation, pending)
    if data and data.get("confirm-school") == "SCHOOL":
        data = {"confirm-school": school_a.pk}
    got = {}
    for persona in PERSONAS:
        client.logout()
        if cast[persona] is not None:
            client.force_login(cast[persona])
        sid = transaction.savepoint()
        response = getattr(client, method)(url, data or {})
        transaction.savepoint_rollback(sid)
        got[persona] = (
            409
            if response.status_code == 400 and "bereits bestätigt" in response.content.decode()
            else (response.status_code)
        )
    assert got == codes


def test_every_people_url_is_in_the_matrix():
    names = {pattern.name for pattern in get_resolver().url_patterns if getattr(pattern, "name", None)}
    assert names >= PEOPLE_URLS
    assert {row[0] for row in MATRIX} == PEOPLE_URLS

"""``lernen25.sockets``: handshakes admitted together (``Batched``) and sessions checked together
(``session_users``), with the same answers as one at a time."""

from __future__ import annotations

import asyncio

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, override_settings

from lernen25.sockets import Batched, session_user, session_users
from tests.factories import UserFactory


def test_callers_waiting_together_share_one_call_and_each_gets_its_own_answer():
    calls = []

    def double(items):
        calls.append(list(items))
        return [ValueError(item) if item < 0 else item * 2 for item in items]

    async def scenario():
        batched = Batched(double)
        results = await asyncio.gather(*(batched(i) for i in (1, 2, -3, 4)), return_exceptions=True)
        later = await batched(5)
        return results, later == 10

    results, later_doubled = asyncio.run(scenario())
    assert later_doubled
    assert results[:2] == [2, 4] and results[3] == 8
    assert isinstance(results[2], ValueError)
    assert calls == [[1, 2, -3, 4], [5]]  # the four that waited together: one call


def test_callers_that_arrive_while_a_batch_runs_form_the_next_one():
    calls = []

    def identity(items):
        calls.append(list(items))
        return items

    async def scenario():
        batched = Batched(identity, size=2)
        return await asyncio.gather(*(batched(i) for i in range(5)))

    assert asyncio.run(scenario()) == [0, 1, 2, 3, 4]
    assert calls == [[0, 1], [2, 3], [4]]  # at most ``size`` at once, in order


def test_a_failed_batch_reaches_every_caller_of_it():
    def broken(items):
        raise ConnectionError("database down")

    async def scenario():
        batched = Batched(broken)
        return await asyncio.gather(batched(1), batched(2), return_exceptions=True)

    assert [type(result) for result in asyncio.run(scenario())] == [ConnectionError, ConnectionError]


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.session.session_key


@pytest.mark.django_db
def test_sessions_checked_together_answer_as_each_checked_alone(django_assert_max_num_queries):
    active, inactive, changed, signed_out = UserFactory.create_batch(4)
    keys = {name: _session(user) for name, user in (("active", active), ("inactive", inactive))}
    keys["changed"] = _session(changed)
    changed.set_password("ein ganz anderes Passwort")
    changed.save()
    keys["signed_out"] = _session(signed_out)
    SessionStore(keys["signed_out"]).delete()
    inactive.is_active = False
    inactive.save()
    keys["second_tab"] = _session(active)
    keys["unknown"] = "x" * 32
    keys["none"] = None
    anonymous = SessionStore()
    anonymous["something"] = 1
    anonymous.create()
    keys["anonymous"] = anonymous.session_key

    alone = {name: session_user(key) for name, key in keys.items()}
    with django_assert_max_num_queries(2):
        together = session_users(list(keys.values()))
    assert {name: getattr(together[key], "pk", None) for name, key in keys.items()} == {
        name: getattr(user, "pk", None) for name, user in alone.items()
    }
    assert {name for name, user in alone.items() if user} == {"active", "second_tab"}
    assert together[keys["active"]].display_name  # the profile came along


@pytest.mark.django_db
def test_a_session_signed_with_a_fallback_secret_is_checked_as_django_does():
    user = UserFactory()
    with override_settings(SECRET_KEY="the-old-secret-key-of-this-site-0123456789"):
        key = _session(user)
    with override_settings(
        SECRET_KEY="the-new-secret-key-of-this-site-0123456789",
        SECRET_KEY_FALLBACKS=["the-old-secret-key-of-this-site-0123456789"],
    ):
        assert session_users([key])[key] == user  # through session_user, which renews the hash
    with override_settings(SECRET_KEY="the-new-secret-key-of-this-site-0123456789"):
        assert session_users([key])[key] is None  # no fallback: ended

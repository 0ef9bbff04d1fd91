"""A socket lives no longer than its right to exist (lernen25.sockets, plc.consumers).

Signing out, a password change, deactivation, an ended session and a lost role close the person's
open sockets at once (4401 when the session no longer holds, 4403 when access is gone), through the
channel layer; a school function changing re-checks without closing what is still allowed. Every
write checks the session again too, so a socket whose "check again" call was lost posts nothing.
In one process over the in-memory layer here; across processes: test_scale_out.py.
"""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client
from django.urls import reverse

from lernen25 import sockets as core_sockets
from lernen25.models import Affiliation
from lernen25.roles import Role
from lernen25.services import revoke_role
from plc.models import Message
from tests.plc.sockets import (
    close_all,
    close_code,
    is_open,
    next_frame,
    open_socket,
    open_synced,
    refused,
    run,
    send,
    session_of,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrated_data", "fresh_realtime"),
]

PASSWORD = "Ein-langes-Passwort-2026!"


def _client(session: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session
    return client


async def _closed_because(ws) -> tuple[str, int]:
    """Wait for the error frame and the close; return (error code, close code) for the test to check."""
    frame = await next_frame(ws, "error")
    assert frame["message"]  # German, says why
    return frame["code"], await close_code(ws)


def test_signing_out_closes_that_sessions_socket_and_no_other(open_plg, lehrkraft_a):
    first, second = session_of(lehrkraft_a), session_of(lehrkraft_a)

    async def scenario():
        mine, other = await open_socket(open_plg.pk, first), await open_socket(open_plg.pk, second)
        response = await sync_to_async(_client(first).post)(reverse("account_logout"))
        assert response.status_code == 302
        assert await _closed_because(mine) == ("signed_out", 4401)
        assert await is_open(other)
        await close_all(other)

    run(scenario)


def test_a_password_change_closes_every_socket_and_only_the_changers_session_connects_again(open_plg, lehrkraft_a):
    """The changer's session keeps its sign-in under a new key (Django cycles it), so its old socket
    closes too; the page reconnects once after a 4401 mid-session and gets in with the new cookie."""
    lehrkraft_a.set_password(PASSWORD)
    lehrkraft_a.save()
    elsewhere, here = session_of(lehrkraft_a), session_of(lehrkraft_a)
    changer = _client(here)

    async def scenario():
        old, current = await open_socket(open_plg.pk, elsewhere), await open_socket(open_plg.pk, here)
        response = await sync_to_async(changer.post)(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": PASSWORD + "x", "password2": PASSWORD + "x"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert await _closed_because(old) == ("signed_out", 4401)
        assert await _closed_because(current) == ("signed_out", 4401)
        new_key = changer.cookies[settings.SESSION_COOKIE_NAME].value
        assert new_key != here
        again = await open_socket(open_plg.pk, new_key)
        assert await is_open(again)
        frames, code = await refused(open_plg.pk, elsewhere)
        assert (frames[0]["code"], code) == ("signed_out", 4401)
        await close_all(again)

    run(scenario)


def test_deactivation_by_an_administrator_closes_every_socket_of_the_person(open_plg, closed_plg, lehrkraft_a):
    session = session_of(lehrkraft_a)
    closed_plg_member = closed_plg.memberships.filter(user=lehrkraft_a).exists()

    def deactivate():
        lehrkraft_a.is_active = False
        lehrkraft_a.save()

    async def scenario():
        sockets = [await open_socket(open_plg.pk, session)]
        if closed_plg_member:
            sockets.append(await open_socket(closed_plg.pk, session))
        await sync_to_async(deactivate)()
        return [await _closed_because(ws) for ws in sockets]

    closes = run(scenario)
    assert closes and all(close == ("signed_out", 4401) for close in closes)


def test_ending_a_session_from_the_session_list_closes_its_socket(open_plg, lehrkraft_a):
    ended, kept = session_of(lehrkraft_a), session_of(lehrkraft_a)

    def end():
        # What "sign out this session" on allauth's sessions page does (UserSession.end()).
        UserSession.objects.create(user=lehrkraft_a, session_key=ended, ip="127.0.0.1", user_agent="Test")
        UserSession.objects.get(session_key=ended).end()

    async def scenario():
        gone, stays = await open_socket(open_plg.pk, ended), await open_socket(open_plg.pk, kept)
        await sync_to_async(end)()
        assert await _closed_because(gone) == ("signed_out", 4401)
        assert await is_open(stays)
        await close_all(stays)

    run(scenario)


def test_losing_the_smz_role_closes_the_sockets_of_plgs_one_is_not_a_member_of(closed_plg, smz, admin_user):
    session = session_of(smz)

    async def scenario():
        ws = await open_socket(closed_plg.pk, session)
        await sync_to_async(revoke_role)(actor=admin_user, user=smz, role=Role.SMZ_MODERATION)
        return await _closed_because(ws)

    assert run(scenario) == ("forbidden", 4403)


def test_a_changed_school_function_rechecks_but_keeps_what_is_still_allowed(open_plg, lehrkraft_a, monkeypatch):
    session = session_of(lehrkraft_a)
    asked = []
    real = core_sockets._send_recheck
    monkeypatch.setattr(core_sockets, "_send_recheck", lambda event: (asked.append(event["recheck"]), real(event)))

    def change_function():
        affiliation = Affiliation.objects.filter(user=lehrkraft_a).first()
        affiliation.save()

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        await sync_to_async(change_function)()
        assert await is_open(ws)  # a member: the re-check keeps the socket
        await close_all(ws)

    run(scenario)
    assert asked == [lehrkraft_a.pk]


def test_a_write_after_a_lost_signal_checks_the_session_and_stores_nothing(open_plg, topic, lehrkraft_a, monkeypatch):
    """The layer delivers at most once: if the "check again" call never came, the next write still checks."""
    session = session_of(lehrkraft_a)
    monkeypatch.setattr(core_sockets, "_send_recheck", lambda event: None)  # the call is lost
    before = Message.objects.count()

    async def scenario():
        ws = await open_synced(open_plg.pk, session)  # admitted before the sign-out
        await sync_to_async(_client(session).post)(reverse("account_logout"))
        assert await is_open(ws)  # nobody told it
        await send(ws, type="post", topic=topic.pk, body="Nach dem Abmelden", client_id="late")
        frame = await next_frame(ws, "error")
        assert (frame["code"], frame["client_id"]) == ("signed_out", "late")
        assert await close_code(ws) == 4401

    run(scenario)
    assert Message.objects.count() == before

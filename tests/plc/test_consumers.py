"""The PLG discussion WebSocket (docs/realtime.md) through Channels' WebsocketCommunicator.

Each test prepares people and data synchronously, then runs one async scenario with
``async_to_sync`` (pytest-asyncio is not used). The scenario talks to ``lernen25.asgi.application``
with the test session cookie, over the in-memory channel layer and the local-memory cache.
The database is touched from the scenario only through ``sync_to_async``; the consumer uses
``database_sync_to_async``, hence ``transaction=True``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async

from plc import consumers, realtime, selectors, services
from plc.models import Message, MessageState, ReadPosition
from tests.plc.sockets import (
    TIMEOUT,
    close_all,
    close_code,
    drain,
    is_open,
    next_frame,
    open_socket,
    run,
    send,
    session_of,
    socket,
    sync,
)

# serialized_rollback: the flush after a transactional test would wipe the pages the migrations made
# (Wagtail's root, the PLG directory); they are restored from the serialised copy.
# restore_migrated_data: the database as migrated for the tests after this module (tests/plc/conftest.py);
# fresh_realtime: an empty cache and channel layer for each test.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrated_data", "fresh_realtime"),
]


def _post(actor, topic, body):
    return services.post_message(actor=actor, topic=topic, body=body)


# --- Who may connect ------------------------------------------------------------------------


def test_guest_is_refused_with_4403(open_plg):
    async def scenario():
        ws = socket(open_plg.pk)
        return await ws.connect(timeout=TIMEOUT)

    assert run(scenario) == (False, 4403)


@pytest.mark.parametrize(
    ("plg_name", "persona"),
    [("closed_plg", "lehrkraft_b"), ("open_plg", "lehrkraft_b"), ("request_plg", "lehrkraft_b")],
    ids=["outsider-of-closed-plg", "non-member-of-open-plg", "non-member-of-on-request-plg"],
)
def test_people_without_access_are_refused_with_4403(request, plg_name, persona):
    plg = request.getfixturevalue(plg_name)
    session = session_of(request.getfixturevalue(persona))

    async def scenario():
        return await socket(plg.pk, session).connect(timeout=TIMEOUT)

    assert run(scenario) == (False, 4403)


def test_unknown_plg_is_refused_with_4403(open_plg, lehrkraft_a):
    session = session_of(lehrkraft_a)

    async def scenario():
        return await socket(open_plg.pk + 10_000, session).connect(timeout=TIMEOUT)

    assert run(scenario) == (False, 4403)


def test_other_origin_is_refused(open_plg, lehrkraft_a):
    session = session_of(lehrkraft_a)

    async def scenario():
        return await socket(open_plg.pk, session, origin=b"https://evil.example").connect(timeout=TIMEOUT)

    connected, _code = run(scenario)
    assert connected is False


@pytest.mark.parametrize("persona", ["lehrkraft_a", "plg_leitung", "smz"], ids=["member", "lead", "smz"])
def test_member_lead_and_smz_connect_to_a_closed_plg(request, closed_plg, persona):
    session = session_of(request.getfixturevalue(persona))

    async def scenario():
        ws = await open_socket(closed_plg.pk, session)
        try:
            return await is_open(ws)
        finally:
            await close_all(ws)

    assert run(scenario)


# --- Catch-up -------------------------------------------------------------------------------


def test_sync_sends_every_message_after_last_id_in_order_then_synced(open_plg, topic, lehrkraft_a, plg_leitung):
    other = services.create_topic(actor=plg_leitung, plg=open_plg, title="Zweites Thema", body="Hallo")
    _post(lehrkraft_a, topic, "zwei")
    _post(plg_leitung, other, "drei")
    ids = list(Message.objects.filter(plg=open_plg).order_by("pk").values_list("pk", flat=True))
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            everything = await sync(ws, 0)
            after_second = await sync(ws, ids[1])
            return everything, after_second
        finally:
            await close_all(ws)

    (messages, synced), (later, synced_later) = run(scenario)
    assert [m["id"] for m in messages] == ids
    assert {m["topic"] for m in messages} == {topic.pk, other.pk}
    assert synced["last_id"] == ids[-1] and synced["complete"] is True and synced["now"]
    assert [m["id"] for m in later] == ids[2:]
    assert synced_later["last_id"] == ids[-1]


def test_sync_with_since_also_sends_messages_changed_after_it(open_plg, topic, lehrkraft_a):
    second = _post(lehrkraft_a, topic, "zwei")
    session = session_of(lehrkraft_a)
    first = topic.messages.order_by("pk").first()

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            _, synced = await sync(ws, 0)
            await sync_to_async(services.edit_message)(actor=lehrkraft_a, message=first, body="eins, verbessert")
            await next_frame(ws, "message")  # the live edit
            return await sync(ws, synced["last_id"], since=synced["now"])
        finally:
            await close_all(ws)

    changed, synced = run(scenario)
    # The edit, in its new state; the sync point's margin may repeat other recent messages too.
    by_id = {m["id"]: m for m in changed}
    assert by_id[first.pk]["state"] == MessageState.EDITED
    assert "eins, verbessert" in by_id[first.pk]["html"]
    assert all(m["id"] <= second.pk for m in changed)
    assert synced["last_id"] == second.pk


def test_sync_resends_a_message_written_before_the_last_sync_but_committed_after_it(open_plg, topic, lehrkraft_a):
    """Ids are taken at insert, visibility comes at commit: a slow transaction's message can arrive after a
    newer one. A client that got the newer one live and lost the connection before the older one's commit
    reconnects with a last id above it; the sync point's margin still brings it."""
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        _, synced = await sync(ws, 0)
        await close_all(ws)
        return synced

    synced = run(scenario)
    synced_at = datetime.fromisoformat(synced["now"]) + selectors.SYNC_MARGIN  # when the sync really happened
    slow = _post(lehrkraft_a, topic, "langsam geschrieben")
    newer = _post(lehrkraft_a, topic, "schneller bestätigt")
    # The slow message was written a second before that sync (and, we pretend, committed after it).
    Message.objects.filter(pk=slow.pk).update(
        created_at=synced_at - timedelta(seconds=1), changed_at=synced_at - timedelta(seconds=1)
    )

    async def reconnect():
        ws = await open_socket(open_plg.pk, session)
        try:
            return await sync(ws, newer.pk, since=synced["now"])
        finally:
            await close_all(ws)

    caught_up, _ = run(reconnect)
    assert slow.pk in [m["id"] for m in caught_up]


def test_reconnect_with_last_id_receives_exactly_the_missed_messages_in_order(
    open_plg, topic, lehrkraft_a, plg_leitung
):
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        _, synced = await sync(ws, 0)
        await close_all(ws)
        missed = [await sync_to_async(_post)(plg_leitung, topic, f"verpasst {i}") for i in range(3)]
        ws = await open_socket(open_plg.pk, session)
        try:
            caught_up, synced_again = await sync(ws, synced["last_id"])
            return synced, missed, caught_up, synced_again
        finally:
            await close_all(ws)

    synced, missed, caught_up, synced_again = run(scenario)
    assert synced["last_id"] == topic.messages.order_by("pk").first().pk
    assert [m["id"] for m in caught_up] == [m.pk for m in missed]
    assert ["verpasst 0" in caught_up[0]["html"], "verpasst 2" in caught_up[2]["html"]] == [True, True]
    assert synced_again["last_id"] == missed[-1].pk


# --- Writing --------------------------------------------------------------------------------


def test_post_reaches_every_connected_member_and_the_sender_gets_its_client_id(
    open_plg, topic, lehrkraft_a, plg_leitung
):
    anna, lena = session_of(lehrkraft_a), session_of(plg_leitung)

    async def scenario():
        a = await open_socket(open_plg.pk, anna)
        b = await open_socket(open_plg.pk, lena)
        try:
            await send(a, type="post", topic=topic.pk, body="**Neu:** [Material](https://example.org)", client_id="c-1")
            return await next_frame(a, "message"), await next_frame(b, "message")
        finally:
            await close_all(a, b)

    to_sender, to_other = run(scenario)
    message = Message.objects.get(pk=to_sender["id"])
    assert message.author == lehrkraft_a and message.topic == topic and message.state == MessageState.VISIBLE
    assert to_sender["client_id"] == "c-1"
    assert to_other["id"] == message.pk
    for frame in (to_sender, to_other):
        assert frame["topic"] == topic.pk and frame["author"] == lehrkraft_a.pk and frame["state"] == "visible"
        assert "<strong>Neu:</strong>" in frame["html"]
        assert '<a href="https://example.org" rel="noopener nofollow">Material</a>' in frame["html"]
        assert f'id="m{message.pk}"' in frame["html"]


def test_refused_posts_are_error_frames_and_the_connection_stays_open(
    open_plg, closed_plg, topic, lehrkraft_a, plg_leitung
):
    foreign = services.create_topic(actor=plg_leitung, plg=closed_plg, title="Andere PLG", body="x")
    unlocked = services.create_topic(actor=plg_leitung, plg=open_plg, title="Offen", body="x")
    services.set_topic_flags(actor=plg_leitung, topic=topic, locked=True)
    session = session_of(lehrkraft_a)
    before = Message.objects.count()

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            errors = []
            for frame in (
                {"topic": topic.pk, "body": "Trotzdem", "client_id": "locked"},
                {"topic": foreign.pk, "body": "Falsche PLG", "client_id": "foreign"},
                {"topic": unlocked.pk, "body": "x" * 5001, "client_id": "long"},
            ):
                await send(ws, type="post", **frame)
                errors.append(await next_frame(ws, "error"))
            return errors, await is_open(ws)
        finally:
            await close_all(ws)

    errors, still_open = run(scenario)
    assert [(e["client_id"], e["code"], e["message"]) for e in errors] == [
        ("locked", "conflict", "Dieses Thema ist gesperrt."),
        ("foreign", "invalid", "Die Nachricht ist unvollständig oder verweist auf etwas Unbekanntes."),
        ("long", "invalid", "Ein Beitrag darf höchstens 5000 Zeichen haben."),
    ]
    assert still_open
    assert Message.objects.count() == before


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "post", "body": "ohne Thema"},
        {"type": "edit", "body": "ohne Beitrag"},
        {"type": "delete"},
        {"type": "hide"},
        {"type": "typing"},
        {"type": "read", "topic": 1},
    ],
    ids=["post", "edit", "delete", "hide", "typing", "read"],
)
def test_frames_missing_a_field_are_invalid_and_the_connection_stays_open(open_plg, lehrkraft_a, frame):
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            await send(ws, client_id="incomplete", **frame)
            try:
                error = await next_frame(ws, "error")
            except KeyError as missing:
                pytest.fail(f"the consumer crashed (KeyError {missing}) instead of answering with an error frame")
            return error, await is_open(ws)
        finally:
            await close_all(ws)

    error, still_open = run(scenario)
    assert (error["code"], error["message"], error["client_id"]) == (
        "invalid",
        "Die Nachricht ist unvollständig oder verweist auf etwas Unbekanntes.",
        "incomplete",
    )
    assert still_open


def test_edit_delete_hide_and_unhide_are_broadcast(open_plg, topic, lehrkraft_a, plg_leitung):
    mine = _post(lehrkraft_a, topic, "Mein Beitrag")
    other = _post(lehrkraft_a, topic, "Noch einer")
    anna, lena = session_of(lehrkraft_a), session_of(plg_leitung)

    async def scenario():
        a = await open_socket(open_plg.pk, anna)
        b = await open_socket(open_plg.pk, lena)
        seen = {}
        try:
            await send(a, type="edit", message=mine.pk, body="Mein _verbesserter_ Beitrag")
            seen["edit"] = (await next_frame(a, "message"), await next_frame(b, "message"))
            await send(b, type="hide", message=mine.pk)
            seen["hide"] = (await next_frame(a, "message"), await next_frame(b, "message"))
            await send(b, type="unhide", message=mine.pk)
            seen["unhide"] = (await next_frame(a, "message"), await next_frame(b, "message"))
            await send(b, type="delete", message=other.pk)  # a lead deletes a member's message
            seen["delete"] = (await next_frame(a, "message"), await next_frame(b, "message"))
            return seen
        finally:
            await close_all(a, b)

    seen = run(scenario)
    for action, message, state in [
        ("edit", mine, "edited"),
        ("hide", mine, "hidden"),
        ("unhide", mine, "visible"),
        ("delete", other, "deleted"),
    ]:
        for frame in seen[action]:
            assert (frame["id"], frame["state"]) == (message.pk, state), action
    assert "<em>verbesserter</em>" in seen["edit"][0]["html"]
    assert "Mein" not in seen["hide"][0]["html"]
    assert "Noch einer" not in seen["delete"][0]["html"]
    other.refresh_from_db()
    assert (other.state, other.body, other.moderated_by) == (MessageState.DELETED, "", plg_leitung)


def test_refused_edit_delete_and_hide_are_error_frames_and_change_nothing(open_plg, topic, lehrkraft_a, plg_leitung):
    leads = _post(plg_leitung, topic, "Beitrag der Leitung")
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            errors = []
            for frame in (
                {"type": "edit", "message": leads.pk, "body": "übernommen"},
                {"type": "delete", "message": leads.pk},
                {"type": "hide", "message": leads.pk},
                {"type": "unhide", "message": leads.pk},
                {"type": "edit", "message": leads.pk + 1000, "body": "gibt es nicht"},
            ):
                await send(ws, **frame)
                errors.append(await next_frame(ws, "error"))
            return errors, await is_open(ws)
        finally:
            await close_all(ws)

    errors, still_open = run(scenario)
    assert [(e["code"], e["message"]) for e in errors] == [
        ("forbidden", "Sie können nur Ihre eigenen Beiträge bearbeiten."),
        ("forbidden", "Sie können nur Ihre eigenen Beiträge löschen."),
        ("forbidden", "Nur die PLG-Leitung und das SMZ können Beiträge ausblenden."),
        ("forbidden", "Nur die PLG-Leitung und das SMZ können Beiträge ausblenden."),
        ("invalid", "Die Nachricht ist unvollständig oder verweist auf etwas Unbekanntes."),
    ]
    assert still_open
    leads.refresh_from_db()
    assert (leads.body, leads.state, leads.moderated_by) == ("Beitrag der Leitung", MessageState.VISIBLE, None)


def test_smz_may_hide_in_any_plg(closed_plg, lehrkraft_a, smz):
    topic = services.create_topic(actor=lehrkraft_a, plg=closed_plg, title="Intern", body="Unpassend")
    message = topic.messages.get()
    session = session_of(smz)

    async def scenario():
        ws = await open_socket(closed_plg.pk, session)
        try:
            await send(ws, type="hide", message=message.pk)
            return await next_frame(ws, "message")
        finally:
            await close_all(ws)

    assert run(scenario)["state"] == "hidden"
    message.refresh_from_db()
    assert (message.state, message.moderated_by) == (MessageState.HIDDEN, smz)


# --- Ephemeral: typing, presence, read ------------------------------------------------------


def test_typing_reaches_the_others_but_not_the_sender(open_plg, topic, lehrkraft_a, plg_leitung):
    anna, lena = session_of(lehrkraft_a), session_of(plg_leitung)

    async def scenario():
        a = await open_socket(open_plg.pk, anna)
        b = await open_socket(open_plg.pk, lena)
        try:
            await drain(a)
            await drain(b)
            await send(a, type="typing", topic=topic.pk)
            to_other = await next_frame(b, "typing")
            return to_other, await drain(a)
        finally:
            await close_all(a, b)

    to_other, to_sender = run(scenario)
    assert to_other == {"type": "typing", "topic": topic.pk, "user": lehrkraft_a.pk, "name": "Anna Lehmann"}
    assert [f for f in to_sender if f["type"] == "typing"] == []


def test_presence_lists_who_is_online(open_plg, lehrkraft_a, plg_leitung):
    anna, lena = session_of(lehrkraft_a), session_of(plg_leitung)

    async def scenario():
        a = await open_socket(open_plg.pk, anna)
        alone = await next_frame(a, "presence")
        b = await open_socket(open_plg.pk, lena)
        together = await next_frame(a, "presence")
        await close_all(b)
        after_leaving = await next_frame(a, "presence")
        await close_all(a)
        return alone, together, after_leaving

    alone, together, after_leaving = run(scenario)
    anna_entry = {"id": lehrkraft_a.pk, "name": "Anna Lehmann"}
    assert alone["users"] == [anna_entry]
    assert together["users"] == [anna_entry, {"id": plg_leitung.pk, "name": "Lena Leitner"}]
    assert after_leaving["users"] == [anna_entry]


def test_presence_keeps_members_who_stay_connected_longer_than_its_expiry(
    monkeypatch, open_plg, lehrkraft_a, plg_leitung
):
    """Presence entries expire (a crashed process must not leave ghosts), but whoever is still connected is online."""
    monkeypatch.setattr(realtime, "PRESENCE_SECONDS", 1)  # 90 s in production
    anna, lena = session_of(lehrkraft_a), session_of(plg_leitung)

    async def scenario():
        a = await open_socket(open_plg.pk, anna)
        try:
            await drain(a)
            await asyncio.sleep(realtime.PRESENCE_SECONDS * 2)  # Anna stays on the page
            b = await open_socket(open_plg.pk, lena)
            try:
                return await next_frame(b, "presence")
            finally:
                await close_all(b)
        finally:
            await close_all(a)

    presence = run(scenario)
    assert [u["name"] for u in presence["users"]] == ["Anna Lehmann", "Lena Leitner"]


def test_read_stores_the_position_and_reaches_only_the_users_own_sockets(open_plg, topic, lehrkraft_a, plg_leitung):
    first = _post(plg_leitung, topic, "eins")
    second = _post(plg_leitung, topic, "zwei")
    anna, lena = session_of(lehrkraft_a), session_of(plg_leitung)

    async def scenario():
        phone = await open_socket(open_plg.pk, anna)
        laptop = await open_socket(open_plg.pk, anna)
        lead = await open_socket(open_plg.pk, lena)
        try:
            for ws in (phone, laptop, lead):
                await drain(ws)
            await send(phone, type="read", topic=topic.pk, message=second.pk)
            on_laptop = await next_frame(laptop, "read")
            await send(phone, type="read", topic=topic.pk, message=first.pk)  # never goes back
            on_laptop_again = await next_frame(laptop, "read")
            return on_laptop, on_laptop_again, await drain(lead)
        finally:
            await close_all(phone, laptop, lead)

    on_laptop, on_laptop_again, at_lead = run(scenario)
    assert on_laptop == {"type": "read", "topic": topic.pk, "message": second.pk}
    assert on_laptop_again["message"] == second.pk
    assert [f for f in at_lead if f["type"] == "read"] == []
    assert ReadPosition.objects.get(user=lehrkraft_a, topic=topic).last_read_id == second.pk


# --- Protection: rate, size, malformed frames -----------------------------------------------


def test_21st_post_within_the_window_is_rate_limited_and_the_connection_stays_open(
    monkeypatch, open_plg, topic, lehrkraft_a
):
    # One fixed instant in the middle of a window: the 21 posts cannot straddle a window boundary.
    window = consumers.RATE_LIMIT[1]
    instant = (int(consumers.time.time()) // window) * window + window / 2
    monkeypatch.setattr(consumers, "time", SimpleNamespace(time=lambda: instant))
    session = session_of(lehrkraft_a)
    before = Message.objects.count()

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            accepted = []
            for i in range(20):
                await send(ws, type="post", topic=topic.pk, body=f"Nummer {i}", client_id=f"c{i}")
                accepted.append(await next_frame(ws, "message"))
            await send(ws, type="post", topic=topic.pk, body="zu schnell", client_id="c20")
            limited = await next_frame(ws, "error")
            await send(ws, type="edit", message=accepted[0]["id"], body="auch zu schnell")
            limited_edit = await next_frame(ws, "error")
            return accepted, limited, limited_edit, await is_open(ws)
        finally:
            await close_all(ws)

    accepted, limited, limited_edit, still_open = run(scenario)
    assert len(accepted) == 20
    assert limited["code"] == "rate_limited" and limited["client_id"] == "c20"
    assert limited["retry_after"] == window / 2
    assert limited["message"] == f"Sie schreiben sehr schnell; bitte warten Sie {int(window / 2)} Sekunden."
    assert limited_edit["code"] == "rate_limited"
    assert still_open
    assert Message.objects.count() == before + 20
    assert not Message.objects.filter(body__in=["zu schnell", "auch zu schnell"]).exists()


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ('{"type": "ping", "pad": "' + "x" * consumers.MAX_FRAME + '"}', "too_large", "Die Nachricht ist zu groß."),
        ('{"type": "post", "topic": ', "invalid_json", "Die Nachricht ist kein gültiges JSON."),
        ("[1, 2, 3]", "invalid_json", "Die Nachricht ist kein JSON-Objekt."),
        ('{"type": "shout"}', "unknown_type", "Unbekannter Nachrichtentyp."),
        ('{"type": "__init__"}', "unknown_type", "Unbekannter Nachrichtentyp."),
        ('{"body": "ohne Typ"}', "unknown_type", "Unbekannter Nachrichtentyp."),
    ],
    ids=["too-large", "malformed-json", "not-an-object", "unknown-type", "dunder-type", "no-type"],
)
def test_bad_frames_get_an_error_and_the_connection_stays_open(open_plg, lehrkraft_a, text, code, message):
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            await ws.send_to(text_data=text)
            return await next_frame(ws, "error"), await is_open(ws)
        finally:
            await close_all(ws)

    error, still_open = run(scenario)
    assert (error["code"], error["message"]) == (code, message)
    assert still_open


# --- Losing access, falling behind -----------------------------------------------------------


def test_removing_a_member_closes_their_open_socket_with_4403(open_plg, lehrkraft_a, plg_leitung):
    anna, lena = session_of(lehrkraft_a), session_of(plg_leitung)

    async def scenario():
        member = await open_socket(open_plg.pk, anna)
        lead = await open_socket(open_plg.pk, lena)
        try:
            await drain(lead)
            await sync_to_async(services.remove_member)(actor=plg_leitung, plg=open_plg, user=lehrkraft_a)
            code = await close_code(member)
            at_lead = await drain(lead)
            return code, at_lead, await is_open(lead)
        finally:
            await close_all(member, lead)

    code, at_lead, lead_still_connected = run(scenario)
    assert code == consumers.CLOSE_FORBIDDEN == 4403
    assert lead_still_connected
    # Only documented frames reach the others: the internal revocation event is not one of them.
    assert [f["type"] for f in at_lead if f["type"] != "presence"] == []


def test_a_socket_whose_outbox_is_full_is_closed_with_4408(monkeypatch, open_plg, topic, lehrkraft_a):
    """A client that stops reading: its writes stall, its outbox fills, it is dropped (and catches up later)."""
    monkeypatch.setattr(consumers, "OUTBOX_SIZE", 3)
    stalled = {"on": False}
    original_send = consumers.DiscussionConsumer.send

    async def stalling_send(self, *args, **kwargs):
        if stalled["on"]:
            await asyncio.Event().wait()  # the network does not take any more bytes
        return await original_send(self, *args, **kwargs)

    monkeypatch.setattr(consumers.DiscussionConsumer, "send", stalling_send)
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            await sync(ws, 0)
            await drain(ws)
            stalled["on"] = True
            for i in range(consumers.OUTBOX_SIZE + 2):  # one in the stuck write, three queued, one too many
                await sync_to_async(_post)(lehrkraft_a, topic, f"Flut {i}")
            return await close_code(ws)
        finally:
            await close_all(ws)

    assert run(scenario) == consumers.CLOSE_TOO_SLOW == 4408
    assert topic.messages.filter(body__startswith="Flut").count() == consumers.OUTBOX_SIZE + 2

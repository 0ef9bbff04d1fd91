"""The PLG discussion WebSocket (docs/realtime.md) through Channels' WebsocketCommunicator.

Each test prepares people and data synchronously, then runs one async scenario with
``async_to_sync`` (pytest-asyncio is not used). The scenario talks to ``lernen25.asgi.application``
with the test session cookie, over the in-memory channel layer and the local-memory cache.
The database is touched from the scenario only through ``sync_to_async``; the consumer uses
``database_sync_to_async``, hence ``transaction=True``.
"""

from __future__ import annotations

import asyncio
import collections
import json
import time
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from lernen25 import limits
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
    open_synced,
    refused,
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


def _error(code: str, message: str, client_id: str = "", **extra) -> dict:
    """An ``error`` frame as the server sends it."""
    return {"type": "error", "code": code, "message": message, "client_id": client_id, **extra}


@pytest.fixture
def still_clock(monkeypatch):
    """The limiter's clock stands still 15 s into a minute: halfway through a 30 s window, a quarter into a 60 s one.

    Counts then never straddle a window boundary, and the waits a refusal names are exact. With the
    previous window empty, a refusal's wait is the rest of the current window plus the time until its
    uses, then weighted as the previous window's, leave room for one more.
    """
    instant = (int(time.time()) // 60) * 60 + 15
    monkeypatch.setattr(limits, "time", SimpleNamespace(time=lambda: instant))
    return instant


# --- Who may connect ------------------------------------------------------------------------


@pytest.mark.parametrize("cookie", [None, "keine-gueltige-sitzung"], ids=["no-session", "unknown-session"])
def test_guests_are_told_to_sign_in_and_closed_with_4401(open_plg, cookie):
    frames, code = run(refused, open_plg.pk, cookie)
    assert frames == [_error("signed_out", "Bitte melden Sie sich erneut an.")]
    assert code == consumers.CLOSE_SIGNED_OUT == 4401


@pytest.mark.parametrize(
    ("plg_name", "persona"),
    [("closed_plg", "lehrkraft_b"), ("open_plg", "lehrkraft_b"), ("request_plg", "lehrkraft_b")],
    ids=["outsider-of-closed-plg", "non-member-of-open-plg", "non-member-of-on-request-plg"],
)
def test_people_without_access_are_refused_with_forbidden_and_4403(request, plg_name, persona):
    plg = request.getfixturevalue(plg_name)
    session = session_of(request.getfixturevalue(persona))

    frames, code = run(refused, plg.pk, session)
    assert frames == [_error("forbidden", "Sie haben keinen Zugang zu dieser Diskussion.")]
    assert code == consumers.CLOSE_FORBIDDEN == 4403


def test_unknown_plg_is_refused_with_forbidden_and_4403(open_plg, lehrkraft_a):
    session = session_of(lehrkraft_a)

    frames, code = run(refused, open_plg.pk + 10_000, session)
    assert frames == [_error("forbidden", "Sie haben keinen Zugang zu dieser Diskussion.")]
    assert code == 4403


def test_other_origin_is_closed_with_4403_without_a_frame(open_plg, lehrkraft_a):
    session = session_of(lehrkraft_a)

    frames, code = run(refused, open_plg.pk, session, b"https://evil.example")
    assert (frames, code) == ([], 4403)


def test_too_many_sockets_of_one_person_are_refused_with_4429(monkeypatch, open_plg, lehrkraft_a):
    monkeypatch.setattr(consumers, "SOCKETS_PER_USER", 2)  # 12 in production
    session = session_of(lehrkraft_a)

    async def scenario():
        first = await open_socket(open_plg.pk, session)
        second = await open_socket(open_plg.pk, session)
        try:
            third = await refused(open_plg.pk, session)
            return third, await is_open(first), await is_open(second)
        finally:
            await close_all(first, second)

    (frames, code), *others_open = run(scenario)
    message = "Sie haben zu viele Diskussionsfenster geöffnet; bitte schließen Sie einige davon."
    assert frames == [_error("too_many_sockets", message)]
    assert code == consumers.CLOSE_TOO_MANY == 4429
    assert others_open == [True, True]


def test_too_many_handshakes_in_a_minute_are_refused_with_4429_and_a_wait(
    monkeypatch, still_clock, open_plg, lehrkraft_a
):
    spec = limits.registered_limits()["plc.connect"]
    monkeypatch.setitem(limits._limits, "plc.connect", limits.Limit(spec.name, 2, spec.seconds, spec.message))
    session = session_of(lehrkraft_a)

    async def scenario():
        for _ in range(2):
            await close_all(await open_socket(open_plg.pk, session))
        return await refused(open_plg.pk, session)

    frames, code = run(scenario)
    # 45 s until the window ends, then 30 s until its 2 handshakes weigh less than 2 - 1.
    message = "Zu viele Verbindungen in kurzer Zeit; bitte warten Sie 75 Sekunden."
    assert frames == [_error("rate_limited", message, retry_after=75)]
    assert code == 4429


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


def test_handshakes_arriving_together_are_admitted_together_each_with_its_own_answer(
    monkeypatch, open_plg, closed_plg, topic, lehrkraft_a, lehrkraft_b, plg_leitung, smz
):
    """A reconnect storm: the waiting handshakes share their queries (``Batched``), the rules decide each."""
    batches = []
    admit_many = consumers._admit_many
    monkeypatch.setattr(consumers, "_admit_many", lambda sockets: batches.append(len(sockets)) or admit_many(sockets))
    for body in ("eins", "zwei", "drei"):
        _post(plg_leitung, topic, body)
    position = selectors.stream_position(open_plg.pk)
    cases = [  # (PLG, session, last_seq of the first sync) → close code or the messages caught up
        (open_plg, session_of(lehrkraft_a), 0),
        (open_plg, session_of(plg_leitung), position),
        (open_plg, session_of(lehrkraft_b), 0),  # not a member
        (open_plg, None, 0),  # no session
        (closed_plg, session_of(smz), 0),
        (closed_plg, session_of(lehrkraft_b), 0),  # outsider
        (open_plg, session_of(lehrkraft_a), position - 1),  # a second tab, one message behind
    ]

    async def scenario():
        sockets = [socket(plg.pk, session) for plg, session, _ in cases]
        await asyncio.gather(*(ws.connect(timeout=TIMEOUT) for ws in sockets))

        async def outcome(ws, last_seq):
            await send(ws, type="sync", last_seq=last_seq)
            frame = await ws.receive_json_from(timeout=TIMEOUT)
            if frame["type"] == "error":
                return frame["code"], (await ws.receive_output(timeout=TIMEOUT))["code"]
            messages = []
            while frame["type"] != "synced":
                if frame["type"] == "message":
                    messages.append(frame["seq"])
                frame = await ws.receive_json_from(timeout=TIMEOUT)
            return messages, frame["last_seq"]

        try:
            last_seqs = [last_seq for _, _, last_seq in cases]
            return await asyncio.gather(*(outcome(ws, seq) for ws, seq in zip(sockets, last_seqs, strict=True)))
        finally:
            await close_all(*sockets)

    outcomes = run(scenario)
    assert outcomes == [
        (list(range(1, position + 1)), position),  # the topic opened with a message of its own
        ([], position),
        ("forbidden", 4403),
        ("signed_out", 4401),
        ([], 0),
        ("forbidden", 4403),
        ([position], position),
    ]
    assert sum(batches) == len(cases) and len(batches) < len(cases)


# --- Catch-up -------------------------------------------------------------------------------


def test_sync_sends_every_message_above_last_seq_in_stream_order_then_synced(open_plg, topic, lehrkraft_a, plg_leitung):
    other = services.create_topic(actor=plg_leitung, plg=open_plg, title="Zweites Thema", body="Hallo")
    _post(lehrkraft_a, topic, "zwei")
    _post(plg_leitung, other, "drei")
    stream = list(Message.objects.filter(plg=open_plg).order_by("seq").values_list("pk", "seq"))
    assert [seq for _pk, seq in stream] == [1, 2, 3, 4]  # one position per change, without gaps
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        fresh = await open_socket(open_plg.pk, session)
        try:
            everything = await sync(ws, 0)
            again = await sync(ws, 0)  # this socket has sent all of it already
            after_second = await sync(fresh, stream[1][1])
            return everything, again, after_second
        finally:
            await close_all(ws, fresh)

    (messages, synced), (repeated, synced_again), (later, synced_later) = run(scenario)
    assert [(m["id"], m["seq"]) for m in messages] == stream
    assert {m["topic"] for m in messages} == {topic.pk, other.pk}
    assert synced == {"type": "synced", "last_seq": 4, "complete": True}
    assert (repeated, synced_again) == ([], synced)
    assert [(m["id"], m["seq"]) for m in later] == stream[2:]
    assert synced_later == synced


def test_a_message_changed_after_the_clients_last_seq_comes_once_in_its_latest_version(
    open_plg, topic, lehrkraft_a, plg_leitung
):
    first = topic.messages.get()
    second = _post(lehrkraft_a, topic, "zwei")
    session = session_of(lehrkraft_a)

    async def read_everything():
        ws = await open_socket(open_plg.pk, session)
        try:
            return await sync(ws, 0)
        finally:
            await close_all(ws)

    _, synced = run(read_everything)  # the client holds positions 1 and 2, then goes away
    services.edit_message(actor=lehrkraft_a, message=first, body="eins, verbessert")  # 3
    newest = _post(plg_leitung, topic, "drei")  # 4
    services.edit_message(actor=lehrkraft_a, message=first, body="eins, noch einmal verbessert")  # 5

    async def reconnect():
        ws = await open_socket(open_plg.pk, session)
        try:
            return await sync(ws, synced["last_seq"])
        finally:
            await close_all(ws)

    caught_up, synced_again = run(reconnect)
    assert synced["last_seq"] == second.seq == 2
    assert [(m["id"], m["seq"]) for m in caught_up] == [(newest.pk, 4), (first.pk, 5)]
    edited = caught_up[1]
    assert edited["state"] == MessageState.EDITED
    assert "eins, noch einmal verbessert" in edited["html"] and "eins, verbessert" not in edited["html"]
    assert synced_again == {"type": "synced", "last_seq": 5, "complete": True}


def test_positions_the_client_has_are_not_sent_again(open_plg, topic, lehrkraft_a, plg_leitung):
    posts = [_post(plg_leitung, topic, f"Beitrag {seq}") for seq in range(2, 6)]
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            return await sync(ws, 1, have=(3, 5))
        finally:
            await close_all(ws)

    caught_up, synced = run(scenario)
    assert [(m["id"], m["seq"]) for m in caught_up] == [(posts[0].pk, 2), (posts[2].pk, 4)]
    assert synced == {"type": "synced", "last_seq": 5, "complete": True}


@pytest.mark.parametrize("held", [False, True], ids=["new-to-the-client", "held-from-an-earlier-connection"])
def test_message_events_wait_for_the_first_sync_and_come_once(open_plg, topic, lehrkraft_a, plg_leitung, held):
    """Until the client says what it holds, a live message event waits: sent at once, it could repeat
    what an earlier connection brought (a late broadcast); after the sync it comes once, or not at all."""
    first = topic.messages.get()
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            await drain(ws)
            live = await sync_to_async(_post)(plg_leitung, topic, "live vor dem Abgleich")
            before_sync = [f for f in await drain(ws) if f["type"] == "message"]
            caught_up, synced = await sync(ws, 0, have=(live.seq,) if held else ())
            return live, before_sync, caught_up, synced, await drain(ws)
        finally:
            await close_all(ws)

    live, before_sync, caught_up, synced, afterwards = run(scenario)
    assert before_sync == []
    expected = [(first.pk, 1)] if held else [(first.pk, 1), (live.pk, 2)]
    assert [(m["id"], m["seq"]) for m in caught_up] == expected
    assert synced == {"type": "synced", "last_seq": 2, "complete": True}
    assert [f for f in afterwards if f["type"] == "message"] == []


def test_reconnect_with_last_seq_receives_exactly_the_missed_messages_in_order(
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
            caught_up, synced_again = await sync(ws, synced["last_seq"])
            return synced, missed, caught_up, synced_again
        finally:
            await close_all(ws)

    synced, missed, caught_up, synced_again = run(scenario)
    assert synced["last_seq"] == topic.messages.get(body="Wer macht mit?").seq == 1
    assert (
        [(m["id"], m["seq"]) for m in caught_up]
        == [(m.pk, m.seq) for m in missed]
        == [
            (missed[0].pk, 2),
            (missed[1].pk, 3),
            (missed[2].pk, 4),
        ]
    )
    assert ["verpasst 0" in caught_up[0]["html"], "verpasst 2" in caught_up[2]["html"]] == [True, True]
    assert synced_again == {"type": "synced", "last_seq": 4, "complete": True}


def test_a_catch_up_of_more_than_the_limit_sends_nothing_and_says_it_is_incomplete(
    monkeypatch, open_plg, topic, lehrkraft_a, plg_leitung
):
    monkeypatch.setattr(selectors, "CATCH_UP_LIMIT", 2)  # 500 in production
    _post(plg_leitung, topic, "zwei")
    third = _post(plg_leitung, topic, "drei")
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            too_much = await sync(ws, 0)  # three missed: the client reloads the page instead
            rest = await sync(ws, 1)  # nothing counted as sent: the next catch-up brings what it misses
            return too_much, rest
        finally:
            await close_all(ws)

    (none, incomplete), (caught_up, synced) = run(scenario)
    assert (none, incomplete) == ([], {"type": "synced", "last_seq": 0, "complete": False})
    assert [m["seq"] for m in caught_up] == [2, 3] and caught_up[-1]["id"] == third.pk
    assert synced == {"type": "synced", "last_seq": 3, "complete": True}


def test_the_13th_sync_within_a_minute_is_rate_limited_and_the_connection_stays_open(
    still_clock, open_plg, topic, lehrkraft_a
):
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            answered = [(await sync(ws, 0))[1] for _ in range(12)]
            await send(ws, type="sync", last_seq=0, client_id="s13")
            return answered, await next_frame(ws, "error"), await is_open(ws)
        finally:
            await close_all(ws)

    answered, limited, still_open = run(scenario)
    assert answered == [{"type": "synced", "last_seq": 1, "complete": True}] * 12
    # 45 s until the window ends, then 5 s until its 12 catch-ups weigh less than 12 - 1.
    message = "Zu viele Abgleich-Anfragen; bitte warten Sie 50 Sekunden."
    assert limited == _error("rate_limited", message, "s13", retry_after=50)
    assert still_open


# --- Writing --------------------------------------------------------------------------------


def test_post_reaches_every_connected_member_and_the_sender_gets_its_client_id(
    open_plg, topic, lehrkraft_a, plg_leitung
):
    anna, lena = session_of(lehrkraft_a), session_of(plg_leitung)

    async def scenario():
        a = await open_synced(open_plg.pk, anna)
        b = await open_synced(open_plg.pk, lena)
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
        assert frame["seq"] == message.seq == 2
        assert "<strong>Neu:</strong>" in frame["html"]
        assert '<a href="https://example.org" rel="noopener nofollow">Material</a>' in frame["html"]
        assert f'id="m{message.pk}"' in frame["html"]


def test_posts_arriving_together_are_written_together_and_each_sender_gets_its_answer(
    monkeypatch, open_plg, topic, lehrkraft_a, plg_leitung
):
    batches = []
    post_many = consumers._post_many
    monkeypatch.setattr(consumers, "_post_many", lambda posts: batches.append(len(posts)) or post_many(posts))
    senders = [session_of(lehrkraft_a), session_of(plg_leitung), session_of(lehrkraft_a)]
    topics = [topic.pk, topic.pk, topic.pk + 1000]  # the third: a topic that does not exist
    arrays = []

    async def scenario():
        sockets = [await open_synced(open_plg.pk, session) for session in senders]
        try:
            for index, (ws, topic_id) in enumerate(zip(sockets, topics, strict=True)):
                await send(ws, type="post", topic=topic_id, body=f"Beitrag {index}", client_id=f"c-{index}")

            async def answer(ws, index):
                while True:  # one's own message, or an error frame
                    data = await ws.receive_json_from(timeout=TIMEOUT)
                    arrays.append(isinstance(data, list))  # messages written together come as one array
                    for frame in data if isinstance(data, list) else [data]:
                        if frame.get("client_id") == f"c-{index}":
                            return frame["type"], frame.get("code") or frame["seq"]

            return await asyncio.gather(*(answer(ws, index) for index, ws in enumerate(sockets)))
        finally:
            await close_all(*sockets)

    first, second, unknown = run(scenario)
    assert unknown == ("error", "not_found")
    assert {first[0], second[0]} == {"message"} and sorted([first[1], second[1]]) == [2, 3]
    assert sum(batches) == 3 and len(batches) < 3
    assert any(arrays)  # the two written together reached the sockets as one frame
    assert list(Message.objects.filter(topic=topic).order_by("seq").values_list("body", flat=True))[1:] == [
        "Beitrag 0",
        "Beitrag 1",
    ]


def test_refused_posts_are_error_frames_and_the_connection_stays_open(
    open_plg, closed_plg, topic, lehrkraft_a, plg_leitung
):
    foreign = services.create_topic(actor=plg_leitung, plg=closed_plg, title="Andere PLG", body="x")
    unlocked = services.create_topic(actor=plg_leitung, plg=open_plg, title="Offen", body="x")
    foreign_message = foreign.messages.get()
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
                {"topic": unlocked.pk, "body": "Antwort", "reply_to": foreign_message.pk, "client_id": "reply"},
                {"topic": unlocked.pk, "body": "x" * 5001, "client_id": "long"},
            ):
                await send(ws, type="post", **frame)
                errors.append(await next_frame(ws, "error"))
            return errors, await is_open(ws)
        finally:
            await close_all(ws)

    errors, still_open = run(scenario)
    assert errors == [
        _error("conflict", "Dieses Thema ist gesperrt.", "locked"),
        _error("not_found", "Dieses Thema gibt es in dieser PLG nicht.", "foreign"),
        _error("not_found", "Diesen Beitrag gibt es in dieser PLG nicht.", "reply"),
        _error("invalid", "Ein Beitrag darf höchstens 5000 Zeichen haben.", "long"),
    ]
    assert still_open
    assert Message.objects.count() == before


@pytest.mark.parametrize(
    ("frame", "field"),
    [
        ({"type": "post", "body": "ohne Thema"}, "topic"),
        ({"type": "post", "topic": 1}, "body"),
        ({"type": "edit", "body": "ohne Beitrag"}, "message"),
        ({"type": "delete"}, "message"),
        ({"type": "hide"}, "message"),
        ({"type": "typing"}, "topic"),
        ({"type": "read", "topic": 1}, "message"),
    ],
    ids=["post", "post-body", "edit", "delete", "hide", "typing", "read"],
)
def test_frames_missing_a_field_are_invalid_and_the_connection_stays_open(open_plg, lehrkraft_a, frame, field):
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            await send(ws, client_id="incomplete", **frame)
            return await next_frame(ws, "error"), await is_open(ws)
        finally:
            await close_all(ws)

    error, still_open = run(scenario)
    assert error == _error("invalid", f"Das Feld „{field}“ fehlt.", "incomplete")
    assert still_open


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ({"type": "post", "topic": "1", "body": "x"}, "Das Feld „topic“ hat einen unbrauchbaren Wert."),
        ({"type": "post", "topic": True, "body": "x"}, "Das Feld „topic“ hat einen unbrauchbaren Wert."),
        ({"type": "post", "topic": 1, "body": None}, "Das Feld „body“ hat einen unbrauchbaren Wert."),
        ({"type": "edit", "message": 1.5, "body": "x"}, "Das Feld „message“ hat einen unbrauchbaren Wert."),
        ({"type": "read", "topic": 1, "message": 0}, "Das Feld „message“ hat einen unbrauchbaren Wert."),
        ({"type": "sync", "last_seq": -1}, "Das Feld „last_seq“ hat einen unbrauchbaren Wert."),
        ({"type": "sync", "have": ["3"]}, "Das Feld „have.0“ hat einen unbrauchbaren Wert."),
        ({"type": "sync", "last_id": 5}, "Die Nachricht enthält ein Feld, das nicht dazugehört: „last_id“."),
        (
            {"type": "sync", "last_seq": 0, "since": "2026-11-29T18:00:00+00:00"},
            "Die Nachricht enthält ein Feld, das nicht dazugehört: „since“.",
        ),
        (
            {"type": "post", "topic": 1, "body": "x", "author": 2},
            "Die Nachricht enthält ein Feld, das nicht dazugehört: „author“.",
        ),
    ],
    ids=[
        "id-as-string",
        "id-as-true",
        "body-null",
        "id-as-float",
        "id-zero",
        "negative-position",
        "position-as-string",
        "old-last-id",
        "old-since",
        "unknown-field",
    ],
)
def test_frames_with_a_wrong_value_or_an_unknown_field_are_invalid_and_do_nothing(
    open_plg, topic, lehrkraft_a, frame, message
):
    session = session_of(lehrkraft_a)
    before = list(Message.objects.values_list("pk", "seq", "body"))

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            await send(ws, client_id="strict", **frame)
            error = await next_frame(ws, "error")
            return error, await drain(ws), await is_open(ws)
        finally:
            await close_all(ws)

    error, afterwards, still_open = run(scenario)
    assert error == _error("invalid", message, "strict")
    assert [f for f in afterwards if f["type"] != "presence"] == []  # no message, no synced
    assert still_open
    assert list(Message.objects.values_list("pk", "seq", "body")) == before


def test_edit_delete_hide_and_unhide_are_broadcast_each_with_the_next_position(
    open_plg, topic, lehrkraft_a, plg_leitung
):
    mine = _post(lehrkraft_a, topic, "Mein Beitrag")
    other = _post(lehrkraft_a, topic, "Noch einer")
    anna, lena = session_of(lehrkraft_a), session_of(plg_leitung)

    async def scenario():
        a = await open_synced(open_plg.pk, anna)
        b = await open_synced(open_plg.pk, lena)
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
    # Positions 1-3 are the topic's first message and the two posts; each change takes the next one.
    for action, message, state, seq in [
        ("edit", mine, "edited", 4),
        ("hide", mine, "hidden", 5),
        ("unhide", mine, "visible", 6),
        ("delete", other, "deleted", 7),
    ]:
        for frame in seen[action]:
            assert (frame["id"], frame["state"], frame["seq"]) == (message.pk, state, seq), action
    assert "<em>verbesserter</em>" in seen["edit"][0]["html"]
    assert "Mein" not in seen["hide"][0]["html"]
    assert "Noch einer" not in seen["delete"][0]["html"]
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (other.state, other.body, other.moderated_by, other.seq) == (MessageState.DELETED, "", plg_leitung, 7)
    assert mine.seq == 6


def test_refused_edit_delete_and_hide_are_error_frames_and_change_nothing(
    open_plg, closed_plg, topic, lehrkraft_a, plg_leitung
):
    leads = _post(plg_leitung, topic, "Beitrag der Leitung")
    elsewhere = services.create_topic(actor=lehrkraft_a, plg=closed_plg, title="Andere PLG", body="x").messages.get()
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
                {"type": "edit", "message": elsewhere.pk, "body": "eigener Beitrag, andere PLG"},
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
        ("not_found", "Diesen Beitrag gibt es in dieser PLG nicht."),
        ("not_found", "Diesen Beitrag gibt es in dieser PLG nicht."),
    ]
    assert still_open
    leads.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (leads.body, leads.state, leads.moderated_by, leads.seq) == (
        "Beitrag der Leitung",
        MessageState.VISIBLE,
        None,
        2,
    )
    assert (elsewhere.body, elsewhere.state) == ("x", MessageState.VISIBLE)


def test_smz_may_hide_in_any_plg(closed_plg, lehrkraft_a, smz):
    topic = services.create_topic(actor=lehrkraft_a, plg=closed_plg, title="Intern", body="Unpassend")
    message = topic.messages.get()
    session = session_of(smz)

    async def scenario():
        ws = await open_synced(closed_plg.pk, session)
        try:
            await send(ws, type="hide", message=message.pk)
            return await next_frame(ws, "message")
        finally:
            await close_all(ws)

    frame = run(scenario)
    assert (frame["state"], frame["seq"]) == ("hidden", 2)
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


def test_typing_is_relayed_at_most_once_per_interval_per_person_and_topic(
    monkeypatch, open_plg, topic, lehrkraft_a, plg_leitung
):
    monkeypatch.setattr(realtime, "TYPING_EVERY", 1.0)  # 2.5 s in production
    other = services.create_topic(actor=plg_leitung, plg=open_plg, title="Zweites Thema", body="Hallo")
    anna, lena = session_of(lehrkraft_a), session_of(plg_leitung)

    def typing(frames):
        return [(f["user"], f["topic"]) for f in frames if f["type"] == "typing"]

    async def scenario():
        a = await open_socket(open_plg.pk, anna)
        b = await open_socket(open_plg.pk, lena)
        try:
            await drain(a)
            await drain(b)
            for _ in range(5):  # a fast typist: one indicator for the burst
                await send(a, type="typing", topic=topic.pk)
            await send(a, type="typing", topic=other.pk)  # another topic counts apart
            await send(b, type="typing", topic=topic.pk)  # and so does another person
            burst, to_anna = await drain(b), await drain(a)
            await asyncio.sleep(realtime.TYPING_EVERY)
            await send(a, type="typing", topic=topic.pk)
            return burst, to_anna, await drain(b)
        finally:
            await close_all(a, b)

    burst, to_anna, later = run(scenario)
    assert typing(burst) == [(lehrkraft_a.pk, topic.pk), (lehrkraft_a.pk, other.pk)]
    assert typing(to_anna) == [(plg_leitung.pk, topic.pk)]
    assert typing(later) == [(lehrkraft_a.pk, topic.pk)]


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


class _Listener:
    """A local socket of the hub that only counts as present (realtime.LocalSocket)."""

    def __init__(self, user_id: int):
        self.user_id, self.user_name = user_id, f"Person {user_id}"

    def deliver(self, event: dict) -> None:
        pass

    def recheck(self, ended_session: str | None = None) -> None:
        pass


def test_a_crowd_arriving_gets_few_presence_announcements_and_the_last_one_counts_everyone():
    """After a restart hundreds of sockets of a PLG arrive within a second or two: every announcement
    goes to each of them, so the hub waits longer for more the more sockets the PLG has."""

    async def scenario():
        hub = realtime.Hub()
        announced = []
        hub.publish = lambda event: announced.append(json.loads(event["payload"])["count"])
        try:
            for number in range(150):  # 150 arrivals over about 1.5 s
                await hub.add(987_654, _Listener(10_000 + number))
                await asyncio.sleep(0.01)
            await asyncio.sleep(realtime.PRESENCE_BURST[1] + 1.5)  # the last burst ends
        finally:
            tasks = [*hub._tasks, *hub._soon.values()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return announced

    announced = asyncio.run(scenario())
    # With a fixed quarter second it was one announcement per 0.25 s of arrivals (six or more here).
    assert 1 <= len(announced) <= 4, announced
    assert announced[-1] == 150
    assert announced == sorted(announced)
    assert realtime.presence_delay(1) == 0.26 and realtime.presence_delay(500) == realtime.PRESENCE_BURST[1]


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

# 15 s until the 30 s window ends; then its 20 writes weigh less than 20 - 1 after another 1.5 s.
WRITE_WAIT = 17
TOO_FAST = f"Sie schreiben sehr schnell; bitte warten Sie {WRITE_WAIT} Sekunden."


def _topic_of_the_lead(plg, lead):
    """A topic someone else opened: the writes counted in a rate-limit test are Anna's own only."""
    return services.create_topic(actor=lead, plg=plg, title="Schnelle Runde", body="Los geht's")


def test_21st_post_within_the_window_is_rate_limited_and_the_connection_stays_open(
    still_clock, open_plg, lehrkraft_a, plg_leitung
):
    topic = _topic_of_the_lead(open_plg, plg_leitung)
    session = session_of(lehrkraft_a)
    before = Message.objects.count()

    async def scenario():
        ws = await open_synced(open_plg.pk, session)
        try:
            accepted = []
            for i in range(20):
                await send(ws, type="post", topic=topic.pk, body=f"Nummer {i}", client_id=f"c{i}")
                accepted.append(await next_frame(ws, "message"))
            await send(ws, type="post", topic=topic.pk, body="zu schnell", client_id="c20")
            limited = await next_frame(ws, "error")
            await send(ws, type="edit", message=accepted[0]["id"], body="auch zu schnell", client_id="e1")
            limited_edit = await next_frame(ws, "error")
            return accepted, limited, limited_edit, await is_open(ws)
        finally:
            await close_all(ws)

    accepted, limited, limited_edit, still_open = run(scenario)
    assert [frame["client_id"] for frame in accepted] == [f"c{i}" for i in range(20)]
    assert limited == _error("rate_limited", TOO_FAST, "c20", retry_after=WRITE_WAIT)
    assert limited_edit == _error("rate_limited", TOO_FAST, "e1", retry_after=WRITE_WAIT)  # edits count too
    assert still_open
    assert Message.objects.count() == before + 20
    assert not Message.objects.filter(body__in=["zu schnell", "auch zu schnell"]).exists()


def test_form_posts_and_socket_posts_share_one_budget(still_clock, open_plg, lehrkraft_a, plg_leitung):
    topic = _topic_of_the_lead(open_plg, plg_leitung)
    client = Client()
    client.force_login(lehrkraft_a)
    url = f"/plg-raum/{open_plg.pk}/themen/{topic.pk}/"
    for i in range(10):
        assert client.post(url, {"body": f"Formular {i}"}).status_code == 302
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_synced(open_plg.pk, session)
        try:
            accepted = []
            for i in range(10):
                await send(ws, type="post", topic=topic.pk, body=f"Socket {i}", client_id=f"s{i}")
                accepted.append(await next_frame(ws, "message"))
            await send(ws, type="post", topic=topic.pk, body="Socket zu viel", client_id="s10")
            return accepted, await next_frame(ws, "error")
        finally:
            await close_all(ws)

    accepted, limited = run(scenario)
    assert len(accepted) == 10
    assert limited == _error("rate_limited", TOO_FAST, "s10", retry_after=WRITE_WAIT)

    before = list(Message.objects.values_list("pk", "body"))
    response = client.post(url, {"body": "Formular zu viel"})
    assert response.status_code == 429
    assert response["Retry-After"] == str(WRITE_WAIT)
    assert TOO_FAST in response.content.decode()
    assert list(Message.objects.values_list("pk", "body")) == before
    assert topic.messages.count() == 1 + 20


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
    original_connect = consumers.DiscussionConsumer.connect

    async def connect_over_a_stalling_network(self):
        server_send = self.base_send  # the ASGI server's send, which the consumer's writer uses

        async def stalling_send(message):
            if stalled["on"] and message["type"] == "websocket.send":  # a close still goes out
                await asyncio.Event().wait()  # the network does not take any more bytes
            return await server_send(message)

        self.base_send = stalling_send
        return await original_connect(self)

    monkeypatch.setattr(consumers.DiscussionConsumer, "connect", connect_over_a_stalling_network)
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


def test_events_written_together_go_out_as_one_array_frame_without_what_the_socket_has_sent():
    socket = consumers.DiscussionConsumer()
    socket.user_id, socket.waiting, socket.floor, socket.sent = 1, None, 5, collections.OrderedDict()
    written = []
    socket.writer = SimpleNamespace(queued=0, write=lambda text, counted=0: written.append((json.loads(text), counted)))

    def event(seq):
        return realtime.event_for(7, {"type": "message", "seq": seq}, seq=seq)

    socket.deliver_many([event(5), event(6), event(7)])  # 5: the catch-up brought it already
    socket.deliver_many([event(6)])  # sent already
    socket.deliver_many([event(6), event(8)])  # one left: a plain frame, not an array of one

    assert written == [
        ([{"type": "message", "seq": 6}, {"type": "message", "seq": 7}], 2),
        ({"type": "message", "seq": 8}, 1),
    ]

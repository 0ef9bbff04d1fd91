"""Exactly once on reconnect: every change of a message reaches a client once, never an older version.

Each write of a message takes the PLG's next stream position (``seq``) inside its transaction; the
counter row stays locked until commit, so positions become visible in commit order without gaps
(``plc.models.DiscussionSequence``). A client sends what it holds (``last_seq`` and ``have``); the
server sends the rest once and drops live events its catch-up covered. The reader here follows the
client's algorithm (frontend/static/js/discussion.js) and counts every frame on the wire.
Across two real processes on Redis: test_scale_out.py.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections, transaction

from plc import services
from plc.models import Message
from tests.plc.sockets import TIMEOUT, close_all, open_socket, run, send, session_of

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrated_data", "fresh_realtime", "unlimited"),
]


@dataclass
class Reader:
    """A client as discussion.js is one: what it holds, and every frame that reached it."""

    last_seq: int = 0
    held: set[int] = field(default_factory=set)
    view: dict[int, tuple[int, str]] = field(default_factory=dict)  # message id -> (seq, html)
    on_the_wire: Counter = field(default_factory=Counter)  # seq -> frames that carried it
    stale: list[int] = field(default_factory=list)  # frames at or below what was already covered
    errors: list[dict] = field(default_factory=list)

    def take(self, frame: dict) -> None:
        if frame["type"] == "error":
            self.errors.append(frame)
        if frame["type"] == "synced":
            assert frame["complete"] is True
            self.last_seq = max(self.last_seq, frame["last_seq"])
            self._advance()
        if frame["type"] != "message":
            return
        seq = frame["seq"]
        self.on_the_wire[seq] += 1
        if seq <= self.last_seq or seq in self.held:
            self.stale.append(seq)
            return
        self.held.add(seq)
        self._advance()
        if self.view.get(frame["id"], (0, ""))[0] < seq:
            self.view[frame["id"]] = (seq, frame["html"])

    def _advance(self) -> None:
        while self.last_seq + 1 in self.held:
            self.held.discard(self.last_seq + 1)
            self.last_seq += 1
        self.held = {seq for seq in self.held if seq > self.last_seq}

    async def connect(self, plg_id: int, session: str):
        ws = await open_socket(plg_id, session)
        await send(ws, type="sync", last_seq=self.last_seq, have=sorted(self.held))
        return ws

    async def listen(self, ws, seconds: float) -> None:
        """Take frames for ``seconds``, then drop the connection abruptly (frames in flight are lost)."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while (left := until - loop.time()) > 0:
            # receive_nothing, not a timed receive: a receive that times out cancels the application.
            if not await ws.receive_nothing(timeout=min(left, 0.02)):
                self.take(await ws.receive_json_from(timeout=TIMEOUT))
        await close_all(ws)

    async def settle(self, plg_id: int, session: str) -> None:
        """Connect once more and take everything until ``synced`` and a quiet moment."""
        ws = await self.connect(plg_id, session)
        while True:
            frame = await ws.receive_json_from(timeout=TIMEOUT)
            self.take(frame)
            if frame["type"] == "synced":
                break
        while not await ws.receive_nothing(timeout=0.3):
            self.take(await ws.receive_json_from(timeout=TIMEOUT))
        await close_all(ws)


# Writers run beside the consumer's database thread on PostgreSQL. The SQLite test database (in
# memory, shared cache) refuses a reader while a writer is in its transaction ("table is locked"),
# so there they share the one database thread of database_sync_to_async and take turns.
CONCURRENT = connection.vendor == "postgresql"


def _in_thread(function, *, concurrent: bool = CONCURRENT):
    """``function`` in a worker thread that closes its database connection when done (else the
    test database could not be dropped: "being accessed by other users")."""

    def closing(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            if concurrent:
                connections.close_all()

    return sync_to_async(closing, thread_sensitive=not concurrent)


def _database_view(plg) -> dict[int, int]:
    return dict(Message.objects.filter(plg=plg).values_list("id", "seq"))


def _assert_exactly_once(reader: Reader, plg) -> None:
    duplicates = {seq: n for seq, n in reader.on_the_wire.items() if n > 1}
    assert not duplicates, f"stream positions sent more than once: {duplicates}"
    assert not reader.stale, f"frames at or below what the client already covered: {reader.stale}"
    assert not reader.errors, reader.errors
    assert {mid: seq for mid, (seq, _html) in reader.view.items()} == _database_view(plg)


def _random_write(rng: random.Random, people, topic) -> None:
    """One write by one of ``people``: mostly posts, also edits, hides and deletes of older messages."""
    author = rng.choice(people)
    own = list(Message.objects.filter(topic=topic, author=author, state__in=["visible", "edited"]).order_by("?")[:1])
    roll = rng.random()
    if own and roll < 0.25:
        services.edit_message(actor=author, message=own[0], body=f"geändert {rng.random():.6f}")
    elif own and roll < 0.32:
        services.delete_message(actor=author, message=own[0])
    else:
        services.post_message(actor=author, topic=topic, body=f"Beitrag {rng.random():.6f}")


def test_many_reconnects_during_writing_deliver_every_change_once(open_plg, topic, lehrkraft_a, plg_leitung):
    """Writers post, edit and delete while a reader drops its connection and reconnects 25 times."""
    rng = random.Random(20261129)
    session = session_of(lehrkraft_a)
    people = [lehrkraft_a, plg_leitung]
    reader = Reader()

    async def writers():
        for _ in range(60):
            await _in_thread(_random_write)(rng, people, topic)
            await asyncio.sleep(rng.uniform(0, 0.03))

    async def reconnecting():
        for _ in range(25):
            ws = await reader.connect(open_plg.pk, session)
            await reader.listen(ws, rng.uniform(0.01, 0.12))

    async def scenario():
        await asyncio.gather(writers(), reconnecting())
        await reader.settle(open_plg.pk, session)

    run(scenario)
    _assert_exactly_once(reader, open_plg)
    assert len(reader.view) >= 20 and reader.last_seq == max(_database_view(open_plg).values())


def test_a_reader_that_stays_connected_gets_each_change_live_once(open_plg, topic, lehrkraft_a, plg_leitung):
    rng = random.Random(7)
    session = session_of(lehrkraft_a)
    reader = Reader()

    async def scenario():
        ws = await reader.connect(open_plg.pk, session)
        for _ in range(30):
            await _in_thread(_random_write)(rng, [lehrkraft_a, plg_leitung], topic)
        await reader.listen(ws, 1.0)
        await reader.settle(open_plg.pk, session)

    run(scenario)
    _assert_exactly_once(reader, open_plg)
    assert len(reader.on_the_wire) >= 30  # every write arrived, each position once (checked above)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent transactions: the test database on SQLite is one in-memory database in "
    "shared-cache mode, where a reader is refused ('table is locked') while a writer holds its "
    "transaction. `make test` runs it in the PostgreSQL run of .ci/run.",
)
def test_writers_committing_out_of_id_order_are_delivered_in_commit_order_once(
    open_plg, topic, lehrkraft_a, plg_leitung
):
    """An edit of an old message holds its transaction open while a new post waits for the counter.

    Ids and commit order disagree (the edited message is older, committed first; the post waits);
    the reader syncs while the edit is uncommitted, reconnects, and gets each change once, in commit order.
    """
    old = services.post_message(actor=lehrkraft_a, topic=topic, body="alt")
    session = session_of(lehrkraft_a)
    reader = Reader()
    holding, release = threading.Event(), threading.Event()

    def slow_edit():
        with transaction.atomic():
            services.edit_message(actor=lehrkraft_a, message=Message.objects.get(pk=old.pk), body="alt, geändert")
            holding.set()
            release.wait(10)

    def post_meanwhile():
        holding.wait(10)
        return services.post_message(actor=plg_leitung, topic=topic, body="neu")  # waits for the counter

    async def scenario():
        ws = await reader.connect(open_plg.pk, session)
        edit = asyncio.ensure_future(_in_thread(slow_edit, concurrent=True)())
        post = asyncio.ensure_future(_in_thread(post_meanwhile, concurrent=True)())
        await sync_to_async(holding.wait, thread_sensitive=False)(10)
        await reader.listen(ws, 0.3)  # synced while the edit is open: nothing new yet
        assert old.pk not in reader.view or reader.view[old.pk][0] == old.seq
        ws = await reader.connect(open_plg.pk, session)
        release.set()
        await edit
        new = await post
        await reader.listen(ws, 0.5)
        await reader.settle(open_plg.pk, session)
        return new

    new = run(scenario)
    _assert_exactly_once(reader, open_plg)
    old.refresh_from_db()
    assert new.pk > old.pk and new.seq == old.seq + 1  # the older message changed first, in commit order
    assert "geändert" in reader.view[old.pk][1]

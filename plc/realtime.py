"""The only code that talks to the channel layer: publishing events and the per-process hub.

Publishing (called from services, after commit) hands the event, already rendered and serialised, to
the hub of this process when one is running: it writes to its own sockets at once and forwards the
event to the other processes through the layer (group ``plg.<id>``). A process without a hub (a
management command, a test without sockets) only sends to the layer.

The hub (one per event loop, i.e. per worker process) joins a PLG's group once, with one channel of
its own, when the first local socket of that PLG connects, and leaves when the last one closes. Its
receive loop hands each event from other processes to the local consumers, which queue it (bounded)
and write it out. It also keeps the PLG's presence for all of its sockets at once, coalesces typing
indicators, counts each person's sockets, and listens on ``lernen25.sockets.SOCKETS_GROUP`` for
"check again" calls about a person (signed out, password changed, deactivated, rights lost).
See docs/realtime.md.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import threading
import time
import weakref
from typing import Protocol

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.template.loader import render_to_string

from lernen25.limits import shared_cache
from lernen25.sockets import SOCKETS_GROUP, Batched

logger = logging.getLogger(__name__)

REJOIN_SECONDS = 300  # inside group_expiry (86400 s); also heals a Redis restart within minutes
PRESENCE_SECONDS = 90  # an entry expires this long after its process last renewed it
PRESENCE_LIST = 50  # names sent at most; the frame's count says how many are online
OUTGOING_SIZE = 10_000  # events waiting for the layer before new ones are dropped (and logged)
TYPING_EVERY = 2.5  # seconds: one person's typing in a topic is relayed at most this often
PRESENCE_BURST = (0.25, 2.0)  # seconds a presence change waits for more: from a small PLG to a large one


def group_name(plg_id: int) -> str:
    return f"plg.{plg_id}"


# --- Publishing (sync, from services) ----------------------------------------------------------


def message_payload(message, *, client_id: str = "") -> dict:
    """The ``message`` frame: the same partial the HTTP page renders, without viewer-specific parts."""
    html = render_to_string("plc/_message.html", {"message": message, "viewer": None})
    return {
        "type": "message",
        "id": message.pk,
        "seq": message.seq,
        "topic": message.topic_id,
        "author": message.author_id,
        "state": message.state,
        "created": message.created_at.isoformat(),
        "changed": message.changed_at.isoformat(),
        "html": html,
        "client_id": client_id,
    }


def event_for(plg_id: int, payload: dict, **meta) -> dict:
    return {"type": "hub.event", "plg": plg_id, "payload": json.dumps(payload, ensure_ascii=False), **meta}


def _send(plg_id: int, payload: dict, **meta) -> None:
    _send_many([event_for(plg_id, payload, **meta)])


def _send_many(events: list[dict]) -> None:
    running = _running_hub()
    if running is not None:
        target, loop = running
        try:
            if _current_loop() is loop:
                target.publish_many(events)
            else:  # a worker thread (the database thread of a consumer or view): do not wait for the loop
                loop.call_soon_threadsafe(target.publish_many, events)
            return
        except RuntimeError:  # the loop closed in the meantime (shutdown): the layer still takes it
            pass
    layer = get_channel_layer()
    if layer is None:
        return
    for event in events:
        try:
            async_to_sync(layer.group_send)(group_name(event["plg"]), event)
        except Exception:  # the message is stored; clients catch up by stream position
            logger.exception("could not publish an event to PLG %s", event["plg"])


def publish_message(message, *, client_id: str = "") -> None:
    publish_messages([(message, client_id)])


def publish_messages(messages: list[tuple]) -> None:
    """``(message, client_id)`` pairs written together: rendered once each, handed to the hub at once,
    so that each socket gets them in one frame (a JSON array of ``message`` frames)."""
    # ``seq`` also travels outside the payload: a socket drops what its catch-up already sent.
    _send_many(
        [
            event_for(message.plg_id, message_payload(message, client_id=client_id), seq=message.seq)
            for message, client_id in messages
        ]
    )


def publish_topic(topic) -> None:
    _send(
        topic.plg_id,
        {"type": "topic", "id": topic.pk, "title": topic.title, "pinned": topic.pinned, "locked": topic.locked},
    )


def publish_access_revoked(plg_id: int, user_id: int) -> None:
    """The user left or was removed: their open sockets to this PLG are closed."""
    _send(plg_id, {"type": "revoked"}, revoke=user_id)


# --- The per-process hub (async, in the worker's event loop) -------------------------------------


class LocalSocket(Protocol):
    user_id: int
    user_name: str

    def deliver(self, event: dict) -> None: ...

    def deliver_many(self, events: list[dict]) -> None: ...

    def recheck(self, ended_session: str | None = None) -> None: ...


class Hub:
    def __init__(self) -> None:
        self.sockets: dict[int, set[LocalSocket]] = {}
        self.channel: str | None = None
        self._tasks: list[asyncio.Task] = []
        self._soon: dict[object, asyncio.Task] = {}
        self._lock = asyncio.Lock()
        self._outgoing: asyncio.Queue[dict] = asyncio.Queue(maxsize=OUTGOING_SIZE)
        self._departed: dict[int, set[int]] = {}  # PLG → users whose last local socket closed
        self._announced: dict[int, tuple] = {}  # PLG → the presence frame last sent
        self._per_user: collections.Counter[int] = collections.Counter()  # user → local sockets
        self._typing: dict[tuple[int, int, int], float] = {}  # (PLG, user, topic) → last relayed
        self._batched: dict[str, Batched] = {}  # handshakes and first syncs, admitted together

    async def add(self, plg_id: int, socket: LocalSocket) -> None:
        layer = get_channel_layer()
        async with self._lock:
            if self.channel is None:
                self.channel = await layer.new_channel(prefix="plghub.")
                await layer.group_add(SOCKETS_GROUP, self.channel)
                self._tasks = [
                    asyncio.ensure_future(coroutine)
                    for coroutine in (self._receive(), self._forward(), self._rejoin(), self._renew_presence())
                ]
            local = self.sockets.setdefault(plg_id, set())
            if not local:
                await layer.group_add(group_name(plg_id), self.channel)
            local.add(socket)
            self._per_user[socket.user_id] += 1
        self.presence_changed(plg_id)

    async def remove(self, plg_id: int, socket: LocalSocket) -> None:
        layer = get_channel_layer()
        async with self._lock:
            local = self.sockets.get(plg_id)
            if not local or socket not in local:
                return
            local.discard(socket)
            self._per_user[socket.user_id] -= 1
            if self._per_user[socket.user_id] <= 0:
                del self._per_user[socket.user_id]
            if not any(other.user_id == socket.user_id for other in local):
                self._departed.setdefault(plg_id, set()).add(socket.user_id)
            if not local:
                del self.sockets[plg_id]
                with contextlib.suppress(Exception):
                    await layer.group_discard(group_name(plg_id), self.channel)
        self.presence_changed(plg_id)

    def batched(self, name: str, function) -> Batched:
        """This loop's ``Batched`` runner of ``function`` (created on first use)."""
        runner = self._batched.get(name)
        if runner is None:
            runner = self._batched[name] = Batched(function)
        return runner

    def sockets_of(self, user_id: int) -> int:
        """How many discussion sockets the person has open in this process."""
        return self._per_user.get(user_id, 0)

    def typing_due(self, plg_id: int, user_id: int, topic_id: int) -> bool:
        """Relay this typing indicator? Once per TYPING_EVERY seconds per person and topic."""
        now = time.monotonic()
        key = (plg_id, user_id, topic_id)
        if now - self._typing.get(key, -TYPING_EVERY) < TYPING_EVERY:
            return False
        if len(self._typing) > 10_000:  # forget old entries now and then
            self._typing = {k: t for k, t in self._typing.items() if now - t < TYPING_EVERY}
        self._typing[key] = now
        return True

    # --- events -------------------------------------------------------------------------------

    def publish(self, event: dict) -> None:
        """Deliver to this process's sockets now; queue the event for the other processes."""
        self.publish_many([event])

    def publish_many(self, events: list[dict]) -> None:
        """``publish`` for events written together (a batch of posts): each socket gets them in one frame."""
        if len(events) == 1:
            self._deliver(events[0])
        else:
            by_plg: dict[int, list[dict]] = {}
            for event in events:
                by_plg.setdefault(event.get("plg"), []).append(event)
            for plg_id, together in by_plg.items():
                for socket in list(self.sockets.get(plg_id, ())):
                    socket.deliver_many(together)
        for event in events:
            try:
                self._outgoing.put_nowait({**event, "origin": self.channel} if self.channel else event)
            except asyncio.QueueFull:  # the layer is down or far behind; clients elsewhere catch up by position
                logger.error("channel layer backlog full; event for PLG %s not forwarded", event.get("plg"))

    def _deliver(self, event: dict) -> None:
        if "recheck" in event:  # lernen25.sockets: this person's sockets check session and rights
            for local in self.sockets.values():
                for socket in list(local):
                    if socket.user_id == event["recheck"]:
                        socket.recheck(event.get("ended_session"))
            return
        for socket in list(self.sockets.get(event.get("plg"), ())):
            socket.deliver(event)

    async def _forward(self) -> None:
        """One sender to the layer, so that other processes get this process's events in order."""
        layer = get_channel_layer()
        while True:
            event = await self._outgoing.get()
            try:
                await layer.group_send(group_name(event["plg"]), event)
            except Exception:  # stored already; clients catch up by stream position
                _stop_if_cancelled()
                logger.exception("could not forward an event for PLG %s to the channel layer", event.get("plg"))

    async def _receive(self) -> None:
        layer = get_channel_layer()
        while True:
            try:
                event = await layer.receive(self.channel)
            except Exception:
                _stop_if_cancelled()
                logger.exception("hub receive failed; retrying")
                await asyncio.sleep(1)
                continue
            if event.get("origin") != self.channel:  # our own events reached our sockets already
                self._deliver(event)

    async def _rejoin(self) -> None:
        """Group memberships expire in the layer; the hub renews those it still needs."""
        layer = get_channel_layer()
        while True:
            await asyncio.sleep(REJOIN_SECONDS)
            with contextlib.suppress(Exception):
                await layer.group_add(SOCKETS_GROUP, self.channel)
            for plg_id in list(self.sockets):
                with contextlib.suppress(Exception):
                    await layer.group_add(group_name(plg_id), self.channel)

    # --- presence -----------------------------------------------------------------------------

    def presence_changed(self, plg_id: int) -> None:
        """Someone came or went: update the shared map and tell the PLG, once per burst.

        The burst grows with the PLG's local sockets: every announcement goes to each of them, and
        after a restart hundreds arrive within seconds (issue #19's storm sent four presence frames
        per socket and second with a fixed quarter second).
        """
        delay = presence_delay(len(self.sockets.get(plg_id, ())))
        self.soon(("presence", plg_id), lambda: self._refresh_presence(plg_id, announce=True), delay)

    async def _renew_presence(self) -> None:
        """Keep this process's users present (entries expire, so a dead process leaves no ghosts)."""
        while True:
            await asyncio.sleep(PRESENCE_SECONDS / 3)
            for plg_id in list(self.sockets):
                try:
                    await self._refresh_presence(plg_id, announce=False)
                except Exception:
                    _stop_if_cancelled()
                    logger.exception("presence renewal for PLG %s failed", plg_id)

    async def _refresh_presence(self, plg_id: int, *, announce: bool) -> None:
        """Write this process's part of the PLG's presence; send the list if asked or if it changed."""
        local = {socket.user_id: socket.user_name for socket in self.sockets.get(plg_id, ())}
        gone = self._departed.pop(plg_id, set()) - local.keys()
        online = await sync_to_async(update_presence, thread_sensitive=False)(plg_id, local, gone)
        frame = {"type": "presence", "users": online[:PRESENCE_LIST], "count": len(online)}
        key = (tuple(user["id"] for user in frame["users"]), frame["count"])
        if announce or self._announced.get(plg_id) != key:
            self._announced[plg_id] = key
            self.publish(event_for(plg_id, frame))
        if plg_id not in self.sockets:
            self._announced.pop(plg_id, None)

    # --- helpers ------------------------------------------------------------------------------

    def soon(self, key, coroutine_function, delay: float = 0.25) -> None:
        """Run ``coroutine_function()`` once after ``delay``, however often it is asked for meanwhile."""
        if key in self._soon:
            return

        async def run():
            await asyncio.sleep(delay)
            self._soon.pop(key, None)
            try:
                await coroutine_function()
            except Exception:
                _stop_if_cancelled()
                logger.exception("deferred hub work %s failed", key)

        self._soon[key] = asyncio.ensure_future(run())


def presence_delay(local_sockets: int) -> float:
    """Seconds a presence change waits for others: a quarter second alone, two seconds from 175 sockets."""
    shortest, longest = PRESENCE_BURST
    return min(longest, shortest + local_sockets / 100)


def _stop_if_cancelled() -> None:
    """End the current task if it was asked to stop and a library turned that into another error.

    The hub's loops retry on errors; without this check such a loop would swallow its own
    cancellation and keep the event loop from closing.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def update_presence(plg_id: int, local: dict[int, str], gone: set[int]) -> list[dict]:
    """Mark ``local`` users present and ``gone`` users absent; return who is online, sorted by name.

    The map (user id → name, expiry) is shared by all processes through the cache. Two processes
    writing at the same instant may overwrite each other's change; the next renewal (every
    PRESENCE_SECONDS / 3) repairs it.
    """
    key = f"plc:presence:{plg_id}"
    now = time.time()
    cache = shared_cache()
    present = {uid: entry for uid, entry in (cache.get(key) or {}).items() if entry[1] > now}
    for user_id in gone:
        present.pop(str(user_id), None)
    for user_id, name in local.items():
        present[str(user_id)] = (name, now + PRESENCE_SECONDS)
    cache.set(key, present, timeout=PRESENCE_SECONDS)
    return [{"id": int(uid), "name": name} for name, uid in sorted((entry[0], uid) for uid, entry in present.items())]


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()
_hubs_lock = threading.Lock()


def hub() -> Hub:
    """The hub of the running event loop (one per worker process in production)."""
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        if loop not in _hubs:
            _hubs[loop] = Hub()
        return _hubs[loop]


def _current_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _running_hub() -> tuple[Hub, asyncio.AbstractEventLoop] | None:
    """The hub that serves sockets in this process, if exactly one does (the normal case).

    With none (no socket yet, a management command) or several (only in tests), events go to the
    layer only, and every hub receives them from there.
    """
    with _hubs_lock:
        serving = [(h, loop) for loop, h in _hubs.items() if h.channel is not None and loop.is_running()]
    return serving[0] if len(serving) == 1 else None

"""The WebSocket of a PLG's discussion: ``/ws/plg/<plg id>/``. Protocol: docs/realtime.md.

Transport only: it checks each frame against its schema (``plc.frames``) before anything else,
asks ``plc.services`` (through ``database_sync_to_async``) and delivers what the per-process hub
hands it. Limits are the services' (``plc.limits``, shared with the HTTP forms), except two that
only a socket has: a frame budget per socket and the number of sockets per person. The socket
lives no longer than its right to exist: every write checks the session again, and so does every
socket of a person when ``lernen25.sockets.recheck_user_sockets`` reaches the hub.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from lernen25.errors import RefusalKind, Refused
from lernen25.limits import consume_many
from lernen25.permissions import allowed
from lernen25.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_SIGNED_OUT,
    CLOSE_TOO_MANY,
    CLOSE_TOO_SLOW,
    FrameWriter,
    session_digest,
    session_user,
    session_users,
)
from plc import frames, realtime, services
from plc.models import Message, PlgPage, Topic
from plc.permissions import load_memberships

logger = logging.getLogger(__name__)

MAX_FRAME = 16 * 1024
FRAME_BUDGET = (60, 10.0)  # frames of any type per socket: a burst of 60, refilled over 10 seconds
SOCKETS_PER_USER = 12  # open discussion sockets of one person in one process
OUTBOX_SIZE = 256  # events queued for one socket before it counts as too slow and is dropped
SENT_MEMORY = 2048  # stream positions a socket remembers having sent (not to send them twice)
ADMISSION_FRESH = 5.0  # seconds after the handshake in which the first sync needs no new session check


def _signed_out_message() -> str:
    return _("Your session has ended; please sign in again.")


class _Closed(Exception):
    """The socket must close: its session ended (4401) or its access is gone (4403)."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code, self.message = code, message
        self.error = "signed_out" if code == CLOSE_SIGNED_OUT else "forbidden"  # the error frame's code


class DiscussionConsumer(AsyncWebsocketConsumer):
    # No channel of its own in the layer: the hub receives for all sockets of this process.
    channel_layer_alias = "__per_process_hub__"

    async def dispatch(self, message):
        """Channels' dispatch without its per-frame ``aclose_old_connections()`` thread hop.

        Every database access of this consumer goes through ``database_sync_to_async``, which closes
        old connections before and after; the extra hop on every frame only cost time (stack-notes §10).
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- the handshake ----------------------------------------------------------------------

    async def connect(self):
        """Refusals are accepted and closed with an application code, after an error frame saying why.

        A handshake answered with HTTP 403 reaches a browser as 1006, and the client would retry.
        """
        self.user = self.user_id = None
        self.plg_id = int(self.scope["url_route"]["kwargs"]["plg_id"])
        self.session_key = self.scope.get("session_key")  # lernen25.sockets.SessionKeyMiddleware
        await self.accept()
        hub = realtime.hub()
        try:
            self.user, self.plg, self.user_name = await hub.batched("plc.admit", _admit_many)(self)
        except _Closed as closed:
            return await self._refuse(closed.code, closed.error, closed.message)
        except Refused as refusal:  # the handshake limit
            return await self._refuse(CLOSE_TOO_MANY, refusal.kind.value, str(refusal.message), refusal.retry_after)
        self.user_id, self.admitted_at = self.user.pk, time.monotonic()
        if hub.sockets_of(self.user_id) >= SOCKETS_PER_USER:
            message = _("You have too many open discussion windows; please close some of them.")
            return await self._refuse(CLOSE_TOO_MANY, "too_many_sockets", message)
        # One writer: live events and catch-up batches go out in the order they were written, so
        # ``synced`` never overtakes a message before it. Live events waiting count against
        # OUTBOX_SIZE; a batch (one sync's answer) is bounded by CATCH_UP_LIMIT instead.
        self.writer = FrameWriter(self.base_send)
        self.budget = _Budget(*FRAME_BUDGET)
        # Until the client's first ``sync`` says what it holds, message events wait here: sent at once,
        # they could repeat what an earlier connection already brought.
        self.waiting: list[tuple[int, str]] | None = []
        self.floor = 0  # every stream position up to here has reached this socket's client
        self.sent: collections.OrderedDict[int, None] = collections.OrderedDict()  # positions above
        self.joined = True
        await hub.add(self.plg_id, self)  # also updates presence

    async def _refuse(self, code: int, error: str, message: str, retry_after: int | None = None):
        await self._error(error, message, **({"retry_after": retry_after} if retry_after else {}))
        await self.close(code=code)

    async def disconnect(self, code):
        if getattr(self, "joined", False):
            self.joined = False
            await realtime.hub().remove(self.plg_id, self)
            self.writer.close()

    # --- from the hub ---------------------------------------------------------------------

    def deliver(self, event: dict) -> None:
        """Called by the hub's receive loop for every event of this PLG; must not block."""
        payload = self._accept(event)
        if payload is not None:
            self._write_live([payload])

    def deliver_many(self, events: list[dict]) -> None:
        """Events written together (a batch of posts): what this socket takes goes out in one frame."""
        payloads = [payload for event in events if (payload := self._accept(event)) is not None]
        if payloads:
            self._write_live(payloads)

    def _accept(self, event: dict) -> str | None:
        """The event's frame if this socket is to send it now, else None (not for it, held, sent)."""
        if "revoke" in event:  # someone lost access: only their sockets react, nobody else sees it
            if event["revoke"] == self.user_id:
                self._close_soon(CLOSE_FORBIDDEN)
            return None
        if event.get("sender") == self.user_id and event.get("echo") is False:
            return None  # typing: not to oneself
        if event.get("only_user") not in (None, self.user_id):
            return None  # read positions: only to the user's own sockets
        seq = event.get("seq")
        if seq is not None:
            if self.waiting is not None:  # the client has not said yet what it holds
                self.waiting.append((seq, event["payload"]))
                if len(self.waiting) > OUTBOX_SIZE:
                    self._close_soon(CLOSE_TOO_SLOW)
                return None
            if seq <= self.floor or seq in self.sent:
                return None  # a catch-up sent it already (or a newer version of its message)
            self._remember(seq)
        return event["payload"]

    def _write_live(self, payloads: list[str]) -> None:
        if self.writer.queued + len(payloads) > OUTBOX_SIZE:
            # Too slow: drop it rather than hold up the others; it reconnects and catches up.
            self._close_soon(CLOSE_TOO_SLOW)
            return
        text = payloads[0] if len(payloads) == 1 else "[" + ",".join(payloads) + "]"
        self.writer.write(text, counted=len(payloads))

    def recheck(self, ended_session: str | None = None) -> None:
        """Something about this person changed (``lernen25.sockets``): check session and access now.

        ``ended_session`` (a digest) names a session that is being signed out: closed without asking.
        """
        if ended_session is not None and ended_session == session_digest(self.session_key):
            self._rechecking = asyncio.ensure_future(self._end(_Closed(CLOSE_SIGNED_OUT, _signed_out_message())))
            return
        if getattr(self, "_rechecking", None) is None or self._rechecking.done():
            self._rechecking = asyncio.ensure_future(self._recheck())

    async def _end(self, closed: _Closed) -> None:
        await self._error(closed.error, closed.message)
        self._close_soon(closed.code)

    async def _recheck(self) -> None:
        try:
            await database_sync_to_async(self._current_user)()
        except _Closed as closed:
            await self._end(closed)
        except Exception:
            logger.exception("re-checking a discussion socket of user %s failed", self.user_id)

    def _close_soon(self, code: int) -> None:
        if getattr(self, "_closing", None) is None:
            self._closing = asyncio.ensure_future(self.close(code=code))

    def _remember(self, seq: int) -> None:
        self.sent[seq] = None
        if len(self.sent) > SENT_MEMORY:
            self.sent.popitem(last=False)

    # --- from the client --------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if getattr(self, "_closing", None) is not None or not getattr(self, "joined", False):
            return  # closing, or refused at the handshake: nothing more is done
        if not self.budget.take():
            if self.budget.should_warn():
                message = _("Too many frames in a short time; some were ignored.")
                await self._error("rate_limited", message, retry_after=self.budget.wait())
            return
        if bytes_data is not None or text_data is None:
            return await self._error("invalid", _("Only text frames with JSON are understood."))
        if len(text_data) > MAX_FRAME or len(text_data.encode("utf-8", "surrogatepass")) > MAX_FRAME:
            return await self._error("too_large", _("The message is too large."))
        frame = frames.parse(text_data)
        if isinstance(frame, frames.BadFrame):
            return await self._error(frame.code, frame.message, frame.client_id)
        try:
            await getattr(self, f"on_{frame.type}")(frame)
        except _Closed as closed:
            await self._error(closed.error, closed.message, frame.client_id)
            self._close_soon(closed.code)
        except Refused as refusal:
            extra = {"retry_after": refusal.retry_after} if refusal.retry_after else {}
            await self._error(refusal.kind.value, str(refusal.message), frame.client_id, **extra)
        except Exception:
            logger.exception("discussion frame %r of user %s failed", frame.type, self.user_id)
            await self._error("internal", _("The server could not process this; please try again."), frame.client_id)

    async def on_ping(self, frame: frames.Ping):
        await self.send(text_data='{"type": "pong"}')

    async def on_sync(self, frame: frames.Sync):
        have = frozenset(frame.have)
        # The client's first sync follows the handshake within milliseconds: the session was checked
        # there, and a sign-out meanwhile reaches the socket as a re-check. Those of sockets admitted
        # together are answered together; later syncs check the session again.
        if self.waiting is not None and time.monotonic() - self.admitted_at < ADMISSION_FRESH:
            request = (self.user, self.plg_id, frame.last_seq, have)
            result = await realtime.hub().batched("plc.catch_up", _catch_up_many)(request)
        else:
            result = await database_sync_to_async(self._catch_up)(frame.last_seq, have)
        # Back in the event loop, nothing runs in between: what the hub delivered meanwhile is in
        # ``sent`` or ``waiting``; the answer goes out behind what was written before it.
        batch = []
        for message in result.messages:
            seq = message["seq"]
            if seq <= self.floor or seq in self.sent:
                continue  # it went out live while the catch-up was read
            self._remember(seq)
            batch.append(json.dumps(message, ensure_ascii=False))
        if result.complete:
            self.floor = max(self.floor, result.last_seq)
        waiting, self.waiting = self.waiting or [], None
        for seq, payload in sorted(waiting, key=lambda item: item[0]):
            if seq > self.floor and seq not in self.sent and seq not in have:
                self._remember(seq)
                batch.append(payload)
        batch.append(json.dumps({"type": "synced", "last_seq": result.last_seq, "complete": result.complete}))
        for payload in batch:
            self.writer.write(payload)

    async def on_post(self, frame: frames.Post):
        # Posts of this process's sockets that wait together are checked and written together.
        await realtime.hub().batched("plc.post", _post_many)((self, frame))

    async def on_edit(self, frame: frames.Edit):
        await database_sync_to_async(self._edit)(frame.message, frame.body)

    async def on_delete(self, frame: frames.Delete):
        await database_sync_to_async(self._delete)(frame.message)

    async def on_hide(self, frame: frames.Hide):
        await database_sync_to_async(self._hide)(frame.message, True)

    async def on_unhide(self, frame: frames.Unhide):
        await database_sync_to_async(self._hide)(frame.message, False)

    async def on_typing(self, frame: frames.Typing):
        # Coalesced per person and topic in the hub: a client typing fast is relayed every few seconds.
        if realtime.hub().typing_due(self.plg_id, self.user_id, frame.topic):
            payload = {"type": "typing", "topic": frame.topic, "user": self.user_id, "name": self.user_name}
            self._broadcast(payload, sender=self.user_id, echo=False)

    async def on_read(self, frame: frames.Read):
        position = await database_sync_to_async(self._read)(frame.topic, frame.message)
        self._broadcast({"type": "read", "topic": frame.topic, "message": position}, only_user=self.user_id)

    # --- helpers ----------------------------------------------------------------------------

    async def _error(self, code: str, message: str, client_id: str = "", **extra):
        frame = {"type": "error", "code": code, "message": message, "client_id": client_id, **extra}
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    def _broadcast(self, payload: dict, **meta):
        realtime.hub().publish(realtime.event_for(self.plg_id, payload, **meta))

    # In the database thread:

    def _current_user(self):
        """The socket's person, loaded again through its session; ``_Closed`` if that no longer holds.

        Signed out, password changed elsewhere, deactivated (4401), or no longer allowed here (4403).
        A fresh user object also means fresh role and membership caches.
        """
        return self._still_allowed(session_user(self.session_key))

    def _still_allowed(self, user):
        """``_current_user`` for a user loaded already (``session_users`` for a batch)."""
        if user is None or user.pk != self.user_id:
            raise _Closed(CLOSE_SIGNED_OUT, _signed_out_message())
        if not allowed(user, "plc.connect", self.plg):
            raise _Closed(CLOSE_FORBIDDEN, _("You no longer have access to this discussion."))
        self.user = user
        return user

    def _catch_up(self, last_seq: int, have: frozenset[int]):
        result = services.catch_up(actor=self._current_user(), plg_id=self.plg_id, last_seq=last_seq, have=have)
        result.messages = [realtime.message_payload(message) for message in result.messages]
        return result

    def _topic(self, topic_id: int) -> Topic:
        topic = Topic.objects.select_related("plg").filter(pk=topic_id, plg_id=self.plg_id).first()
        if topic is None:
            raise Refused(_("This topic does not exist in this PLC."), RefusalKind.NOT_FOUND)
        return topic

    def _message(self, message_id: int) -> Message:
        message = Message.objects.select_related("plg", "topic").filter(pk=message_id, plg_id=self.plg_id).first()
        if message is None:
            raise Refused(_("This message does not exist in this PLC."), RefusalKind.NOT_FOUND)
        return message

    def _edit(self, message_id: int, body: str):
        services.edit_message(actor=self._current_user(), message=self._message(message_id), body=body)

    def _delete(self, message_id: int):
        services.delete_message(actor=self._current_user(), message=self._message(message_id))

    def _hide(self, message_id: int, hidden: bool):
        services.set_hidden(actor=self._current_user(), message=self._message(message_id), hidden=hidden)

    def _read(self, topic_id: int, message_id: int) -> int:
        return services.mark_read_live(actor=self._current_user(), topic=self._topic(topic_id), message_id=message_id)


# In the database thread, for the handshakes and first syncs that wait together (``Batched``):


def _admit_many(sockets: list[DiscussionConsumer]) -> list:
    """May these sockets open? For each ``(user, plg, display name)``, or ``_Closed``/``Refused`` (the limit).

    A few queries for all of them (sessions, people with profiles, PLGs, memberships) and one Redis
    round trip for the handshake limit; the rules decide for each as always.
    """
    users = session_users([socket.session_key for socket in sockets])
    plgs = PlgPage.objects.live().order_by().in_bulk({socket.plg_id for socket in sockets})
    load_memberships((users[socket.session_key], socket.plg_id) for socket in sockets if users[socket.session_key])
    results: list = []
    admitted = []
    for socket in sockets:
        user, plg = users[socket.session_key], plgs.get(socket.plg_id)
        if user is None:
            results.append(_Closed(CLOSE_SIGNED_OUT, _("Please sign in again.")))
        elif plg is None or not allowed(user, "plc.connect", plg):
            results.append(_Closed(CLOSE_FORBIDDEN, _("You have no access to this discussion.")))
        else:
            admitted.append((len(results), user, plg))
            results.append(None)
    refusals = consume_many([user for _, user, _ in admitted], "plc.connect")
    for (index, user, plg), refusal in zip(admitted, refusals, strict=True):
        results[index] = refusal or (user, plg, user.display_name)  # the profile: here, not in the event loop
    return results


def _post_many(posts: list[tuple[DiscussionConsumer, frames.Post]]) -> list:
    """Posts that waited together: every session checked again, topics and replies read, then written.

    A few queries for all of them, then ``services.post_messages``; each gets its message or why not.
    """
    sockets = [socket for socket, _ in posts]
    users = session_users([socket.session_key for socket in sockets])
    load_memberships((users[socket.session_key], socket.plg_id) for socket in sockets if users[socket.session_key])
    # Unordered (``order_by()``): the models' default ordering only costs time in a lookup by key.
    topics = Topic.objects.select_related("plg").order_by().in_bulk({frame.topic for _, frame in posts})
    replies = Message.objects.order_by().in_bulk({frame.reply_to for _, frame in posts if frame.reply_to})
    results: list = []
    accepted = []
    for socket, frame in posts:
        topic, reply = topics.get(frame.topic), replies.get(frame.reply_to)
        try:
            user = socket._still_allowed(users[socket.session_key])
            if topic is None or topic.plg_id != socket.plg_id:
                raise Refused(_("This topic does not exist in this PLC."), RefusalKind.NOT_FOUND)
            if frame.reply_to and (reply is None or reply.plg_id != socket.plg_id):
                raise Refused(_("This message does not exist in this PLC."), RefusalKind.NOT_FOUND)
        except (_Closed, Refused) as refusal:
            results.append(refusal)
            continue
        accepted.append((len(results), (user, topic, frame.body, reply, frame.client_id)))
        results.append(None)
    written = services.post_messages([post for _, post in accepted])
    for (index, _post), result in zip(accepted, written, strict=True):
        results[index] = result
    return results


def _catch_up_many(requests: list[tuple]) -> list:
    """The first syncs of freshly admitted sockets: ``(user, plg id, last_seq, have)`` each."""
    results = services.catch_up_many(requests)
    for result in results:
        if not isinstance(result, Exception):
            result.messages = [realtime.message_payload(message) for message in result.messages]
    return results


class _Budget:
    """A token bucket for one socket's frames (in memory: it guards the process, not a person)."""

    def __init__(self, size: int, seconds: float):
        self.size, self.rate = size, size / seconds
        self.tokens, self.at = float(size), time.monotonic()
        self.warned_at = 0.0

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.size, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def should_warn(self) -> bool:
        """One error frame per second at most, so that the refusals do not become a flood of their own."""
        now = time.monotonic()
        if now - self.warned_at < 1:
            return False
        self.warned_at = now
        return True

    def wait(self) -> int:
        return max(1, round((1 - self.tokens) / self.rate))

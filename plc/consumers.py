"""The WebSocket of a PLG's discussion: ``/ws/plg/<plg id>/``. Protocol: docs/realtime.md.

Transport only: it checks frames (size, JSON, rate), asks ``plc.services`` and ``plc.selectors`` (through
``database_sync_to_async``) and delivers what the per-process hub hands it. It does not join the
channel layer itself: the hub holds one group membership per process (see ``plc.realtime``).
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from lernen25.errors import RefusalKind, Refused
from lernen25.permissions import allowed
from plc import realtime, selectors, services
from plc.models import Message, PlgPage, Topic

MAX_FRAME = 16 * 1024
RATE_LIMIT = (20, 30)  # writes per user and window (seconds), across all sockets (shared cache)
OUTBOX_SIZE = 256  # events queued for one socket before it counts as too slow and is dropped
CLOSE_FORBIDDEN, CLOSE_TOO_SLOW = 4403, 4408


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

    async def connect(self):
        self.user = self.scope.get("user")
        self.user_id = getattr(self.user, "pk", None)
        self.plg_id = int(self.scope["url_route"]["kwargs"]["plg_id"])
        self.plg = await self._load_plg()
        if self.plg is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.outbox: asyncio.Queue[str] = asyncio.Queue(maxsize=OUTBOX_SIZE)
        self.writer = asyncio.ensure_future(self._write())
        self.joined = True
        await self.accept()
        await realtime.hub().add(self.plg_id, self)  # also updates presence

    async def disconnect(self, code):
        if getattr(self, "joined", False):
            self.joined = False
            await realtime.hub().remove(self.plg_id, self)
            self.writer.cancel()

    # --- from the hub ---------------------------------------------------------------------

    def deliver(self, event: dict) -> None:
        """Called by the hub's receive loop for every event of this PLG; must not block."""
        if "revoke" in event:  # someone lost access: only their sockets react, nobody else sees it
            if event["revoke"] == self.user_id:
                self._close_soon(CLOSE_FORBIDDEN)
            return
        if event.get("sender") == self.user_id and event.get("echo") is False:
            return  # typing: not to oneself
        if event.get("only_user") not in (None, self.user_id):
            return  # read positions: only to the user's own sockets
        try:
            self.outbox.put_nowait(event["payload"])
        except asyncio.QueueFull:
            # Too slow: drop it rather than hold up the others; it reconnects and catches up by id.
            self._close_soon(CLOSE_TOO_SLOW)

    def _close_soon(self, code: int) -> None:
        if getattr(self, "_closing", None) is None:
            self._closing = asyncio.ensure_future(self.close(code=code))

    async def _write(self) -> None:
        while True:
            payload = await self.outbox.get()
            await self.send(text_data=payload)

    # --- from the client --------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is not None or text_data is None:
            return await self._error("invalid", _("Only text frames with JSON are understood."))
        if len(text_data.encode()) > MAX_FRAME:
            return await self._error("too_large", _("The message is too large."))
        try:
            frame = json.loads(text_data)
        except ValueError:
            return await self._error("invalid_json", _("The frame is not valid JSON."))
        if not isinstance(frame, dict):
            return await self._error("invalid_json", _("The frame is not a JSON object."))
        handler = getattr(self, f"on_{frame.get('type')}", None) if isinstance(frame.get("type"), str) else None
        if handler is None:
            return await self._error("unknown_type", _("Unknown frame type."))
        client_id = str(frame.get("client_id", ""))[:64]
        try:
            await handler(frame, client_id)
        except _RateLimited as limited:
            await self._error("rate_limited", str(limited.message), client_id, retry_after=limited.retry_after)
        except Refused as refusal:
            await self._error(refusal.kind.value, str(refusal.message), client_id=client_id)
        except (KeyError, TypeError, ValueError, Message.DoesNotExist, Topic.DoesNotExist):
            await self._error("invalid", _("The frame is incomplete or refers to something unknown."), client_id)

    async def on_ping(self, frame, client_id):
        await self.send(text_data=json.dumps({"type": "pong"}))

    async def on_sync(self, frame, client_id):
        last_id = int(frame.get("last_id") or 0)
        since = parse_datetime(frame["since"]) if frame.get("since") else None
        payloads, complete, now = await self._catch_up(last_id, since)
        for payload in payloads:
            await self.send(text_data=payload)
        newest = max([last_id, *[json.loads(p)["id"] for p in payloads]]) if payloads else last_id
        await self.send(
            text_data=json.dumps({"type": "synced", "last_id": newest, "now": now.isoformat(), "complete": complete})
        )

    async def on_post(self, frame, client_id):
        await self._call(self._post, int(frame["topic"]), str(frame.get("body", "")), frame.get("reply_to"), client_id)

    async def on_edit(self, frame, client_id):
        await self._call(self._edit, int(frame["message"]), str(frame.get("body", "")))

    async def on_delete(self, frame, client_id):
        await self._call(self._delete, int(frame["message"]))

    async def on_hide(self, frame, client_id):
        await self._call(self._hide, int(frame["message"]), True)

    async def on_unhide(self, frame, client_id):
        await self._call(self._hide, int(frame["message"]), False)

    async def on_typing(self, frame, client_id):
        topic = int(frame["topic"])
        payload = {"type": "typing", "topic": topic, "user": self.user_id, "name": self.user_name}
        self._broadcast(payload, sender=self.user_id, echo=False)

    async def on_read(self, frame, client_id):
        topic_id, message_id = int(frame["topic"]), int(frame["message"])
        position = await self._call(self._read, topic_id, message_id)
        self._broadcast({"type": "read", "topic": topic_id, "message": position}, only_user=self.user_id)

    # --- helpers ----------------------------------------------------------------------------

    async def _error(self, code: str, message: str, client_id: str = "", **extra):
        frame = {"type": "error", "code": code, "message": message, "client_id": client_id, **extra}
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    def _limit(self):
        """At most RATE_LIMIT[0] writes per RATE_LIMIT[1] seconds per user (shared by all sockets).

        Called in the database thread, at the start of the write it guards: one thread hop, not two.
        """
        used, retry_after = _count_write(self.user_id)
        if used > RATE_LIMIT[0]:
            message = _("You are writing very fast; please wait %(seconds)d seconds.") % {"seconds": retry_after}
            raise _RateLimited(message, retry_after)

    def _broadcast(self, payload: dict, **meta):
        realtime.hub().publish(realtime.event_for(self.plg_id, payload, **meta))

    async def _call(self, function, *args):
        return await database_sync_to_async(function)(*args)

    @database_sync_to_async
    def _load_plg(self) -> PlgPage | None:
        if not getattr(self.user, "is_authenticated", False) or not self.user.is_active:
            return None
        plg = PlgPage.objects.live().filter(pk=self.plg_id).first()
        if plg is None or not allowed(self.user, "plc.connect", plg):
            return None
        self.user_name = self.user.display_name  # reads the profile: here, not in the event loop
        return plg

    @database_sync_to_async
    def _catch_up(self, last_id: int, since: datetime | None):
        messages, complete = selectors.catch_up(self.plg_id, last_id=last_id, since=since)
        return (
            [json.dumps(realtime.message_payload(m), ensure_ascii=False) for m in messages],
            complete,
            selectors.sync_point(),
        )

    def _topic(self, topic_id: int) -> Topic:
        return Topic.objects.select_related("plg").get(pk=topic_id, plg_id=self.plg_id)

    def _message(self, message_id: int) -> Message:
        return Message.objects.select_related("plg", "topic").get(pk=message_id, plg_id=self.plg_id)

    def _post(self, topic_id: int, body: str, reply_to, client_id: str):
        self._limit()
        topic = self._topic(topic_id)
        reply = self._message(int(reply_to)) if reply_to else None
        self._fresh_user()
        services.post_message(actor=self.user, topic=topic, body=body, reply_to=reply, client_id=client_id)

    def _edit(self, message_id: int, body: str):
        self._limit()
        self._fresh_user()
        services.edit_message(actor=self.user, message=self._message(message_id), body=body)

    def _delete(self, message_id: int):
        self._fresh_user()
        services.delete_message(actor=self.user, message=self._message(message_id))

    def _hide(self, message_id: int, hidden: bool):
        self._fresh_user()
        services.set_hidden(actor=self.user, message=self._message(message_id), hidden=hidden)

    def _read(self, topic_id: int, message_id: int) -> int:
        return services.mark_read(actor=self.user, topic=self._topic(topic_id), message_id=message_id)

    def _fresh_user(self):
        """Drop per-object caches (roles, memberships) so that every write checks current rights."""
        from lernen25.roles import forget_roles
        from plc.permissions import forget_memberships

        forget_roles(self.user)
        forget_memberships(self.user)


def _count_write(user_id: int) -> tuple[int, int]:
    window = RATE_LIMIT[1]
    bucket = int(time.time() // window)
    key = f"plc:ws-rate:{user_id}:{bucket}"
    cache = realtime.shared_cache()
    used = 1 if cache.add(key, 1, timeout=window + 1) else cache.incr(key)
    return used, window - int(time.time() % window)


class _RateLimited(Refused):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message, RefusalKind.CONFLICT)
        self.retry_after = retry_after

"""The only code that talks to the channel layer: publishing events and the per-process hub.

Publishing (called from services, after commit): one ``group_send`` to ``plg.<id>`` with the
event already rendered and serialised, so that the cost per socket is one ``send``.

The hub (one per event loop, i.e. per worker process) joins a PLG's group once, with one channel of
its own, when the first local socket of that PLG connects, and leaves when the last one closes. Its
receive loop hands each event to the local consumers, which queue it (bounded) and write it out.
See docs/realtime.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from typing import Protocol

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

REJOIN_SECONDS = 3600  # well inside channels-redis' group_expiry (86400 s)


def group_name(plg_id: int) -> str:
    return f"plg.{plg_id}"


# --- Publishing (sync, from services) ----------------------------------------------------------


def message_payload(message, *, client_id: str = "") -> dict:
    """The ``message`` frame: the same partial the HTTP page renders, without viewer-specific parts."""
    html = render_to_string("plc/_message.html", {"message": message, "viewer": None})
    return {
        "type": "message",
        "id": message.pk,
        "topic": message.topic_id,
        "author": message.author_id,
        "state": message.state,
        "created": message.created_at.isoformat(),
        "changed": message.changed_at.isoformat(),
        "html": html,
        "client_id": client_id,
    }


def _send(plg_id: int, payload: dict, **meta) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": "hub.event", "plg": plg_id, "payload": json.dumps(payload, ensure_ascii=False), **meta}
    try:
        async_to_sync(layer.group_send)(group_name(plg_id), event)
    except Exception:  # the message is stored; clients catch up by last id
        logger.exception("could not publish %s to PLG %s", payload.get("type"), plg_id)


def publish_message(message, *, client_id: str = "") -> None:
    _send(message.plg_id, message_payload(message, client_id=client_id))


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

    def deliver(self, event: dict) -> None: ...


class Hub:
    def __init__(self) -> None:
        self.sockets: dict[int, set[LocalSocket]] = {}
        self.channel: str | None = None
        self._tasks: list[asyncio.Task] = []
        self._soon: dict[object, asyncio.Task] = {}
        self._lock = asyncio.Lock()

    async def add(self, plg_id: int, socket: LocalSocket) -> None:
        layer = get_channel_layer()
        async with self._lock:
            if self.channel is None:
                self.channel = await layer.new_channel(prefix="plghub.")
                self._tasks = [asyncio.ensure_future(self._receive()), asyncio.ensure_future(self._rejoin())]
            local = self.sockets.setdefault(plg_id, set())
            if not local:
                await layer.group_add(group_name(plg_id), self.channel)
            local.add(socket)

    async def remove(self, plg_id: int, socket: LocalSocket) -> None:
        layer = get_channel_layer()
        async with self._lock:
            local = self.sockets.get(plg_id)
            if not local:
                return
            local.discard(socket)
            if not local:
                del self.sockets[plg_id]
                with contextlib.suppress(Exception):
                    await layer.group_discard(group_name(plg_id), self.channel)

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
                logger.exception("deferred hub work %s failed", key)

        self._soon[key] = asyncio.ensure_future(run())

    def online(self, plg_id: int) -> list[LocalSocket]:
        return list(self.sockets.get(plg_id, ()))

    async def _receive(self) -> None:
        layer = get_channel_layer()
        while True:
            try:
                event = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub receive failed; retrying")
                await asyncio.sleep(1)
                continue
            for socket in list(self.sockets.get(event.get("plg"), ())):
                socket.deliver(event)

    async def _rejoin(self) -> None:
        """Group memberships expire in the layer; the hub renews those it still needs."""
        layer = get_channel_layer()
        while True:
            await asyncio.sleep(REJOIN_SECONDS)
            for plg_id in list(self.sockets):
                with contextlib.suppress(Exception):
                    await layer.group_add(group_name(plg_id), self.channel)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """The hub of the running event loop (one per worker process in production)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]

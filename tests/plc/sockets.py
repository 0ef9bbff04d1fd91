"""WebSocket helpers for the PLG discussion tests: a real session, a socket, frames and a fresh loop.

Used by test_consumers.py and by the discussion page tests that watch a no-JavaScript post arrive
live. Scenarios run with ``run`` (``async_to_sync``, pytest-asyncio is not used) over the in-memory
channel layer; the modules using them request the fixtures ``fresh_realtime`` and, when
transactional, ``restore_migrated_data`` (tests/plc/conftest.py).
"""

from __future__ import annotations

import contextlib
import json

from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client, override_settings

from lernen25.asgi import application

TIMEOUT = 3  # seconds for any single frame the server owes us
QUIET = 0.2  # seconds of silence that count as "nothing more came"


def session_of(user) -> str:
    """A real session for ``user`` (each call its own): the session cookie a browser would send."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def socket(plg_id: int, session: str | None = None, origin: bytes = b"http://testserver") -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if session:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
    return WebsocketCommunicator(application, f"/ws/plg/{plg_id}/", headers=headers)


IN_MEMORY_LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def run(scenario, *args):
    """Run an async scenario to completion in a fresh event loop (one per-process hub per loop).

    Always over a fresh in-memory channel layer, also when the run uses Redis: a hub's receive on
    channels-redis could now and then not be cancelled when the scenario's loop closed, and the test
    run hung. The Redis layer is tested with real server processes in test_scale_out.py.
    """
    channel_layers.backends.clear()
    try:
        with override_settings(CHANNEL_LAYERS=IN_MEMORY_LAYER):
            return async_to_sync(scenario)(*args)
    finally:
        channel_layers.backends.clear()


async def open_socket(plg_id: int, session: str) -> WebsocketCommunicator:
    ws = socket(plg_id, session)
    connected, code = await ws.connect(timeout=TIMEOUT)
    assert connected, f"connection refused with {code}"
    return ws


async def open_synced(plg_id: int, session: str) -> WebsocketCommunicator:
    """A socket as the page opens it: connected, then ``sync`` (message events flow only after it)."""
    ws = await open_socket(plg_id, session)
    await sync(ws, 0)
    return ws


async def send(ws: WebsocketCommunicator, **frame) -> None:
    await ws.send_to(text_data=json.dumps(frame))


async def next_frame(ws: WebsocketCommunicator, kind: str, timeout: float = TIMEOUT) -> dict:
    """The next frame of type ``kind``; presence frames (which come at any (dis)connect) are skipped."""
    while True:
        frame = await ws.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame
        assert frame["type"] == "presence", f"expected {kind!r}, got {frame}"


async def drain(ws: WebsocketCommunicator, timeout: float = QUIET) -> list[dict]:
    """Every frame that arrives until the socket stays quiet for ``timeout`` seconds."""
    frames = []
    while not await ws.receive_nothing(timeout=timeout):
        frames.append(await ws.receive_json_from(timeout=TIMEOUT))
    return frames


async def sync(ws: WebsocketCommunicator, last_seq: int = 0, have: tuple[int, ...] = ()) -> tuple[list[dict], dict]:
    """Send ``sync``; return the caught-up ``message`` frames and the final ``synced`` frame."""
    await send(ws, type="sync", last_seq=last_seq, **({"have": list(have)} if have else {}))
    messages = []
    while True:
        frame = await ws.receive_json_from(timeout=TIMEOUT)
        if frame["type"] == "synced":
            return messages, frame
        if frame["type"] == "message":
            messages.append(frame)
        else:
            assert frame["type"] == "presence", frame


async def is_open(ws: WebsocketCommunicator) -> bool:
    """The connection answers a ping (an error frame never closes it)."""
    await send(ws, type="ping")
    await next_frame(ws, "pong")
    return True


async def close_code(ws: WebsocketCommunicator, timeout: float = TIMEOUT) -> int:
    """Wait for the server to close the socket; return its close code (frames before are ignored)."""
    while True:
        output = await ws.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output.get("code", 1000)
        assert output["type"] == "websocket.send", output


async def refused(
    plg_id: int, session: str | None = None, origin: bytes = b"http://testserver"
) -> tuple[list[dict], int]:
    """Open a socket that the server refuses: (the frames it sent first, its close code).

    Refused handshakes are accepted and closed at once with an application code (an HTTP 403 would
    reach a browser as 1006 and make it retry); before closing the server may say why in a frame.
    """
    ws = socket(plg_id, session, origin)
    connected, code = await ws.connect(timeout=TIMEOUT)
    assert connected, f"the handshake was answered with HTTP {code}, not accepted and closed"
    frames = []
    while True:
        output = await ws.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return frames, output.get("code", 1000)
        frames.append(json.loads(output["text"]))


async def close_all(*sockets: WebsocketCommunicator) -> None:
    for ws in sockets:
        # Already gone when the server closed it or the scenario failed half-way.
        with contextlib.suppress(Exception):
            await ws.disconnect(timeout=1)

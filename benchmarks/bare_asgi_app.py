"""A floor per server for ``ws_bench.py``: a bare ASGI 3 broadcast application, no Django, no Channels.

The same semantics as ``bare_ws_server.py`` (docs/realtime.md, reduced to the transport): any
WebSocket path is accepted, no authentication, no database, no channel layer; every ``post`` goes, as
a ``message`` frame with a new id, to every connected socket (the sender's copy carries its
``client_id``); ``sync`` is answered with ``synced``, ``ping`` with ``pong``. A broadcast frame is
serialised once for all receivers, as the hub does.

How it writes, chosen by the environment variable ``BARE_ASGI_WRITER``:

- ``task`` (the default): each socket has a queue and one writer task that takes frames from it and
  hands each one to that socket's ASGI ``send``; a broadcast only puts the frame into every socket's
  queue. This is how our consumer (``plc.consumers.DiscussionConsumer``) wrote until issue 19: a task
  wake-up per frame and socket.
- ``direct``: the broadcast awaits each socket's ``send`` in turn. With daphne and uvicorn a ``send``
  finishes without suspending unless the client does not read, so this is what the consumer's
  ``lernen25.sockets.FrameWriter`` does since issue 19 (a frame is written at once; a queue only
  behind a suspended send).

So, served by daphne, uvicorn or granian, it shows what that server itself costs per handshake and
per ``send``, without anything of ours on top::

    daphne -b 127.0.0.1 -p 8766 benchmarks.bare_asgi_app:app
    uvicorn benchmarks.bare_asgi_app:app --port 8766 --ws websockets-sansio --lifespan off
    BARE_ASGI_WRITER=direct granian --interface asginl --port 8766 benchmarks.bare_asgi_app:app

HTTP requests get a 404; lifespan events are acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource

WRITER = os.environ.get("BARE_ASGI_WRITER", "task")
if WRITER not in ("task", "direct"):
    raise SystemExit(f"BARE_ASGI_WRITER must be task or direct, not {WRITER!r}")


class Socket:
    """One connected socket and how frames reach it."""

    def __init__(self, send):
        self.send = send  # the server's ASGI send for this connection
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.writer = asyncio.ensure_future(self._write()) if WRITER == "task" else None

    async def _write(self) -> None:
        """The socket's one writer task: frames go out in the order they were queued."""
        while True:
            text = await self.queue.get()
            await self.send({"type": "websocket.send", "text": text})

    async def deliver(self, text: str) -> None:
        if self.writer is not None:
            self.queue.put_nowait(text)
        else:
            with contextlib.suppress(Exception):  # the socket is gone; its disconnect event follows
                await self.send({"type": "websocket.send", "text": text})

    def close(self) -> None:
        if self.writer is not None:
            self.writer.cancel()


SOCKETS: set[Socket] = set()
NEXT_ID = 0


def raise_fd_limit() -> int:
    """Raise the soft limit on open files to the hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def _answer(sender: Socket, text: str) -> None:
    global NEXT_ID
    try:
        frame = json.loads(text)
    except ValueError:
        await sender.deliver(json.dumps({"type": "error", "code": "invalid_json"}))
        return
    kind = frame.get("type") if isinstance(frame, dict) else None
    if kind == "post":
        NEXT_ID += 1
        message = {
            "type": "message",
            "id": NEXT_ID,
            "seq": NEXT_ID,
            "topic": frame.get("topic"),
            "author": 0,
            "html": f"<p>{frame.get('body', '')}</p>",
            "state": "visible",
        }
        payload = json.dumps(message)  # serialised once for all receivers
        for other in list(SOCKETS):
            if other is not sender:
                await other.deliver(payload)
        await sender.deliver(json.dumps({**message, "client_id": frame.get("client_id")}))
    elif kind == "sync":
        await sender.deliver(json.dumps({"type": "synced", "last_seq": NEXT_ID, "complete": True}))
    elif kind == "ping":
        await sender.deliver('{"type": "pong"}')


async def _websocket(receive, send) -> None:
    event = await receive()
    if event["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    socket = Socket(send)
    SOCKETS.add(socket)
    try:
        while True:
            event = await receive()
            if event["type"] == "websocket.disconnect":
                break
            if event["type"] == "websocket.receive":
                text = event.get("text")
                if text is None:
                    text = (event.get("bytes") or b"").decode("utf-8", "replace")
                await _answer(socket, text)
    finally:
        SOCKETS.discard(socket)
        socket.close()


async def _lifespan(receive, send) -> None:
    while True:
        event = await receive()
        if event["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif event["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope, receive, send) -> None:
    if scope["type"] == "websocket":
        await _websocket(receive, send)
    elif scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "http":
        await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"WebSocket only\n"})


raise_fd_limit()

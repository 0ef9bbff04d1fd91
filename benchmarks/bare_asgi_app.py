"""A floor per server for ``ws_bench.py``: a bare ASGI 3 broadcast application, no Django, no Channels.

The same semantics as ``bare_ws_server.py`` (docs/realtime.md, reduced to the transport): any
WebSocket path is accepted, no authentication, no database, no channel layer; every ``post`` goes, as
a ``message`` frame with a new id, to every connected socket (the sender's copy carries its
``client_id``); ``sync`` is answered with ``synced``, ``ping`` with ``pong``.

It writes the way our consumer does (``plc.consumers.DiscussionConsumer``): each socket has a queue
and one writer task that takes frames from it and hands each one to that socket's ASGI ``send``; a
broadcast only puts the frame, serialised once, into every socket's queue. So, served by daphne,
uvicorn or granian, it shows what that server itself costs per handshake and per ``send``, without
anything of ours on top::

    daphne -b 127.0.0.1 -p 8766 benchmarks.bare_asgi_app:app
    uvicorn benchmarks.bare_asgi_app:app --port 8766 --ws websockets-sansio --lifespan off
    granian --interface asginl --port 8766 benchmarks.bare_asgi_app:app

HTTP requests get a 404; lifespan events are acknowledged.
"""

from __future__ import annotations

import asyncio
import json
import resource

QUEUES: set[asyncio.Queue] = set()  # one per connected socket
NEXT_ID = 0


def raise_fd_limit() -> int:
    """Raise the soft limit on open files to the hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def _write(queue: asyncio.Queue, send) -> None:
    """The socket's one writer: frames go out in the order they were queued."""
    while True:
        text = await queue.get()
        await send({"type": "websocket.send", "text": text})


def _answer(queue: asyncio.Queue, text: str) -> None:
    global NEXT_ID
    try:
        frame = json.loads(text)
    except ValueError:
        queue.put_nowait(json.dumps({"type": "error", "code": "invalid_json"}))
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
        payload = json.dumps(message)  # serialised once for all receivers, as the hub does
        for other in QUEUES:
            if other is not queue:
                other.put_nowait(payload)
        queue.put_nowait(json.dumps({**message, "client_id": frame.get("client_id")}))
    elif kind == "sync":
        queue.put_nowait(json.dumps({"type": "synced", "last_seq": NEXT_ID, "complete": True}))
    elif kind == "ping":
        queue.put_nowait('{"type": "pong"}')


async def _websocket(receive, send) -> None:
    event = await receive()
    if event["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    queue: asyncio.Queue = asyncio.Queue()
    writer = asyncio.ensure_future(_write(queue, send))
    QUEUES.add(queue)
    try:
        while True:
            event = await receive()
            if event["type"] == "websocket.disconnect":
                break
            if event["type"] == "websocket.receive":
                text = event.get("text")
                if text is None:
                    text = (event.get("bytes") or b"").decode("utf-8", "replace")
                _answer(queue, text)
    finally:
        QUEUES.discard(queue)
        writer.cancel()


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

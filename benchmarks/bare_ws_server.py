"""The floor for ``ws_bench.py``: a bare ``websockets`` broadcast server, no Django, no channel layer.

Same fan-out semantics as the PLG discussion (docs/realtime.md), reduced to the transport: every
``post`` frame from any client goes, as a ``message`` frame with a new id, to every connected client
(the sender included, which also gets its ``client_id`` back); ``sync`` is answered with ``synced``.
Any path is accepted, no authentication, no database. Compression is off, as daphne has none
(stack-notes §5).

    .venv/bin/python benchmarks/bare_ws_server.py --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import signal

from websockets.asyncio.server import ServerConnection, broadcast, serve

CLIENTS: set[ServerConnection] = set()
NEXT_ID = 0


def raise_fd_limit() -> int:
    """Raise the soft limit on open files to the hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def handler(ws: ServerConnection) -> None:
    global NEXT_ID
    CLIENTS.add(ws)
    try:
        async for raw in ws:
            try:
                frame = json.loads(raw)
            except ValueError:
                await ws.send(json.dumps({"type": "error", "code": "invalid_json"}))
                continue
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
                broadcast(CLIENTS - {ws}, json.dumps(message))
                await ws.send(json.dumps({**message, "client_id": frame.get("client_id")}))
            elif kind == "sync":
                await ws.send(json.dumps({"type": "synced", "last_seq": NEXT_ID, "complete": True}))
            elif kind == "ping":
                await ws.send('{"type": "pong"}')
    finally:
        CLIENTS.discard(ws)


async def main(host: str, port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(handler, host, port, compression=None, max_size=2**20, backlog=4096):
        print(f"bare_ws_server listening on ws://{host}:{port}/", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    raise_fd_limit()
    asyncio.run(main(args.host, args.port))

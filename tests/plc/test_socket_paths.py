"""Malformed WebSocket paths are closed with 4404 at the handshake, never a traceback (#17)."""

from __future__ import annotations

import logging

import pytest
from channels.testing import WebsocketCommunicator

from lernen25.asgi import application
from tests.plc.sockets import TIMEOUT, run, session_of

HEADERS = [(b"origin", b"http://testserver"), (b"host", b"testserver")]


@pytest.mark.parametrize(
    "path",
    ["/ws/plg/abc/", "/ws/plg/99999999999999999999999/", "/ws/plg/-1/", "/ws/plg/1", "/ws/other/", "/ws/"],
)
def test_a_path_nobody_serves_is_closed_with_4404(path, lehrkraft_a, caplog):
    session = session_of(lehrkraft_a)

    async def scenario():
        communicator = WebsocketCommunicator(application, path, headers=[*HEADERS, (b"cookie", _cookie(session))])
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        closed = await communicator.receive_output(timeout=TIMEOUT)
        await communicator.wait()
        return connected, closed

    with caplog.at_level(logging.ERROR):
        connected, closed = run(scenario)

    assert connected is True
    assert (closed["type"], closed["code"]) == ("websocket.close", 4404)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def _cookie(session: str) -> bytes:
    from django.conf import settings

    return f"{settings.SESSION_COOKIE_NAME}={session}".encode()

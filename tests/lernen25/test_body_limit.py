"""Bounded request bodies (lernen25/bodylimit.py): over-long ones are refused with 413.

Three levels: the ASGI middleware with a fake application (and Django's own handler); daphne's
request class on an in-memory Twisted connection; and a real daphne process, whose memory must not
grow by what a client declares or streams (without the limit, a 400 MB POST grew it by 400 MB:
daphne puts a whole body into the application's queue at once).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import override_settings
from django.test.client import BOUNDARY, encode_multipart
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.web import http

from lernen25 import bodylimit
from lernen25.bodylimit import LINGER_SECONDS, BodyLimitMiddleware, LimitedWebRequest, body_limit_for

MIB = 1024 * 1024
LIMIT = 64  # the fake application's limit in the middleware tests


# --- Limits per URL ------------------------------------------------------------------------------


@pytest.mark.needs_app("plc")
def test_the_urls_that_take_uploads_get_the_upload_limit():
    upload_urls = [
        reverse("plc:upload", args=[1]),
        reverse("wagtaildocs:add"),
        reverse("wagtaildocs:add_multiple"),
        reverse("wagtailimages:add"),
        reverse("wagtailimages:add_multiple"),
        reverse("schools:import"),
    ]
    for url in upload_urls:
        assert body_limit_for(url) == settings.MAX_REQUEST_BODY_BYTES, url


@pytest.mark.needs_app("plc")
def test_every_other_url_gets_one_mib():
    other_urls = [
        reverse("plc:topic", args=[1, 2]),  # discussion posts (at most 5,000 characters)
        reverse("plc:edit_message", args=[1, 2]),
        reverse("plc:add_link", args=[1]),
        reverse("plc:upload", args=[1]) + "x/",
        reverse("account_login"),
        reverse("profile"),
        reverse("healthz"),
        "/django-admin/",
        "/",
        "",
    ]
    for url in other_urls:
        assert body_limit_for(url) == MIB, url


@pytest.mark.needs_app("plc")
def test_the_default_limit_takes_the_largest_plg_file_with_its_multipart_envelope():
    from plc.services.material import MAX_FILE_BYTES

    assert settings.MAX_REQUEST_BODY_BYTES == 21 * MIB
    upload = SimpleNamespace(name="Protokoll der Sitzung.pdf", read=lambda: b"%" * MAX_FILE_BYTES)
    body = encode_multipart(BOUNDARY, {"csrfmiddlewaretoken": "x" * 64, "title": "T" * 255, "file": upload})
    assert len(body) < settings.MAX_REQUEST_BODY_BYTES


def test_the_asgi_application_refuses_long_bodies_in_daphne_and_in_the_middleware():
    from daphne import http_protocol

    from lernen25.asgi import application

    assert isinstance(application.application_mapping["http"], BodyLimitMiddleware)
    assert http_protocol.WebRequest is LimitedWebRequest


# --- The ASGI middleware -------------------------------------------------------------------------


class FakeApp:
    """Reads the body like Django's ASGIHandler (a disconnect aborts), then answers 200 "ok"."""

    def __init__(self):
        self.called = False
        self.body = b""
        self.received: list[dict] = []

    async def __call__(self, scope, receive, send):
        self.called = True
        while True:
            message = await receive()
            self.received.append(message)
            if message["type"] == "http.disconnect":
                return
            self.body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"1")]})
        await send({"type": "http.response.body", "body": b"ok"})


def _request_messages(chunks: list[bytes]) -> list[dict]:
    if not chunks:
        return [{"type": "http.request", "body": b"", "more_body": False}]
    return [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]


def _serve(app, headers: list[tuple[bytes, bytes]], chunks: list[bytes], path: str = "/x", limit: int = LIMIT):
    """Run the middleware as a server would; the messages it sent back."""
    incoming = _request_messages(chunks)
    sent: list[dict] = []

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
    asyncio.run(BodyLimitMiddleware(app, limit_for=lambda _path: limit)(scope, receive, send))
    return sent


def _status(sent: list[dict]) -> int:
    starts = [message for message in sent if message["type"] == "http.response.start"]
    assert len(starts) == 1, sent
    return starts[0]["status"]


def _text(sent: list[dict]) -> str:
    return b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body").decode()


def test_a_content_length_over_the_limit_is_refused_without_calling_the_app():
    app = FakeApp()
    sent = _serve(app, [(b"content-length", b"419430400")], [b"x" * 10])

    assert _status(sent) == 413
    assert not app.called
    assert _text(sent).startswith("Die Anfrage ist zu groß")
    assert (b"content-type", b"text/plain; charset=utf-8") in sent[0]["headers"]


def test_a_chunked_body_over_the_limit_is_cut_off_and_refused():
    app = FakeApp()
    sent = _serve(app, [], [b"a" * 30, b"b" * 30, b"c" * 30, b"d" * 30])

    assert _status(sent) == 413
    assert app.body == b"a" * 30 + b"b" * 30  # never more than the limit
    assert app.received[-1] == {"type": "http.disconnect"}
    assert "höchstens 64 Bytes" in _text(sent)


def test_a_body_within_the_limit_passes_unchanged():
    app = FakeApp()
    chunks = [b"a" * 20, b"", b"b" * 44]
    sent = _serve(app, [(b"content-length", b"64")], chunks)

    assert app.received == _request_messages(chunks)
    assert sent == [
        {"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"1")]},
        {"type": "http.response.body", "body": b"ok"},
    ]


@pytest.mark.parametrize(
    "headers",
    [
        [(b"content-length", b"-1")],
        [(b"content-length", b"abc")],
        [(b"content-length", b"")],
        [(b"content-length", b" 5")],
        [(b"content-length", b"+5")],
        [(b"content-length", b"1.5")],
        [(b"content-length", b"5, 5")],
        [(b"content-length", "٣".encode())],  # a digit, but not an ASCII one
        [(b"content-length", b"5"), (b"Content-Length", b"6")],
    ],
)
def test_a_malformed_content_length_is_a_bad_request(headers):
    app = FakeApp()
    sent = _serve(app, headers, [b"x" * 5])

    assert _status(sent) == 400
    assert not app.called
    assert "Content-Length" in _text(sent)


def test_repeated_equal_content_lengths_are_fine_and_absurd_ones_too_large():
    app = FakeApp()
    assert _status(_serve(app, [(b"content-length", b"3"), (b"content-length", b"3")], [b"abc"])) == 200
    assert app.body == b"abc"
    assert _status(_serve(FakeApp(), [(b"content-length", b"9" * 5000)], [])) == 413
    assert _status(_serve(FakeApp(), [(b"content-length", b"0" * 5000 + b"7")], [b"x" * 7])) == 200


def test_more_body_than_declared_is_a_bad_request():
    app = FakeApp()
    sent = _serve(app, [(b"content-length", b"10")], [b"x" * 8, b"y" * 8])

    assert _status(sent) == 400
    assert app.body == b"x" * 8


def test_a_response_the_app_has_started_is_not_followed_by_a_second_one():
    async def answers_first(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        while (await receive())["type"] != "http.disconnect":
            pass
        await send({"type": "http.response.body", "body": b"early"})

    sent = _serve(answers_first, [], [b"x" * 100])

    assert _status(sent) == 200
    assert _text(sent) == "early"


def test_other_connections_pass_through():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    scope = {"type": "websocket", "path": "/ws/", "headers": [(b"content-length", b"junk")]}
    asyncio.run(BodyLimitMiddleware(app)(scope, None, None))
    asyncio.run(BodyLimitMiddleware(app)({"type": "lifespan"}, None, None))
    assert seen == ["websocket", "lifespan"]


def test_djangos_handler_gives_up_quietly_and_the_client_gets_413():
    from django.core.handlers.asgi import ASGIHandler

    sent = _serve(ASGIHandler(), [], [b"x" * 50, b"y" * 50])

    assert _status(sent) == 413


content_lengths = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=2 * LIMIT).map(lambda n: str(n).encode()),
    st.integers(min_value=-(10**30), max_value=10**30).map(lambda n: str(n).encode()),
    st.binary(max_size=24),
    st.text(alphabet="0123456789 +-,.\t٣", max_size=24).map(str.encode),
)


@given(content_length=content_lengths, sizes=st.lists(st.integers(min_value=0, max_value=LIMIT), max_size=8))
def test_any_content_length_and_chunking_gets_the_right_answer(content_length, sizes):
    chunks = [bytes([65 + index % 26]) * size for index, size in enumerate(sizes)]
    headers = [] if content_length is None else [(b"content-length", content_length)]
    app = FakeApp()
    sent = _serve(app, headers, chunks)

    declared = None
    expected = 200
    if content_length is not None:
        if not (content_length.isascii() and content_length.isdigit()):
            expected = 400
        else:
            declared = int(content_length)
            expected = 413 if declared > LIMIT else 200
    if expected == 200:
        total = 0
        for size in sizes:
            total += size
            if total > LIMIT:
                expected = 413
                break
            if declared is not None and total > declared:
                expected = 400
                break
    assert _status(sent) == expected
    assert len(app.body) <= min(LIMIT, LIMIT if declared is None else declared)
    if expected == 200:
        assert app.body == b"".join(chunks)
    if content_length is not None and (declared is None or declared > LIMIT):  # refused on the header
        assert not app.called


# --- daphne's request class, on an in-memory connection ------------------------------------------


class _Transport(StringTransport):
    write_closed = False

    def loseWriteConnection(self):
        self.write_closed = True


class _Queue(list):
    put_nowait = list.append


class _Server:
    """What daphne's WebRequest asks of daphne's Server."""

    request_buffer_size = 8192
    proxy_forwarded_address_header = None
    root_path = ""
    server_name = "daphne"

    def __init__(self):
        self.scopes: list[dict] = []
        self.queues: list[_Queue] = []

    def protocol_connected(self, protocol):
        pass

    def protocol_disconnected(self, protocol):
        pass

    def create_application(self, protocol, scope):
        self.scopes.append(scope)
        self.queues.append(_Queue())
        return self.queues[-1]


@pytest.fixture
def daphne_connection(monkeypatch):
    """An HTTP connection as daphne makes it, on a fake transport and clock; limits 1,000 / 5,000."""
    monkeypatch.setattr(bodylimit, "OTHER_BODY_BYTES", 1000)
    server, clock, transport = _Server(), Clock(), _Transport()
    channel = http.HTTPChannel()
    channel.requestFactory = LimitedWebRequest
    channel.factory = SimpleNamespace(server=server)
    channel.callLater = clock.callLater
    with override_settings(MAX_REQUEST_BODY_BYTES=5000):
        channel.makeConnection(transport)
        yield SimpleNamespace(server=server, clock=clock, transport=transport, channel=channel)
        channel.connectionLost(Failure(ConnectionDone()))


def _head(path: str, *headers: str) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: example.org\r\n" + "".join(f"{h}\r\n" for h in headers) + "\r\n").encode()


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def test_daphne_refuses_a_long_content_length_as_soon_as_the_headers_are_in(daphne_connection):
    conn = daphne_connection
    conn.channel.dataReceived(_head("/healthz", "Content-Length: 419430400", "Expect: 100-continue"))

    answer = conn.transport.value()
    assert answer.startswith(b"HTTP/1.1 413 Content Too Large\r\n")
    assert b"100 Continue" not in answer
    assert "höchstens 1000 Bytes".encode() in answer
    assert conn.transport.write_closed  # half-closed: the answer, then end of file
    request = conn.channel.requests[-1]
    for _ in range(100):  # what the client sends on is read and dropped
        conn.channel.dataReceived(b"x" * 65536)
    assert request.content.getvalue() == b""
    assert conn.server.scopes == []  # the application is never made
    assert not conn.transport.disconnected
    conn.clock.advance(LINGER_SECONDS)
    assert conn.transport.disconnected  # then the connection is cut


def test_daphne_refuses_a_chunked_body_once_it_passes_the_limit(daphne_connection):
    conn = daphne_connection
    conn.channel.dataReceived(_head("/plg-raum/7/dateien/?next=/", "Transfer-Encoding: chunked"))
    conn.channel.dataReceived(_chunk(b"a" * 4000))
    assert conn.transport.value() == b""
    conn.channel.dataReceived(_chunk(b"b" * 1001) + _chunk(b"c" * 100_000) + b"0\r\n\r\n")

    assert conn.transport.value().startswith(b"HTTP/1.1 413 ")
    assert "höchstens 4,9 KB".encode() in conn.transport.value()
    assert conn.server.scopes == []
    assert conn.channel.requests[-1].content.getvalue() == b""


def test_daphne_passes_a_body_within_the_limit_to_the_application(daphne_connection):
    conn = daphne_connection
    body = bytes(range(256)) * 19  # 4,864 bytes: within the upload limit, not the other one
    conn.channel.dataReceived(_head("/admin/documents/multiple/add/", f"Content-Length: {len(body)}") + body)

    assert conn.transport.value() == b""
    (scope,) = conn.server.scopes
    assert scope["path"] == "/admin/documents/multiple/add/"
    assert b"".join(message["body"] for message in conn.server.queues[0]) == body


@pytest.mark.parametrize("path", ["/healthz", "/plg-raum/1/dateien/x", "http://example.org/plg-raum/1/dateien/x"])
def test_daphne_applies_the_small_limit_elsewhere(daphne_connection, path):
    conn = daphne_connection
    conn.channel.dataReceived(_head(path, "Content-Length: 1001"))

    assert conn.transport.value().startswith(b"HTTP/1.1 413 ")


def test_daphne_reads_the_path_of_an_absolute_request_target(daphne_connection):
    conn = daphne_connection
    conn.channel.dataReceived(_head("http://example.org/plg-raum/1/dateien/", "Content-Length: 4000") + b"x" * 4000)

    assert conn.transport.value() == b""
    assert len(conn.server.scopes) == 1


# --- A real daphne process -----------------------------------------------------------------------


def _memory(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the peak so far) of a process, in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(value.split()[0]) * 1024
    return values


def _exchange(port: int, head: bytes, body: Iterable[bytes] = ()) -> tuple[int, dict[str, str], bytes, int]:
    """Send a request (head, then the body's pieces) and read one answer: status, headers, body, bytes sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        sent = 0
        for piece in body:
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        data = b""
        while b"\r\n\r\n" not in data:
            received = sock.recv(65536)
            assert received, f"the connection closed without an answer: {data!r}"
            data += received
        head_bytes, _, rest = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            received = sock.recv(65536)
            assert received, "the connection closed in the middle of the answer"
            rest += received
        return int(status_line.split()[1]), headers, rest[:length], sent


def _post_head(port: int, path: str, *headers: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *headers, "", ""]
    return "\r\n".join(lines).encode()


def _chunked(total: int, piece: int = MIB) -> Iterator[bytes]:
    block = b"x" * piece
    for _ in range(total // piece):
        yield _chunk(block)
    yield b"0\r\n\r\n"


@pytest.fixture(scope="module")
def daphne_process():
    """daphne serving lernen25.asgi:application on a free port, set up like the browser tests' server."""
    from tests.browser.conftest import (
        _free_port,
        _migrate,
        _server_env,
        _wait_until_healthy,
        start_server,
        stop_process,
    )

    tmp = Path(tempfile.mkdtemp(prefix="lernen25-body-limit-"))
    (tmp / "static").mkdir()
    port = _free_port()
    env = _server_env(tmp, port)
    log = tmp / "daphne.log"
    process = None
    try:
        _migrate(env, tmp / "browser.sqlite3")
        process = start_server(env, port, log)
        _wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process, log)
        yield SimpleNamespace(port=port, pid=process.pid, log=log)
    finally:
        stop_process(process)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.serial
def test_a_real_daphne_refuses_huge_bodies_without_growing(daphne_process):
    port, pid = daphne_process.port, daphne_process.pid
    # Warm up (the first POST loads what Django loads lazily): a small body reaches Django, which
    # refuses the POST for want of a CSRF cookie.
    status, _, _, _ = _exchange(port, _post_head(port, "/healthz", "Content-Length: 5") + b"a=bcd")
    assert status == 403
    before = _memory(pid)

    # 400 MB declared, 4 MB sent: refused on the headers; the rest is read and dropped.
    started = time.monotonic()
    status, headers, body, sent = _exchange(
        port, _post_head(port, "/healthz", f"Content-Length: {400 * MIB}"), (b"x" * MIB for _ in range(4))
    )
    assert status == 413
    assert body.decode().startswith("Die Anfrage ist zu groß")
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert sent == 4 * MIB  # the client could send on and still read the answer
    assert time.monotonic() - started < LINGER_SECONDS

    # 50 MB chunked, to a URL with the small limit and to one with the upload limit.
    for path in ("/plg-raum/1/themen/1/", "/admin/documents/multiple/add/"):
        status, _, body, sent = _exchange(
            port, _post_head(port, path, "Transfer-Encoding: chunked"), _chunked(50 * MIB)
        )
        assert status == 413, path
        assert sent > settings.MAX_REQUEST_BODY_BYTES

    # With Expect: 100-continue the client is told before it sends anything.
    status, _, _, _ = _exchange(
        port, _post_head(port, "/healthz", f"Content-Length: {400 * MIB}", "Expect: 100-continue")
    )
    assert status == 413

    after = _memory(pid)
    grown = {name: (after[name] - before[name]) / MIB for name in after}
    print(f"daphne memory before {before}, after {after}, grown by MiB: {grown}")
    assert grown["VmRSS"] < 20
    assert grown["VmHWM"] < 20  # no peak in between either

    # The server still answers normally, and a malformed length is Twisted's 400.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert _exchange(port, _post_head(port, "/healthz", "Content-Length: -1"))[0] == 400
    assert "Refused a request body over 1048576 bytes for '/healthz'" in daphne_process.log.read_text()


@pytest.mark.serial
def test_a_real_daphne_takes_the_largest_upload(daphne_process):
    """A 20 MiB upload body reaches Django (which refuses it for want of a CSRF cookie, not for its size)."""
    port = daphne_process.port
    body = b"x" * (20 * MIB)
    status, _, _, _ = _exchange(
        port,
        _post_head(port, "/plg-raum/1/dateien/", f"Content-Length: {len(body)}"),
        [body[i : i + MIB] for i in range(0, len(body), MIB)],
    )
    assert status == 403

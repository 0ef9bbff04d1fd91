"""Bounded request bodies: larger ones are answered with 413 before they take memory.

Two layers share one limit per URL path (``body_limit_for``):

- ``LimitedWebRequest`` (installed by ``limit_daphne_request_bodies``, called in lernen25/asgi.py)
  refuses in daphne itself, by Content-Length as soon as the headers are in, or as a chunked body
  passes the limit. This is what protects memory: daphne starts the application only once Twisted
  has received the whole body (into a temporary file), and then puts all of it into the
  application's queue at once, so a middleware would see it only when it is already in memory.
- ``BodyLimitMiddleware`` does the same in ASGI (for servers that stream bodies, and as a second
  line): too long a Content-Length gets 413 without calling the application, a malformed one 400;
  a body that grows past the limit (413) or its declared length (400) is cut off there, and the
  application gets ``http.disconnect`` instead.
"""

from __future__ import annotations

import logging
import re
from io import BytesIO
from urllib.parse import unquote

from daphne import http_protocol
from django.conf import settings

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
# Every URL that takes uploads gets settings.MAX_REQUEST_BODY_BYTES (a PLG file or a Wagtail
# image/document up to 20 MB plus the multipart envelope): the Wagtail admin (images, documents,
# the schools' CSV import, page editing with long StreamField bodies) and the PLG file upload
# (plc:upload). Everything else is forms whose largest field is a discussion post of at most 5,000
# characters (under 60 KB even URL-encoded): 1 MiB leaves a wide margin, and an anonymous client can
# make the server hold at most that much per request. tests/lernen25/test_body_limit.py checks that
# the upload URLs match and the others do not.
UPLOAD_PATHS = re.compile(r"/admin/|/plg-raum/[0-9]+/dateien/\Z")
OTHER_BODY_BYTES = 1 * MIB
# After a refusal, the rest of the body is read and dropped for at most this long (like nginx's
# lingering close); then the connection is cut.
LINGER_SECONDS = 5.0


def body_limit_for(path: str) -> int:
    """The largest request body accepted for ``path`` (the URL path, percent-decoded), in bytes."""
    upload_limit = settings.MAX_REQUEST_BODY_BYTES
    if UPLOAD_PATHS.match(path):
        return upload_limit
    return min(OTHER_BODY_BYTES, upload_limit)


def _size(limit: int) -> str:
    for unit, size in (("MB", MIB), ("KB", 1024)):
        if limit >= size:
            return f"{limit / size:.1f}".removesuffix(".0").replace(".", ",") + f" {unit}"
    return f"{limit} Bytes"


def too_large_text(limit: int) -> bytes:
    return (
        f"Die Anfrage ist zu groß und wurde nicht angenommen: Hier sind höchstens {_size(limit)} erlaubt. "
        "Bitte wählen Sie eine kleinere Datei oder kürzen Sie Ihre Eingabe.\n"
    ).encode()


BAD_LENGTH_TEXT = "Die Anfrage ist fehlerhaft: Ihre Längenangabe (Content-Length) ist ungültig.\n".encode()
TOO_LONG_TEXT = "Die Anfrage ist fehlerhaft: Sie ist länger als angegeben (Content-Length).\n".encode()


def declared_length(headers) -> int | None:
    """The Content-Length of ASGI ``headers``, None without one; ValueError when it is malformed.

    Digits only (no sign, no space); repeated headers must agree. Absurdly long numbers come back as
    a value larger than any limit instead of being parsed.
    """
    values = {value for name, value in headers if name.lower() == b"content-length"}
    if not values:
        return None
    if len(values) > 1:
        raise ValueError("conflicting Content-Length headers")
    (value,) = values
    if not value.isdigit():  # bytes.isdigit: ASCII digits only
        raise ValueError("Content-Length is not a number")
    digits = value.lstrip(b"0") or b"0"
    return int(digits) if len(digits) <= 18 else 10**18


# --- ASGI --------------------------------------------------------------------------------------


async def _answer(send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """ASGI middleware for HTTP: refuses bodies over ``limit_for(path)`` bytes (see the module)."""

    def __init__(self, app, limit_for=body_limit_for):
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["path"])
        try:
            declared = declared_length(scope["headers"])
        except ValueError:
            return await _answer(send, 400, BAD_LENGTH_TEXT)
        if declared is not None and declared > limit:
            return await _answer(send, 413, too_large_text(limit))

        received = 0
        refusal: int | None = None
        started = False

        async def limited_receive():
            nonlocal received, refusal
            if refusal is not None:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refusal = 413
                elif declared is not None and received > declared:
                    refusal = 400
                if refusal is not None:
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, tracked_send)
        if refusal is not None and not started:
            await _answer(send, refusal, too_large_text(limit) if refusal == 413 else TOO_LONG_TEXT)


# --- daphne ------------------------------------------------------------------------------------


def limit_daphne_request_bodies() -> None:
    """Make daphne's HTTP requests refuse bodies over ``body_limit_for`` (idempotent).

    daphne's HTTPFactory.buildProtocol picks ``daphne.http_protocol.WebRequest`` for every new
    connection; this puts LimitedWebRequest there. daphne imports the application (lernen25/asgi.py,
    which calls this) before it accepts connections.
    """
    http_protocol.WebRequest = LimitedWebRequest


class LimitedWebRequest(http_protocol.WebRequest):
    """A daphne request that refuses an over-long body before Twisted stores it."""

    _body_limit: int | None = None
    _body_received = 0
    _refused = False
    _linger_call = None

    def gotLength(self, length):  # the headers are complete: Content-Length, or None when chunked
        self._body_limit = body_limit_for(self._target_path())
        if length is not None and length > self._body_limit:
            self._refuse_body()
            return
        super().gotLength(length)

    def handleContentChunk(self, data):
        if self._refused:
            return  # read and dropped (lingering close)
        self._body_received += len(data)
        if self._body_limit is not None and self._body_received > self._body_limit:
            self._refuse_body()
            return
        super().handleContentChunk(data)

    def requestReceived(self, command, path, version):
        if not self._refused:  # a refused request never reaches the application
            super().requestReceived(command, path, version)

    def connectionLost(self, reason):
        if self._linger_call is not None and self._linger_call.active():
            self._linger_call.cancel()
        super().connectionLost(reason)

    def _target_path(self) -> str:
        # The request line's target, kept by Twisted's HTTPChannel (request.path is set only once the
        # whole body has arrived). Without it, the largest limit applies here; the middleware still
        # applies the path's own.
        target = getattr(self.channel, "_path", None)
        if not isinstance(target, bytes):
            return "/admin/"
        target = target.split(b"?", 1)[0]
        if not target.startswith(b"/"):  # absolute form: http://host/path
            target = b"/" + target.partition(b"://")[2].partition(b"/")[2]
        return unquote(target.decode("ascii", "replace"))

    def _refuse_body(self) -> None:
        self._refused = True
        limit = self._body_limit
        logger.warning("Refused a request body over %d bytes for %r", limit, self._target_path())
        if self.content is not None:  # the temporary file with what came so far
            self.content.close()
        self.content = BytesIO()
        self.requestHeaders.removeHeader(b"Expect")  # no "100 Continue" (Twisted sends it after gotLength)
        body = too_large_text(limit)
        transport = self.channel.transport
        transport.write(
            b"HTTP/1.1 413 Content Too Large\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Length: %d\r\n"
            b"Connection: close\r\n\r\n%s" % (len(body), body)
        )
        # Half-close: the answer and then end-of-file go out, while what the client still sends is
        # read and dropped (handleContentChunk), so that its socket is not reset before it has read
        # the answer. It ends when the client closes, or after LINGER_SECONDS.
        close_write = getattr(transport, "loseWriteConnection", None) or transport.loseConnection
        close_write()
        self._linger_call = self.channel.callLater(LINGER_SECONDS, transport.abortConnection)  # the factory's reactor

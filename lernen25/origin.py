"""WebSocket handshakes only from the site's own pages: same scheme, host and port.

Channels' ``AllowedHostsOriginValidator`` compares the Origin's host with ``ALLOWED_HOSTS`` only,
so a page on any port of an allowed host (``http://localhost:9999``) could open a socket with the
visitor's session cookie. Here the Origin must be exactly the origin the handshake was made to: the
request's scheme (``ws``↔``http``, ``wss``↔``https``; behind the proxy the ``X-Forwarded-Proto`` that
``SECURE_PROXY_SSL_HEADER`` names), its ``Host`` (one of ``ALLOWED_HOSTS``) and port (default ports
filled in). Anything else is accepted and closed at once with 4403 before the consumer runs: a
refusal the client can read (a handshake answered with HTTP 403 reaches a browser as 1006, and it
would retry for ever).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host

from lernen25.sockets import CLOSE_FORBIDDEN

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_tuple(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def _request_scheme(scope, headers: dict[str, str]) -> str:
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy and proxy[0] == "HTTP_X_FORWARDED_PROTO" and "x-forwarded-proto" in headers:
        return "https" if headers["x-forwarded-proto"].split(",")[0].strip() == proxy[1] else "http"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


def is_same_origin(scope) -> bool:
    """Does the handshake's Origin name exactly the scheme, host and port it was sent to?"""
    headers: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        headers[name.decode("latin1").lower()] = value.decode("latin1")
    origin, host = headers.get("origin", ""), headers.get("host", "")
    if not origin or not host:
        return False
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    claimed = _origin_tuple(origin)
    return claimed is not None and claimed == _origin_tuple(f"{_request_scheme(scope, headers)}://{host}")


class SameOriginValidator:
    """ASGI middleware for the WebSocket router: deny a handshake from any other origin."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not is_same_origin(scope):
            return await refuse(receive, send, CLOSE_FORBIDDEN)
        return await self.application(scope, receive, send)


async def refuse(receive, send, code: int) -> None:
    """Accept the handshake and close at once with an application code (no consumer, no data)."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code})

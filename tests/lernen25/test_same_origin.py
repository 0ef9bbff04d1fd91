"""WebSocket handshakes: the Origin must be the very scheme, host and port the socket was opened on."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lernen25.origin import is_same_origin


def _scope(origin: str | None, host: str | None, scheme: str = "ws", **extra: str) -> dict:
    headers = [(name.encode(), value.encode()) for name, value in (("origin", origin), ("host", host)) if value]
    headers += [(name.replace("_", "-").encode(), value.encode()) for name, value in extra.items()]
    return {"type": "websocket", "scheme": scheme, "headers": headers}


def test_the_sites_own_page_may_connect():
    assert is_same_origin(_scope("http://localhost:8000", "localhost:8000"))
    assert is_same_origin(_scope("https://localhost", "localhost", scheme="wss"))
    assert is_same_origin(_scope("https://localhost:443", "localhost", scheme="wss"))


def test_another_port_of_the_same_host_may_not():
    """Any port of localhost used to be accepted: a page on :9999 could use the visitor's session."""
    assert not is_same_origin(_scope("http://localhost:9999", "localhost:8000"))


def test_another_scheme_may_not():
    assert not is_same_origin(_scope("http://localhost", "localhost", scheme="wss"))
    assert not is_same_origin(_scope("https://localhost", "localhost", scheme="ws"))


def test_behind_the_proxy_the_forwarded_scheme_counts():
    """TLS ends at the proxy: daphne sees ws, the browser's page is https (SECURE_PROXY_SSL_HEADER)."""
    assert is_same_origin(_scope("https://localhost", "localhost", x_forwarded_proto="https"))
    assert not is_same_origin(_scope("http://localhost", "localhost", x_forwarded_proto="https"))


def test_missing_or_foreign_headers_are_refused():
    assert not is_same_origin(_scope(None, "localhost"))
    assert not is_same_origin(_scope("http://localhost", None))
    assert not is_same_origin(_scope("null", "localhost"))
    assert not is_same_origin(_scope("http://evil.example", "evil.example"))  # not an allowed host


ports = st.integers(min_value=1, max_value=65535)
schemes = st.sampled_from(["http", "https"])
hosts = st.sampled_from(["localhost", "127.0.0.1", "testserver"])


@given(scheme=schemes, host=hosts, port=ports, other_scheme=schemes, other_host=hosts, other_port=ports)
def test_only_the_exact_origin_is_accepted(scheme, host, port, other_scheme, other_host, other_port):
    socket_scheme = "wss" if scheme == "https" else "ws"
    scope = _scope(f"{other_scheme}://{other_host}:{other_port}", f"{host}:{port}", scheme=socket_scheme)

    assert is_same_origin(scope) == ((scheme, host, port) == (other_scheme, other_host, other_port))


@given(origin=st.text(max_size=80), host=st.text(max_size=40))
def test_any_header_text_is_answered_without_an_error(origin, host):
    scope = {"type": "websocket", "headers": [(b"origin", origin.encode()), (b"host", host.encode())]}

    assert is_same_origin(scope) in (True, False)

"""Client side of the scale-out tests (test_scale_out.py): sockets, frames, forms and a following reader.

Everything here talks to real server processes over loopback: ``websockets``' synchronous client for
``/ws/plg/<id>/`` and ``urllib`` for the HTML forms. ``Reader`` is the client algorithm of
frontend/static/js/discussion.js, written down once more in Python so that a test can follow the
stream over many connections and count what arrived on the wire.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

WAIT = 10.0  # seconds for any frame or answer a server owes us


class ScaleOutError(AssertionError):
    """A server did not answer as the protocol says (raised in helper threads, re-raised by the test)."""


# --- Sockets and frames -----------------------------------------------------------------------


def open_socket(base_url: str, plg: int, cookie: str, session: str) -> ClientConnection:
    """A discussion socket of ``plg`` on the process at ``base_url``, opened with the session ``session``."""
    return connect(
        base_url.replace("http://", "ws://") + f"/ws/plg/{plg}/",
        origin=base_url,
        additional_headers={"Cookie": f"{cookie}={session}"},
        open_timeout=WAIT,
        close_timeout=2,
    )


def next_frame(ws: ClientConnection, timeout: float) -> dict:
    """The next frame; messages written together come as one JSON array (docs/realtime.md), taken one by one."""
    waiting = ws.__dict__.setdefault("waiting_frames", [])
    if not waiting:
        data = json.loads(ws.recv(timeout=timeout))
        waiting.extend(data if isinstance(data, list) else [data])
    return waiting.pop(0)


def frame_where(ws: ClientConnection, wanted: Callable[[dict], bool], what: str = "matching frame") -> dict:
    """The first frame for which ``wanted`` is true; others (presence, earlier messages) are passed over."""
    deadline = time.monotonic() + WAIT
    passed: list[str] = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = next_frame(ws, left)
        except TimeoutError:
            break
        except ConnectionClosed as closed:
            raise ScaleOutError(
                f"the socket closed ({ws.close_code}) before a {what} came; passed over: {passed[-5:]}"
            ) from closed
        if wanted(frame):
            return frame
        passed.append(frame.get("type", "?"))
    raise ScaleOutError(f"no {what} within {WAIT} s; passed over: {passed[-10:]}")


def send(ws: ClientConnection, frame: dict) -> None:
    try:
        ws.send(json.dumps(frame))
    except ConnectionClosed as closed:
        raise ScaleOutError(f"the socket was closed ({ws.close_code}) before a {frame['type']} frame") from closed


def sync(ws: ClientConnection, last_seq: int = 0, have: list[int] | None = None) -> dict:
    """Send a ``sync`` and return the ``synced`` (or ``error``) that ends its answer."""
    send(ws, {"type": "sync", "last_seq": last_seq, "have": have or []})
    return frame_where(ws, lambda f: f["type"] in ("synced", "error"), "synced frame")


def ping(ws: ClientConnection) -> None:
    """The socket is open and served: a ``ping`` gets its ``pong``."""
    send(ws, {"type": "ping"})
    frame = frame_where(ws, lambda f: f["type"] in ("pong", "error"), "pong")
    if frame["type"] != "pong":
        raise ScaleOutError(f"a ping was answered with {frame}")


def closed_by_server(ws: ClientConnection, timeout: float = WAIT) -> tuple[int | None, list[dict]]:
    """Wait until the server closes the socket: (close code, frames that came before the close)."""
    deadline = time.monotonic() + timeout
    frames: list[dict] = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            frames.append(next_frame(ws, left))
        except TimeoutError:
            break
        except ConnectionClosed:
            return ws.close_code, frames
    raise ScaleOutError(
        f"the server did not close the socket within {timeout} s; frames meanwhile: {[f['type'] for f in frames]}"
    )


def drop(ws: ClientConnection) -> None:
    """Close abruptly, without a closing handshake: a lost network, a tab killed, a laptop lid shut."""
    ws.close_socket()


# --- HTML forms -----------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Browser:
    """One browser session of a person: the session cookie, and the CSRF cookie once a form was read."""

    base_url: str
    cookie: str  # the session cookie's name
    session: str
    csrf: str = ""

    def _headers(self, referer: str = "") -> dict[str, str]:
        cookies = f"{self.cookie}={self.session}" + (f"; csrftoken={self.csrf}" if self.csrf else "")
        return {"Cookie": cookies, **({"Referer": referer} if referer else {})}

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        """(status, Location, body) without following redirects; takes over cookies the answer sets."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
        try:
            response = opener.open(request, timeout=WAIT)
        except urllib.error.HTTPError as answer:  # urllib raises for the 302 it may not follow
            status, headers, body = answer.code, answer.headers, answer.read().decode(errors="replace")
        else:
            status, headers, body = response.status, response.headers, response.read().decode(errors="replace")
        for cookie in jar:
            if cookie.name == self.cookie:
                self.session = cookie.value  # a new session key (sign-in, password change)
            elif cookie.name == "csrftoken":
                self.csrf = cookie.value
        return status, headers.get("Location", ""), body

    def get(self, path: str) -> tuple[int, str, str]:
        request = urllib.request.Request(self.base_url + path, headers=self._headers())  # noqa: S310 (loopback)
        return self._open(request)

    def form_token(self, path: str) -> str:
        """GET the page with the form: its CSRF token (the CSRF cookie is kept)."""
        status, _location, page = self.get(path)
        if status != 200:
            raise ScaleOutError(f"GET {path} answered {status}, not the page with the form")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not token or not self.csrf:
            raise ScaleOutError(f"{path} has no form with a CSRF token (or set no csrftoken cookie)")
        return token.group(1)

    def post(self, path: str, fields: dict[str, str], token: str) -> tuple[int, str, str]:
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        url = self.base_url + path
        request = urllib.request.Request(url, data=data, headers=self._headers(referer=url))  # noqa: S310 (loopback)
        return self._open(request)

    def submit(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        """GET the page with the form (for its CSRF token), POST ``fields`` to it: (status, Location, body)."""
        return self.post(path, fields, self.form_token(path))


# --- A reader that follows the stream like discussion.js ------------------------------------------


class Seen(NamedTuple):
    """One ``message`` frame as a reader received it."""

    seq: int
    id: int
    connection: int  # the reader's connection it came on (1, 2, ...)
    after: float  # seconds since that connection opened, or since its last sync was sent
    synced: bool  # whether a ``synced`` had come on this connection before it
    overtaken: bool  # whether such a ``synced`` already covered its position


@dataclass
class Reader:
    """The client algorithm of discussion.js, over as many connections as it likes.

    ``last_seq``: every stream position up to here is held; ``held``: positions above it that came.
    A ``message`` frame whose position is at most ``last_seq`` or in ``held`` is a duplicate: the
    server sent something twice (what the protocol forbids). ``on_wire`` counts every message frame
    by its position, over all connections, before any de-duplication.
    """

    name: str
    last_seq: int = 0
    held: set[int] = field(default_factory=set)
    view: dict[int, tuple[int, str]] = field(default_factory=dict)  # message id -> (seq, html)
    on_wire: Counter = field(default_factory=Counter)
    errors: list[dict] = field(default_factory=list)
    incomplete: list[dict] = field(default_factory=list)
    connections: int = 0
    synced: int = 0  # ``synced`` frames received
    history: list[Seen] = field(default_factory=list)  # every message frame
    # Message frames that came on a connection after its ``synced`` had said they were covered
    # (position -> (id, html)): discussion.js drops them as held already.
    overtaken: dict[int, tuple[int, str]] = field(default_factory=dict)
    _sync_sent_at: float = 0.0
    _synced_here: bool = False
    _covered_here: int = 0  # last_seq of the latest synced on this connection

    def connected(self, ws: ClientConnection) -> ClientConnection:
        """Count a new connection (frames are recorded with it from now on)."""
        self.connections += 1
        self._sync_sent_at, self._synced_here, self._covered_here = time.monotonic(), False, 0
        return ws

    def sync_frame(self) -> str:
        """The ``sync`` to send: what the reader holds."""
        self._sync_sent_at = time.monotonic()
        have = sorted(self.held)[-256:]
        return json.dumps({"type": "sync", "last_seq": self.last_seq, "have": have})

    def take(self, frame: dict) -> None:
        kind = frame.get("type")
        if kind == "message":
            seq = frame["seq"]
            self.on_wire[seq] += 1
            after = round(time.monotonic() - self._sync_sent_at, 3)
            overtaken = seq <= self._covered_here
            self.history.append(Seen(seq, frame["id"], self.connections, after, self._synced_here, overtaken))
            if overtaken:
                self.overtaken[seq] = (frame["id"], frame["html"])
            if seq <= self.last_seq or seq in self.held:
                return  # a duplicate: counted above, ignored here (as discussion.js does)
            self.held.add(seq)
            self._advance()
            known = self.view.get(frame["id"])
            if known is None or known[0] < seq:  # never an older version
                self.view[frame["id"]] = (seq, frame["html"])
        elif kind == "synced":
            self.synced += 1
            self._synced_here = True
            if not frame.get("complete", False):
                self.incomplete.append(frame)
                return
            self._covered_here = max(self._covered_here, frame["last_seq"])
            self.last_seq = max(self.last_seq, frame["last_seq"])
            self._advance()
        elif kind == "error":
            self.errors.append(frame)

    def _advance(self) -> None:
        while self.last_seq + 1 in self.held:
            self.held.discard(self.last_seq + 1)
            self.last_seq += 1
        self.held = {seq for seq in self.held if seq > self.last_seq}

    def duplicates(self) -> dict[int, list[Seen]]:
        """Positions that came more than once, with each arrival."""
        twice = {seq for seq, count in self.on_wire.items() if count > 1}
        return {seq: [seen for seen in self.history if seen.seq == seq] for seq in sorted(twice)}

    def read_for(self, ws: ClientConnection, seconds: float) -> None:
        """Take every frame that arrives within ``seconds`` (fewer if the server closes the socket)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self.take(next_frame(ws, left))
            except TimeoutError:
                return
            except ConnectionClosed:
                self.errors.append({"type": "closed", "code": ws.close_code})
                return

    def read_until_synced(self, ws: ClientConnection) -> dict:
        """Take frames until a ``synced`` arrives; it is returned (after it was taken)."""

        def wanted(frame: dict) -> bool:
            self.take(frame)
            if frame["type"] == "error":
                raise ScaleOutError(f"{self.name}: error frame during a sync: {frame}")
            return frame["type"] == "synced"

        return frame_where(ws, wanted, f"synced frame for {self.name}")


@dataclass
class Failures:
    """Exceptions of helper threads, re-raised by the test in its own thread."""

    items: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, target: Callable[[], None]) -> threading.Thread:
        def guarded():
            try:
                target()
            except BaseException as exc:  # handed to the test's thread
                with self.lock:
                    self.items.append(exc)

        thread = threading.Thread(target=guarded, daemon=True)
        thread.start()
        return thread

    def check(self) -> None:
        if self.items:
            raise self.items[0]

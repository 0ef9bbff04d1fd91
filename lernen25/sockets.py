"""What every WebSocket of the site shares: close codes, the session check, and the call to re-check.

A socket lives no longer than the right it was opened with. The session it was opened with is
checked again (``session_user``) on every write and whenever ``recheck_user_sockets`` says that
something about the person changed: they signed out, changed their password elsewhere, were
deactivated, had a session ended, lost a role or a school function. That call goes through the
channel layer's group ``SOCKETS_GROUP``, so sockets on every process hear it; each socket of the
person then checks its session and its rights and closes with ``CLOSE_SIGNED_OUT`` or
``CLOSE_FORBIDDEN`` what is no longer allowed. Apps' socket hubs join the group (``plc.realtime``).
"""

from __future__ import annotations

import asyncio
import collections
import functools
import hashlib
import logging
from importlib import import_module
from types import SimpleNamespace

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db as db_sessions
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http.cookie import parse_cookie
from django.utils import timezone
from django.utils.crypto import constant_time_compare

logger = logging.getLogger(__name__)

# Application close codes (4000-4999); a client stops retrying on all but CLOSE_TOO_SLOW and
# CLOSE_TOO_MANY (docs/realtime.md).
CLOSE_SIGNED_OUT = 4401  # no valid session (any more): sign in again
CLOSE_FORBIDDEN = 4403  # signed in, but no (longer) access
CLOSE_NOT_FOUND = 4404  # no such socket path
CLOSE_TOO_SLOW = 4408  # the socket fell behind; reconnect and catch up
CLOSE_TOO_MANY = 4429  # too many sockets or handshakes; try again later

SOCKETS_GROUP = "lernen25.sockets"  # every process's socket hub listens here


def session_user(session_key: str | None):
    """The active user the session still belongs to, or None (signed out, password changed, ended).

    The same check as ``django.contrib.auth.get_user`` on every request: the session must exist and
    carry the user's current session hash (a password change elsewhere changes it).
    """
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = auth.get_user(SimpleNamespace(session=store))
    if not user.is_authenticated or not user.is_active:
        return None
    return user


def session_users(session_keys) -> dict[str, object]:
    """``session_user`` for many sessions at once: two queries for all of them (a reconnect storm).

    The same check as ``django.contrib.auth.get_user``: a session that exists and has not expired,
    names a configured backend, and carries the user's current session hash; the user active. A
    session this cannot decide alone (another session engine or backend, a hash from a fallback
    secret, which Django renews) goes through ``session_user``. The users come with their profile.
    """
    keys = [key for key in dict.fromkeys(session_keys) if key]
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store_class, db_sessions.SessionStore) or not keys:
        return {key: session_user(key) for key in session_keys}
    rows = dict(
        store_class.get_model_class()
        .objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
    )
    sessions, ids = {}, set()
    user_model = auth.get_user_model()
    for key, data in rows.items():
        session = store_class().decode(data)
        try:
            user_id = user_model._meta.pk.to_python(session[auth.SESSION_KEY])
        except (KeyError, ValidationError):
            continue  # not signed in
        sessions[key] = (user_id, session)
        ids.add(user_id)
    users = user_model._default_manager.select_related("profile").order_by().in_bulk(ids)  # unordered: cheaper to build
    found: dict[str, object] = {}
    for key in session_keys:
        if key not in sessions:
            found[key] = None
            continue
        user_id, session = sessions[key]
        user, backend = users.get(user_id), session.get(auth.BACKEND_SESSION_KEY)
        if backend not in settings.AUTHENTICATION_BACKENDS or not _plain_model_backend(backend):
            found[key] = session_user(key)
        elif user is None or not user.is_active:
            found[key] = None
        elif constant_time_compare(session.get(auth.HASH_SESSION_KEY) or "", user.get_session_auth_hash()):
            found[key] = user
        else:  # perhaps a fallback secret's hash: Django renews it, or ends the session
            found[key] = session_user(key)
    return found


@functools.cache
def _plain_model_backend(path: str) -> bool:
    """Does this backend load users as ``ModelBackend`` does (by primary key, active ones only)?"""
    backend = type(auth.load_backend(path))
    return backend.get_user is ModelBackend.get_user and (
        backend.user_can_authenticate is ModelBackend.user_can_authenticate
    )


def session_digest(session_key: str | None) -> str:
    """A session named without its key (the key is a credential; the event crosses Redis)."""
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32]


def recheck_user_sockets(user_id: int, *, ended_session: str | None = None) -> None:
    """Make every open socket of the user check its session and rights again, on every process.

    Runs after the current transaction commits (the check must see the change). ``ended_session``
    names a session that is ending now (sign-out): its sockets close without asking the session
    store, which Django empties only after it has announced the sign-out. Never raises: a failure
    is logged, and the socket's next write checks anyway.
    """
    event = {"type": "hub.event", "recheck": user_id}
    if ended_session:
        event["ended_session"] = session_digest(ended_session)
    transaction.on_commit(lambda: _send_recheck(event))


def _send_recheck(event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(SOCKETS_GROUP, event)
    except Exception:
        logger.exception("could not ask the sockets of user %s to check their session", event.get("recheck"))


class SessionKeyMiddleware:
    """Puts the session cookie's key into the scope (``scope["session_key"]``), and nothing else.

    Instead of Channels' ``AuthMiddlewareStack`` for sockets: that loads session and user in a
    thread hop of its own before the consumer runs, and wraps ``send`` to save a changed session,
    which a socket never does; the wrapper cost measurable time on every frame sent (issue #19).
    A consumer loads the person with ``session_user(scope["session_key"])`` in its own database hop.
    """

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        key = None
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                key = parse_cookie(value.decode("latin-1")).get(settings.SESSION_COOKIE_NAME)
                break
        return await self.inner({**scope, "session_key": key or None}, receive, send)


class Batched:
    """Runs ``function`` in the database thread for many waiting callers at once.

    ``await batched(item)`` queues the item; one runner hands every queued item (up to ``size``) to
    ``function(items)`` in one ``database_sync_to_async`` call and gives each caller its entry of the
    returned list, raising it if it is an exception. While one batch is in the thread, the next one
    gathers. So a lone handshake costs what it did, and a storm of them (every socket of a restarted
    process reconnecting) shares its queries: a few per batch instead of several per socket (#19).
    One per event loop (the hub holds them).
    """

    def __init__(self, function, *, size: int = 200):
        self.function, self.size = function, size
        self._pending: list[tuple[object, asyncio.Future]] = []
        self._runner: asyncio.Task | None = None

    async def __call__(self, item):
        future = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.ensure_future(self._run())
        return await future

    async def _run(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self.size], self._pending[self.size :]
            batch = [(item, future) for item, future in batch if not future.done()]  # callers gone
            if not batch:
                continue
            try:
                results = await database_sync_to_async(self.function)([item for item, _ in batch])
            except Exception as error:  # the batch as a whole failed (the database is down): each caller hears it
                results = [error] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)


class FrameWriter:
    """One socket's outgoing text frames, in order, written without a task switch while the way is free.

    The ASGI servers we run (uvicorn, daphne) finish ``send`` of a frame without suspending, unless
    the connection's transport is paused by flow control (a client that does not read). So a frame
    is written at once, in the caller's turn of the event loop; only when a send suspends do later
    frames wait in the queue, and a task finishes the suspended send and then writes them in order.
    Compared with a writer task per socket fed by a queue, this saves a task wake-up per frame and
    socket: the hub's fan-out to hundreds of sockets is a plain loop (issue #19, docs/benchmarks.md).

    ``queued`` counts the live events waiting (``counted``: how many a frame carries), for the too-slow limit.
    """

    def __init__(self, send):
        self._send = send  # the ASGI server's send
        self._queue: collections.deque[tuple[str, int]] = collections.deque()
        self._task: asyncio.Task | None = None  # finishes a suspended send, then empties the queue
        self.queued = 0
        self.closed = False

    def write(self, text: str, *, counted: int = 0) -> None:
        if self.closed:
            return
        if self._task is not None:
            self._queue.append((text, counted))
            self.queued += counted
            return
        # Step the awaitable as a task would, through its ``__await__`` iterator: a coroutine's (uvicorn,
        # daphne) and any other's (granian's send returns a native awaitable without ``send``).
        steps = self._send({"type": "websocket.send", "text": text}).__await__()
        try:
            blocker = next(steps)
        except StopIteration:
            return
        except Exception as error:
            self._failed(error)
            return
        self._task = asyncio.ensure_future(self._finish(steps, blocker))

    def close(self) -> None:
        self.closed = True
        self._queue.clear()
        if self._task is not None:
            self._task.cancel()

    async def _finish(self, steps, blocker) -> None:
        try:
            while True:  # drive the suspended send to its end, as a task would have
                if asyncio.isfuture(blocker):
                    await asyncio.wait({blocker})
                else:  # a bare yield: give the loop one turn
                    await asyncio.sleep(0)
                try:
                    blocker = next(steps)
                except StopIteration:
                    break
            while self._queue and not self.closed:
                text, counted = self._queue.popleft()
                self.queued -= counted
                await self._send({"type": "websocket.send", "text": text})
        except asyncio.CancelledError:
            if hasattr(steps, "close"):
                steps.close()
            raise
        except Exception as error:
            self._failed(error)
        finally:
            self._task = None

    def _failed(self, error: Exception) -> None:
        """A send failed: the connection is gone (its disconnect follows), or the server refused the frame."""
        self.closed = True
        self._queue.clear()
        if not isinstance(error, OSError):  # uvicorn's ClientDisconnected is an OSError: expected
            logger.error("writing to a socket failed; it gets no more frames", exc_info=error)


class NoSuchSocket(AsyncWebsocketConsumer):
    """WebSocket paths nobody serves: accepted and closed at once with 4404, never a traceback.

    Without it, Channels' router raises for an unknown path (an HTTP 500 with a traceback in the log).
    Accepting first lets the client see the code and stop retrying.
    """

    channel_layer_alias = "__no_layer__"  # no channel of its own in the layer

    async def connect(self):
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)

"""Rate limits: how often one person may do a costly thing, the same over HTTP and the WebSocket.

A limit is registered once by the app that owns the action (``plc/limits.py``) and consumed in the
service that performs it, so the no-JavaScript form and the socket share one budget::

    limit("plc.write", 20, 30, _("You are writing very fast; please wait %(seconds)d seconds."))
    consume(actor, "plc.write")  # raises Refused(kind=RATE_LIMITED, retry_after=...)

Counting: a sliding window approximated from two fixed windows (the count of the previous window,
weighted by how much of it still overlaps, plus the current one), as Cloudflare's limiter does.
Exact for steady use; where a fixed window lets twice the limit through across a window boundary,
this lets at most twice the limit less one through in the worst case (all of the previous window's
uses at its very end), and only the limit for the usual burst. The counters live in the default
cache: shared by all processes with Redis, per process with the embedded local-memory cache. A
refused attempt is not counted, so whoever waits the ``retry_after`` it was told gets through.

Wrong passwords are throttled by ``lernen25.signin_throttle`` (per account and device or address,
with growing pauses, which needs counts that can be taken back); allauth's remaining limits (sign-up,
password reset, second-factor codes, a sign-in flood guard) stay in ``ACCOUNT_RATE_LIMITS``.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.functional import Promise

from lernen25.errors import RefusalKind, Refused


@dataclass(frozen=True)
class Limit:
    name: str
    count: int  # at most this many …
    seconds: int  # … in any window of this many seconds
    message: str | Promise  # German, with %(seconds)d for the wait


_limits: dict[str, Limit] = {}


def limit(name: str, count: int, seconds: int, message: str | Promise) -> Limit:
    if name in _limits:
        raise ValueError(f"limit {name!r} is registered twice")
    if count < 1 or seconds < 1:
        raise ValueError("a limit needs a positive count and window")
    _limits[name] = registered = Limit(name, count, seconds, message)
    return registered


def registered_limits() -> dict[str, Limit]:
    return dict(_limits)


@functools.cache
def shared_cache():
    """One cache client for the process, for cache calls made in threads (WebSocket code, limits).

    ``django.core.cache.cache`` is one client per context (asgiref ``Local``): every WebSocket
    consumer would open a Redis connection of its own and keep it until garbage collection, since
    Django closes cache connections only when a request finishes. Measured in the benchmark: 1.6 ms
    per call instead of 0.15 ms, and a connection per socket. Redis and local-memory clients are
    thread-safe.
    """
    return caches.create_connection("default")


def _who(actor) -> str:
    if isinstance(actor, str):
        return actor
    return f"u{actor.pk}"


def consume(actor, name: str, *, now: float | None = None) -> None:
    """Count one use of ``name`` by ``actor`` (a user or a key string); refuse when over the limit."""
    refusal = consume_many([actor], name, now=now)[0]
    if refusal is not None:
        raise refusal


def consume_many(actors: list, name: str, *, now: float | None = None) -> list[Refused | None]:
    """``consume`` for several actors at once, in one Redis round trip: for each, None or its refusal.

    For work done in batches (a storm of WebSocket handshakes, ``lernen25.sockets.Batched``); an actor
    named twice counts twice.
    """
    try:
        spec = _limits[name]
    except KeyError:
        raise LookupError(f"no rate limit named {name!r}") from None
    now = time.time() if now is None else now
    window = int(now // spec.seconds)
    elapsed = (now % spec.seconds) / spec.seconds  # how far into the current window, 0..1
    cache = shared_cache()
    keys = []
    for actor in actors:
        base = f"limit:{name}:{_who(actor)}"
        keys.append((f"{base}:{window}", f"{base}:{window - 1}"))
    counts = _count(cache, keys, ttl=2 * spec.seconds + 1)
    refusals: list[Refused | None] = []
    for (current_key, _previous_key), (current, previous) in zip(keys, counts, strict=True):
        if previous * (1 - elapsed) + current <= spec.count:
            refusals.append(None)
            continue
        cache.decr(current_key)  # a refused attempt does not count
        wait = _wait(spec, previous, current - 1, elapsed)
        refusals.append(Refused(spec.message % {"seconds": wait}, RefusalKind.RATE_LIMITED, retry_after=wait))
    return refusals


def _count(cache, keys: list[tuple[str, str]], *, ttl: int) -> list[tuple[int, int]]:
    """For each (current, previous) key pair: add one to the current window's counter (created with
    its expiry) and read the previous one.

    On one Redis server: one round trip for all pairs (a pipeline of SET NX, INCR, GET per pair; each
    command is atomic). Every post and handshake passes here, and three round trips were a sixth of a
    post's time in the benchmark's profile (issue #19). Elsewhere: add() creates the counter only if
    absent, then incr().
    """
    client = _redis_client(cache)
    if client is not None:
        pipe = client.pipeline(transaction=False)
        for current_key, previous_key in keys:
            current_key = cache.make_and_validate_key(current_key)
            pipe.set(current_key, 0, ex=ttl, nx=True)
            pipe.incr(current_key)
            pipe.get(cache.make_and_validate_key(previous_key))
        replies = pipe.execute()
        return [(int(replies[i + 1]), int(replies[i + 2] or 0)) for i in range(0, len(replies), 3)]
    counts = []
    for current_key, previous_key in keys:
        current = 1 if cache.add(current_key, 1, timeout=ttl) else cache.incr(current_key)
        counts.append((current, cache.get(previous_key) or 0))
    return counts


@functools.cache
def _redis_client(cache):
    """The redis-py client of a one-server Redis cache, made once (Django makes one per call), or None."""
    client = getattr(cache, "_cache", None)
    if isinstance(cache, RedisCache) and len(getattr(client, "_servers", ())) == 1:
        return client.get_client(write=True)
    return None


def _wait(spec: Limit, previous: int, current: int, elapsed: float) -> int:
    """Seconds until one more use fits under the limit (``current`` without the refused attempt)."""
    seconds, room = spec.seconds, spec.count - 1 - current  # weight the previous window may keep
    if previous and room >= 0:  # fits once enough of the previous window has slid out
        return max(1, math.ceil(seconds * (1 - elapsed) - seconds * room / previous))
    # Only after this window ends, when it counts as the previous one and slides out in turn.
    then = seconds * (1 - (spec.count - 1) / current) if current else 0
    return max(1, math.ceil(seconds * (1 - elapsed) + then))


def reset(actor, name: str) -> None:
    """Forget the counts of ``actor`` for ``name`` (tests, and an administrator lifting a block)."""
    spec = _limits[name]
    window = int(time.time() // spec.seconds)
    base = f"limit:{name}:{_who(actor)}"
    shared_cache().delete_many([f"{base}:{window}", f"{base}:{window - 1}", f"{base}:{window + 1}"])

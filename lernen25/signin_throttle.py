"""Sign-in throttling that cannot be turned against the owner of an account (issue #18).

allauth's own limit (``login_failed``: 5 failures per 5 minutes per e-mail address, 10 per minute
per IP address) counts before it checks the password. Anyone who knows a teacher's address could
lock her out for five minutes at a time, and ten typing errors a minute behind a school's one NAT
address locked out the whole school. This module replaces it for passwords; the account adapter
(``lernen25.adapters.AccountAdapter``) calls it before and after allauth authenticates, for every
entry point that authenticates with a password (the sign-in form, the password confirmation).

Where failures are counted: per (account, source).

- The *account* is the login name as typed, lower-cased (allauth looks addresses up lower-cased,
  so every spelling that reaches the account shares the bucket) and keyed with ``SECRET_KEY``.
  An address without an account is counted exactly like one with: the answers reveal nothing.
- The *source* is the device when it shows a valid **known-device cookie** for that account, else
  the client's IP address (IPv6 cut to its /64 network, as allauth does). The cookie
  (``lernen25_device``; OWASP's "device cookies", as Zulip and others do it) is set when a sign-in
  completes (after the second factor): ``django.core.signing``-signed, it holds a random device
  nonce and keyed hashes of the account's e-mail addresses (no address in clear, nothing a stranger
  could forge; up to ten accounts for a shared staff-room computer). A failure on a known device
  counts against that device only, so a stranger elsewhere never touches the owner's devices: the
  owner with the right password on her device always gets in, unless that device itself failed
  repeatedly. A stranger on the owner's own network reaches only the owner's *new* devices there.

Increasing delays per bucket, instead of a window that refuses everyone: four failures are free;
the fifth pauses the bucket for a minute, every further one doubles the pause (2, 4, 8, 16 minutes),
up to 30 minutes. A success resets the bucket; unused, it is forgotten 24 hours after its last
failure. A stranger thus gets about 60 guesses a day per address against one account, and the
owner is never locked out by a window she cannot see the end of.

A completed password reset starts the buckets of the device or network it was completed from
afresh (the 429 page points there): the owner who forgot her password is not kept waiting after it.

Attempts are reserved before the password is checked (counted as a failure, taken back on success),
as allauth does: parallel requests cannot slip in more guesses than the bucket allows. A refused
attempt counts nothing and writes nothing, so whoever waits the ``Retry-After`` gets through.

Two ceilings for sources without a known-device cookie, sliding windows as in ``lernen25.limits``:

- Per IP address across accounts, 300 failures per 15 minutes: credential stuffing (many
  addresses, one guess each) never fills an account's bucket; this slows it. A school's 300
  colleagues behind one address do not reach it: failures followed by the same person's success
  are taken back (only the failures of the bucket that succeeded; an attacker's own account cannot
  wash anyone else's), and colleagues on their known devices are not counted at all.
- Per account across sources, 100 failures per hour: rotating addresses (an IPv6 /48 holds 65536
  /64 networks, a botnet many more) would otherwise give one bucket per address. One address gets
  at most about ten failures into an hour, so reaching it takes ten or more addresses at once; it
  pauses only sign-ins from devices the account has not used before. The owner's known devices
  still get in (OWASP's recommendation for this case).

``lernen25.limits`` is the project's limiter, but it counts and refuses in one step and cannot take
back a success, which both the reservation and the forgiving above need; the windows here use the
same approximation (two fixed windows, the previous one weighted by its overlap) in the same cache.
All counts live in the default cache: shared by all processes with Redis (``REDIS_URL``), per process
with the embedded local-memory cache. allauth's ``login`` rate (every sign-in POST per address) stays
as a flood guard only, raised to 1000 a minute so that a school's or the city's one address never
meets it.

A refused attempt raises ``Refused(RATE_LIMITED)``: ``lernen25.http.RefusedMiddleware`` answers it
with the 429 page (``errors/refused.html``), the German reason and ``Retry-After``.

Failures are recorded in the audit log coalesced: one ``lernen25.signin.failed`` entry per account
and hour, counting the failures on known devices and elsewhere and the longest pause they caused.
It holds no IP address (whoever failed may be a stranger) and nothing at all for an address
without an account. The second factor (allauth.mfa) keeps allauth's own limit, per account (the
``login_failed`` rate in ``ACCOUNT_RATE_LIMITS``): only someone who has the password reaches it.
"""

from __future__ import annotations

import ipaddress
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, ngettext

from lernen25.errors import RefusalKind, Refused

clock = time.time  # the one clock of this module; tests replace it

FREE_FAILURES = 5  # the fifth failure in a bucket starts the first pause
FIRST_PAUSE = 60  # seconds; doubled with every further failure …
LONGEST_PAUSE = 30 * 60  # … up to this
BUCKET_MEMORY = 24 * 3600  # a bucket is forgotten this long after its last failure

ADDRESS_CEILING = (300, 15 * 60)  # failures from one IP address without a known device, per window
ACCOUNT_CEILING = (100, 3600)  # failures for one account from sources without a known device

AUDIT_ACTION = "lernen25.signin.failed"
AUDIT_WINDOW = 3600  # one audit entry per account and hour

DEVICE_COOKIE = "lernen25_device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600
DEVICE_ACCOUNTS = 10  # accounts one device remembers (a shared staff-room computer)
_DEVICE_SALT = "lernen25.signin_throttle.device"


def pause_after(failures: int) -> int:
    """Seconds a bucket waits after its ``failures``-th failure (0 while failures are free)."""
    if failures < FREE_FAILURES:
        return 0
    return min(FIRST_PAUSE * 2 ** min(failures - FREE_FAILURES, 20), LONGEST_PAUSE)


def _tag(kind: str, value: str) -> str:
    return salted_hmac(f"lernen25.signin_throttle.{kind}", value).hexdigest()[:20]


def account_tag(login: str) -> str:
    return _tag("account", login.strip().lower())


# --- Known devices ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Device:
    nonce: str
    accounts: tuple[str, ...]


def known_device(request) -> Device | None:
    """The device cookie of the request if it is ours and unchanged, else None."""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = signing.loads(raw, salt=_DEVICE_SALT, max_age=DEVICE_COOKIE_AGE)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(value, dict):
        return None
    nonce, accounts = value.get("n"), value.get("a")
    if not isinstance(nonce, str) or not isinstance(accounts, list):
        return None
    return Device(nonce, tuple(tag for tag in accounts if isinstance(tag, str)))


def _cookie_path() -> str:
    login = reverse("account_login")  # /accounts/login/ → /accounts/: every sign-in form is below
    return login[: login.rstrip("/").rfind("/") + 1] or "/"


def remember_device(request, response, user) -> None:
    """After a completed sign-in: this device is known for the user's addresses from now on."""
    from allauth.account.models import EmailAddress

    addresses = {user.email} | set(EmailAddress.objects.filter(user=user).values_list("email", flat=True)[:5])
    tags = [account_tag(address) for address in sorted(filter(None, addresses))]
    device = known_device(request)
    nonce = device.nonce if device else secrets.token_urlsafe(12)
    accounts = list(dict.fromkeys([*tags, *(device.accounts if device else ())]))[:DEVICE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps({"n": nonce, "a": accounts}, salt=_DEVICE_SALT, compress=True),
        max_age=DEVICE_COOKIE_AGE,
        path=_cookie_path(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- Counting -----------------------------------------------------------------------------------


def _incr(key: str, timeout: int) -> int:
    """Add one to a counter in the cache (atomic on Redis), creating it with ``timeout``."""
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=timeout)
        return 1


def _take_back(key: str, n: int) -> int:
    """Subtract up to ``n`` from a counter, never below zero; returns how much was subtracted."""
    have = cache.get(key) or 0
    take = min(have, n)
    if take > 0:
        try:
            cache.decr(key, take)
        except ValueError:
            return 0
    return max(take, 0)


@dataclass(frozen=True)
class Ceiling:
    """A sliding window of failures (two fixed windows, as ``lernen25.limits``) that can take back."""

    name: str
    count: int
    seconds: int

    def _keys(self, who: str, now: float) -> tuple[str, str, float]:
        window = int(now // self.seconds)
        base = f"signin:{self.name}:{who}"
        return f"{base}:{window}", f"{base}:{window - 1}", (now % self.seconds) / self.seconds

    def reserve(self, who: str, now: float) -> int | None:
        """Count one attempt: None if it fits, else the seconds until one fits (nothing counted)."""
        current_key, previous_key, elapsed = self._keys(who, now)
        current = _incr(current_key, 2 * self.seconds + 1)
        previous = cache.get(previous_key) or 0
        if previous * (1 - elapsed) + current <= self.count:
            return None
        _take_back(current_key, 1)
        return self._wait(previous, current - 1, elapsed)

    def release(self, who: str, now: float, n: int) -> None:
        """Take back ``n`` counted attempts (from the current window first)."""
        for key in self._keys(who, now)[:2]:
            n -= _take_back(key, n)
            if n <= 0:
                return

    def _wait(self, previous: int, current: int, elapsed: float) -> int:
        seconds, room = self.seconds, self.count - 1 - current  # weight the previous window may keep
        if previous and room >= 0:  # fits once enough of the previous window has slid out
            return max(1, math.ceil(seconds * (1 - elapsed) - seconds * room / previous))
        then = seconds * (1 - (self.count - 1) / current) if current else 0
        return max(1, math.ceil(seconds * (1 - elapsed) + then))


ADDRESS = Ceiling("address", *ADDRESS_CEILING)
ACCOUNT = Ceiling("account", *ACCOUNT_CEILING)


@dataclass
class Attempt:
    """One password check in progress: where it is counted, and what it reserved."""

    login: str
    account: str
    source: str  # "d:<device nonce>" on a known device, else "a:<keyed address>"
    known_device: bool
    reserved: int  # the bucket's failures, this attempt included
    at: float

    @property
    def _bucket(self) -> str:
        return f"signin:bucket:{self.account}:{self.source}"

    @property
    def failures_key(self) -> str:
        return f"{self._bucket}:n"

    @property
    def last_key(self) -> str:
        return f"{self._bucket}:t"


def _address(request) -> str:
    from allauth.account.adapter import get_adapter

    ip = get_adapter(request).get_client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False).network_address)
    return str(address)


def _wait_text(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}


def _refused(message: str, seconds: int) -> Refused:
    seconds = max(1, math.ceil(seconds))
    return Refused(message % {"wait": _wait_text(seconds)}, RefusalKind.RATE_LIMITED, retry_after=seconds)


def _bucket_refused(seconds) -> Refused:
    return _refused(
        gettext(
            "Too many failed sign-in attempts. To protect this account, signing in from this device or "
            "network is paused for %(wait)s. If you have forgotten your password, you can reset it."
        ),
        seconds,
    )


def begin(request, credentials: dict) -> Attempt | None:
    """Before the password is checked: refuse (``Refused``, 429) or reserve the attempt."""
    if request is None:  # not an HTTP request: nothing to count by
        return None
    login = str(credentials.get("email") or credentials.get("username") or credentials.get("phone") or "")
    account = account_tag(login)
    device = known_device(request)
    on_known_device = device is not None and account in device.accounts
    address = None if on_known_device else _tag("address", _address(request))
    source = f"d:{device.nonce}" if on_known_device else f"a:{address}"
    now = clock()
    attempt = Attempt(login, account, source, on_known_device, 0, now)

    failures = cache.get(attempt.failures_key) or 0
    last = cache.get(attempt.last_key)
    if failures >= FREE_FAILURES and last is not None and now < last + pause_after(failures):
        raise _bucket_refused(last + pause_after(failures) - now)

    if address is not None:
        if (wait := ADDRESS.reserve(address, now)) is not None:
            raise _refused(
                gettext(
                    "Too many failed sign-in attempts from your network. Signing in on devices you have "
                    "not used for your account before is paused here for %(wait)s. On a device where you "
                    "have signed in before, you can sign in as usual."
                ),
                wait,
            )
        if (wait := ACCOUNT.reserve(account, now)) is not None:
            ADDRESS.release(address, now, 1)
            raise _refused(
                gettext(
                    "Too many failed sign-in attempts for this account from many places. To protect it, "
                    "signing in on devices not used for it before is paused for %(wait)s. On a device "
                    "where you have signed in before, you can sign in as usual."
                ),
                wait,
            )

    attempt.reserved = _incr(attempt.failures_key, BUCKET_MEMORY)
    if attempt.reserved > FREE_FAILURES and attempt.reserved != failures + 1:
        # Another attempt of this bucket was counted since we looked: it decides the next pause.
        _take_back(attempt.failures_key, 1)
        _release_ceilings(attempt, 1)
        raise _bucket_refused(pause_after(attempt.reserved - 1))
    if attempt.reserved >= FREE_FAILURES:
        cache.set(attempt.last_key, now, timeout=BUCKET_MEMORY)  # as if it failed now, until it succeeds
    return attempt


def _release_ceilings(attempt: Attempt, n: int) -> None:
    if not attempt.known_device:
        now = clock()
        ADDRESS.release(attempt.source.removeprefix("a:"), now, n)
        ACCOUNT.release(attempt.account, now, n)


def failed(attempt: Attempt | None) -> None:
    """The password was wrong: the reservation stands; pause the bucket; record it in the audit log."""
    if attempt is None:
        return
    now = clock()
    cache.touch(attempt.failures_key, BUCKET_MEMORY)
    pause = pause_after(attempt.reserved)
    if pause:
        cache.set(attempt.last_key, now, timeout=BUCKET_MEMORY)
    _record_failure(attempt, now, pause)


def succeeded(attempt: Attempt | None) -> None:
    """The password was right: the bucket starts afresh, and its failures leave the ceilings."""
    if attempt is None:
        return
    cache.delete_many([attempt.failures_key, attempt.last_key])
    _release_ceilings(attempt, attempt.reserved)


def forget(request, login: str) -> None:
    """A password reset completed from this device or network: its bucket for the account starts afresh."""
    account = account_tag(login)
    device = known_device(request)
    if device is not None and account in device.accounts:
        source = f"d:{device.nonce}"
    else:
        source = f"a:{_tag('address', _address(request))}"
    attempt = Attempt(login, account, source, False, 0, clock())
    cache.delete_many([attempt.failures_key, attempt.last_key])


# --- The audit log ------------------------------------------------------------------------------


def _record_failure(attempt: Attempt, now: float, pause: int) -> None:
    """One entry per account and hour, counting; nothing for an address without an account."""
    from allauth.account.utils import filter_users_by_email
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from lernen25 import audit
    from lernen25.models import AuditEvent

    if "@" not in attempt.login:
        return
    users = {user.pk: user for user in filter_users_by_email(attempt.login, prefer_verified=True)}
    if not users:
        return
    window = datetime.fromtimestamp(now // AUDIT_WINDOW * AUDIT_WINDOW, tz=UTC).isoformat()
    kind = "known_device" if attempt.known_device else "elsewhere"
    with transaction.atomic():
        for pk, user in users.items():
            # Lock the account's row: parallel failures add to one entry instead of starting two.
            list(get_user_model().objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))
            event = (
                AuditEvent.objects.select_for_update()
                .filter(
                    action=AUDIT_ACTION,
                    target_type=ContentType.objects.get_for_model(user),
                    target_id=str(pk),
                    data__window=window,
                )
                .first()
            )
            if event is None:
                audit.record(
                    AUDIT_ACTION,
                    target=user,
                    window=window,
                    window_minutes=AUDIT_WINDOW // 60,
                    failures=1,
                    known_device=int(attempt.known_device),
                    elsewhere=int(not attempt.known_device),
                    longest_pause=pause,
                )
                continue
            data = event.data
            data["failures"] = data.get("failures", 0) + 1
            data[kind] = data.get(kind, 0) + 1
            data["longest_pause"] = max(data.get("longest_pause", 0), pause)
            event.save(update_fields=["data"])

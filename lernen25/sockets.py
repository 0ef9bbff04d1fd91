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

import hashlib
import logging
from importlib import import_module
from types import SimpleNamespace

from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib import auth
from django.db import transaction

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


class NoSuchSocket(AsyncWebsocketConsumer):
    """WebSocket paths nobody serves: accepted and closed at once with 4404, never a traceback.

    Without it, Channels' router raises for an unknown path (an HTTP 500 with a traceback in the log).
    Accepting first lets the client see the code and stop retrying.
    """

    channel_layer_alias = "__no_layer__"  # no channel of its own in the layer

    async def connect(self):
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)

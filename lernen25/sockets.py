"""WebSocket paths nobody serves: answered with a close code, never with a traceback."""

from __future__ import annotations

from channels.generic.websocket import AsyncWebsocketConsumer

CLOSE_NOT_FOUND = 4404


class NoSuchSocket(AsyncWebsocketConsumer):
    """Accepted and closed at once with 4404, so that a client sees why and stops retrying.

    Without it, Channels' router raises for an unknown path (an HTTP 500 with a traceback in the log).
    """

    channel_layer_alias = "__no_layer__"  # no channel of its own in the layer

    async def connect(self):
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)

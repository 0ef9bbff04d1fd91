"""WebSocket routes of all apps, collected here for ``asgi.py``."""

from plc.routing import websocket_urlpatterns as plc_routes

websocket_urlpatterns = [*plc_routes]

"""WebSocket routes of the installed apps, collected here for ``asgi.py``.

A composition module: with ``urls.py`` the only place in the core that names an app (the
import-linter contract in ``pyproject.toml`` allows exactly these imports). An app that is not
installed (tests/settings_core.py) contributes no routes.
"""

from django.apps import apps
from django.urls import re_path

from lernen25.sockets import NoSuchSocket

websocket_urlpatterns: list = []

if apps.is_installed("plc"):
    from plc.routing import websocket_urlpatterns as plc_routes

    websocket_urlpatterns += plc_routes

# Last: every other path is closed with 4404 instead of failing in the router.
websocket_urlpatterns.append(re_path(r"", NoSuchSocket.as_asgi()))

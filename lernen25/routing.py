"""WebSocket routes of all apps, collected here for ``asgi.py``.

The PLG discussion consumer (``/ws/plg/<id>/``) is added by the discussion issue.
"""

websocket_urlpatterns: list = []

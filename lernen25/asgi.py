"""The one ASGI application: HTTP through Django, WebSockets through Channels."""

import gc
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lernen25.settings")

from lernen25.config import ConfigError

try:
    from django.core.asgi import get_asgi_application

    # Set up Django (apps, models) before importing anything that uses models.
    django_asgi_app = get_asgi_application()
except ConfigError as exc:
    sys.stderr.write(f"Configuration error: {exc}\n")
    raise SystemExit(1) from None

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator

from lernen25.routing import websocket_urlpatterns

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# What start-up loaded (Django, Wagtail, models, URLs: about 190,000 objects) lives as long as the
# process. Frozen, it is left out of the garbage collector's full collections, which otherwise stop
# the event loop for 80-150 ms at random moments: the worst latencies of the live discussion
# (docs/benchmarks.md). Objects created later are collected as usual.
gc.collect()
gc.freeze()

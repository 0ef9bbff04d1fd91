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

from channels.routing import ProtocolTypeRouter, URLRouter

from lernen25.bodylimit import BodyLimitMiddleware, limit_daphne_request_bodies
from lernen25.origin import SameOriginValidator
from lernen25.routing import websocket_urlpatterns
from lernen25.sockets import SessionKeyMiddleware

# Request bodies over the limit are refused before they take memory: by daphne itself (which
# otherwise reads a whole body and hands it over at once) and by the middleware (other servers).
limit_daphne_request_bodies()

application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": SameOriginValidator(SessionKeyMiddleware(URLRouter(websocket_urlpatterns))),
    }
)

# Garbage collection, tuned for the live discussion (measured in docs/benchmarks.md):
# - what start-up loaded (Django, Wagtail, models, URLs: about 190,000 objects) lives as long as the
#   process; frozen, it is left out of full collections, which otherwise stop the event loop for
#   80-150 ms;
# - full collections of what remains (sockets, sessions) still took 20-45 ms every ~13 s at 10
#   messages/s. Young collections now run every 10,000 net allocations (not 700), full ones after
#   100 middle ones (not 10): rare. Cyclic garbage is still collected; objects without cycles are
#   freed at once, as always.
gc.collect()
gc.freeze()
gc.set_threshold(10_000, 50, 100)

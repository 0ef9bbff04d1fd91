"""``GET /healthz``: the state of database, channel layer and search backend.

Answers 200 when all three work and 503 when one does not, as JSON for load balancers and
monitoring. It reveals no data, so it needs no sign-in.
"""

from __future__ import annotations

import logging
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wagtail.search.backends import get_search_backend

logger = logging.getLogger(__name__)


def check_database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connections["default"].vendor


def check_channel_layer() -> str:
    """Send a message to a fresh channel and read it back."""
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")

    async def roundtrip():
        channel = await layer.new_channel(prefix="healthz.")
        token = uuid.uuid4().hex
        await layer.send(channel, {"type": "healthz.ping", "token": token})
        message = await layer.receive(channel)
        if message.get("token") != token:
            raise RuntimeError("channel layer returned a different message")

    async_to_sync(roundtrip)()
    return type(layer).__name__


def check_search() -> str:
    from lernen25.models import School

    backend = get_search_backend()
    # A real query through the backend: touches the FTS table or the Elasticsearch cluster.
    list(backend.search("healthz", School.objects.all())[:1])
    return type(backend).__name__


CHECKS = {"database": check_database, "channel_layer": check_channel_layer, "search": check_search}


@never_cache
@require_GET
def healthz(request):
    results, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
            results[name] = {"ok": True, "backend": detail}
        except Exception as exc:  # any failure of a dependency means "down", with its reason
            logger.warning("health check %s failed: %s", name, exc)
            healthy = False
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return JsonResponse({"status": "ok" if healthy else "down", "checks": results}, status=200 if healthy else 503)

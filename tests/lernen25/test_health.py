import pytest
from django.db import OperationalError, connections


@pytest.mark.django_db
def test_health_reports_all_three_checks_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "channel_layer", "search"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_health_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    # The connection layer itself fails, as it does when PostgreSQL is down.
    monkeypatch.setattr(connections["default"], "cursor", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"]["ok"] is False
    assert "Connection refused" in body["checks"]["database"]["error"]
    assert body["checks"]["channel_layer"]["ok"] is True


@pytest.mark.django_db
def test_health_is_503_when_the_channel_layer_fails(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1"]}}
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        response = client.get("/healthz")
    finally:
        channel_layers.backends.clear()

    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"]["ok"] is False


def test_health_refuses_post(client):
    assert client.post("/healthz").status_code == 405

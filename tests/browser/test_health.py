"""The health endpoint, seen from outside: what a load balancer or monitoring reads."""


def test_healthz_answers_json_with_status_ok(page):
    response = page.request.get("/healthz")

    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "ok"
    assert all(check["ok"] for check in body["checks"].values())

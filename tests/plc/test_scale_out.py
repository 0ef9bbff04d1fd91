"""Scale-out: two daphne processes sharing Redis (channel layer, cache) and one SQLite file.

A message posted through process B — over its WebSocket and through its no-JavaScript form — must
reach a socket connected to process A: the per-process hubs meet in the Redis channel layer
(docs/realtime.md, "Fan-out per process"). Redis is required: without it the test fails and says so.
The servers are set up like the browser tests' server (tests/browser/conftest.py), plus REDIS_URL.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from websockets.sync.client import ClientConnection, connect

from tests.browser.conftest import (
    BIN_DIR,
    PROJECT_ROOT,
    _free_port,
    _manage,
    _migrate,
    _server_env,
    _wait_until_healthy,
)

# Two daphne processes and Redis: run in the serial phase of `make test`, not beside other workers.
pytestmark = pytest.mark.serial

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
WAIT = 10  # seconds for any frame or answer a server owes us

SEED = r"""
import json

from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client

from lernen25.models import Affiliation, District, School, SchoolType, User
from lernen25.roles import Role
from lernen25.services import assign_role
from plc import services
from plc.models import PlgKind, Visibility

school = School.objects.create(
    number="165432", name="Gesamtschule Meiderich", school_type=SchoolType.GESAMTSCHULE,
    district=District.MEIDERICH_BEECK,
)

def person(email, first_name, last_name, role):
    user = User.objects.create_user(email=email, password=None, first_name=first_name, last_name=last_name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    Affiliation.objects.create(user=user, school=school, function="lehrkraft", source="granted")
    if role is not None:
        assign_role(actor=None, user=user, role=role)
    return user

def session(user):
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value

lead = person("lena.leitung@schule-a.de", "Lena", "Leitner", Role.PLG_LEITUNG)
member = person("anna.lehrerin@schule-a.de", "Anna", "Lehmann", None)
plg = services.create_plg(
    actor=None, system=True, title="Zwei Prozesse", kind=PlgKind.LESSON_DEVELOPMENT,
    visibility=Visibility.CLOSED, leads=[lead], notify_leads=False,
)
services.invite_member(actor=lead, plg=plg, user=member)
services.accept_invitation(actor=member, invitation=plg.invitations.get(email=member.email))
topic = services.create_topic(actor=lead, plg=plg, title="Skalierung", body="Los geht's")
print("SEED " + json.dumps({
    "plg": plg.pk, "topic": topic.pk, "lead": session(lead), "member": session(member),
    "cookie": settings.SESSION_COOKIE_NAME,
}))
"""


@dataclass(frozen=True)
class Cluster:
    urls: tuple[str, str]  # process A, process B
    plg: int
    topic: int
    sessions: dict[str, str]  # "lead" / "member" -> session cookie value
    cookie: str


def _require_redis(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        problem = exc
    else:
        return
    pytest.fail(
        f"Redis at {url} is not reachable ({problem}). The scale-out test needs a real Redis: "
        "start redis-server on 127.0.0.1:6379 or set REDIS_URL."
    )


def _seed(env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEED],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("SEED ")]
    if result.returncode != 0 or not lines:
        pytest.fail(f"seeding failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return json.loads(lines[-1].removeprefix("SEED "))


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    _require_redis(redis_url)
    if redis_url == DEFAULT_REDIS_URL:  # our own database: no group memberships left from earlier runs
        redis.Redis.from_url(redis_url, socket_timeout=2).flushdb()
    tmp = Path(tempfile.mkdtemp(prefix="lernen25-scale-out-"))
    (tmp / "static").mkdir()
    ports = (_free_port(), _free_port())
    env = {**_server_env(tmp, ports[0]), "REDIS_URL": redis_url}
    processes: list[subprocess.Popen] = []
    try:
        _migrate(env, tmp / "browser.sqlite3")
        _manage(env, "setup_roles")
        seed = _seed(env)
        logs = []
        for port in ports:
            log = tmp / f"daphne-{port}.log"
            logs.append(log)
            with log.open("wb") as log_file:
                processes.append(
                    subprocess.Popen(
                        [str(BIN_DIR / "daphne"), "-b", "127.0.0.1", "-p", str(port), "lernen25.asgi:application"],
                        cwd=PROJECT_ROOT,
                        env={**env, "SITE_URL": f"http://127.0.0.1:{port}"},
                        stdout=log_file,
                        stderr=subprocess.STDOUT,
                    )
                )
        for port, process, log in zip(ports, processes, logs, strict=True):
            _wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process, log)
        yield Cluster(
            urls=(f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}"),
            plg=seed["plg"],
            topic=seed["topic"],
            sessions={"lead": seed["lead"], "member": seed["member"]},
            cookie=seed["cookie"],
        )
    finally:
        for process in processes:
            _stop(process)
        shutil.rmtree(tmp, ignore_errors=True)


# --- A small client ---------------------------------------------------------------------------


def _socket(cluster: Cluster, base_url: str, who: str) -> ClientConnection:
    return connect(
        base_url.replace("http://", "ws://") + f"/ws/plg/{cluster.plg}/",
        origin=base_url,
        additional_headers={"Cookie": f"{cluster.cookie}={cluster.sessions[who]}"},
        open_timeout=WAIT,
        close_timeout=2,
    )


def _frame_where(ws: ClientConnection, wanted: Callable[[dict], bool]) -> dict:
    """The first frame for which ``wanted`` is true; others (presence, earlier messages) are passed over."""
    while True:
        try:
            frame = json.loads(ws.recv(timeout=WAIT))
        except TimeoutError:
            pytest.fail(f"no matching frame within {WAIT} s")
        if wanted(frame):
            return frame


def _sync(ws: ClientConnection) -> dict:
    ws.send(json.dumps({"type": "sync", "last_id": 0}))
    return _frame_where(ws, lambda f: f["type"] == "synced")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _form_post(cluster: Cluster, base_url: str, who: str, body: str) -> tuple[int, str]:
    """The no-JavaScript form on the topic page: GET it (CSRF token), POST it; (status, Location)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    url = f"{base_url}/plg-raum/{cluster.plg}/themen/{cluster.topic}/"
    session_cookie = f"{cluster.cookie}={cluster.sessions[who]}"
    get = urllib.request.Request(url, headers={"Cookie": session_cookie})  # noqa: S310 (our own loopback URL)
    page = opener.open(get, timeout=WAIT)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token, "the topic page has no form with a CSRF token"
    csrf_cookie = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "body": body}).encode()
    headers = {"Cookie": f"{session_cookie}; csrftoken={csrf_cookie}", "Referer": url}
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 (our own loopback URL)
    try:
        response = opener.open(request, timeout=WAIT)
    except urllib.error.HTTPError as answer:  # urllib raises for the 302 it may not follow
        return answer.code, answer.headers.get("Location", "")
    return response.status, response.headers.get("Location", "")


# --- The test -------------------------------------------------------------------------------------


def test_a_message_posted_through_process_b_reaches_a_socket_on_process_a(cluster):
    process_a, process_b = cluster.urls
    with _socket(cluster, process_a, "member") as on_a, _socket(cluster, process_b, "lead") as on_b:
        _sync(on_a)
        _sync(on_b)

        # 1. Posted over a WebSocket of process B.
        on_b.send(
            json.dumps({"type": "post", "topic": cluster.topic, "body": "Über **B** gesendet", "client_id": "b1"})
        )
        to_sender = _frame_where(on_b, lambda f: f["type"] in ("message", "error") and f.get("client_id") == "b1")
        assert to_sender["type"] == "message", to_sender
        seen_on_a = _frame_where(on_a, lambda f: f["type"] == "message" and f["id"] == to_sender["id"])
        assert "Über <strong>B</strong> gesendet" in seen_on_a["html"]
        assert seen_on_a["topic"] == cluster.topic

        # 2. Posted through the no-JavaScript form of process B.
        status, location = _form_post(cluster, process_b, "member", "Per Formular über B")
        assert status == 302, (status, location)
        assert location.startswith(f"/plg-raum/{cluster.plg}/themen/{cluster.topic}/#m")
        message_id = int(location.rsplit("#m", 1)[1])
        seen_on_a = _frame_where(on_a, lambda f: f["type"] == "message" and f["id"] == message_id)
        assert "Per Formular über B" in seen_on_a["html"]
        assert _frame_where(on_b, lambda f: f["type"] == "message" and f["id"] == message_id)

        # 3. And the other way round: posted on A, seen on B.
        on_a.send(json.dumps({"type": "post", "topic": cluster.topic, "body": "Zurück über A", "client_id": "a1"}))
        seen_on_b = _frame_where(on_b, lambda f: f["type"] == "message" and f.get("client_id") == "a1")
        assert "Zurück über A" in seen_on_b["html"]


def test_typing_and_presence_cross_processes(cluster):
    process_a, process_b = cluster.urls
    with _socket(cluster, process_a, "member") as on_a:
        _frame_where(on_a, lambda f: f["type"] == "presence")
        with _socket(cluster, process_b, "lead") as on_b:
            # Presence lives in the shared cache: A learns that the lead came online on B.
            presence = _frame_where(on_a, lambda f: f["type"] == "presence" and len(f["users"]) == 2)
            assert [u["name"] for u in presence["users"]] == ["Anna Lehmann", "Lena Leitner"]
            on_b.send(json.dumps({"type": "typing", "topic": cluster.topic}))
            typing = _frame_where(on_a, lambda f: f["type"] == "typing")
            assert (typing["topic"], typing["name"]) == (cluster.topic, "Lena Leitner")

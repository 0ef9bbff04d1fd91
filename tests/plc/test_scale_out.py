"""Scale-out: two server processes sharing Redis (channel layer, cache) and one database.

The processes run uvicorn with the options production serves ``/ws/`` with (docs/operations.md,
chosen by the benchmark of issue #19); the browser tests use daphne, as ``make run`` does.

What only real processes show:

- A message posted through process B — over its WebSocket and through its no-JavaScript form —
  reaches a socket connected to process A; typing and presence cross processes too. The
  per-process hubs meet in the Redis channel layer.
- A socket lives no longer than its session, whichever process it is on: signing out, changing the
  password elsewhere and being deactivated by an administrator (a third process) close it with
  ``signed_out`` / 4401 on the other process (``lernen25.sockets.recheck_user_sockets``); the
  person's other sessions and other people's sockets stay open.
- Exactly once: readers that drop their connection and reconnect many times while writers on both
  processes and a slow writer in a third process commit out of order receive every stream position
  at most once over all their connections, and end up with what the database holds.

These tests found four faults, now fixed and kept tested: the sign-out's re-check could read the
session before Django emptied it; a live event reaching a new connection before its ``sync`` could
repeat what an earlier connection brought; ``synced`` could overtake messages queued before it; the
session that changed the password is closed and reconnects under its new key (documented, tested).

The database is a SQLite file, or PostgreSQL for the ``postgresql`` cluster when a server answers
at ``postgresql://postgres@127.0.0.1:5432`` (or ``SCALE_OUT_POSTGRES_URL``): a fresh database per
cluster, copied from a migrated template database that is kept like the browser tests' migrated
SQLite copy, and dropped afterwards. Without a server it falls back to SQLite and says so. At most
one cluster runs at a time, and each starts with an empty Redis database (REDIS_URL, else db 15). Redis is required:
without it the tests fail and say so. The servers are set up like the browser tests' server
(tests/browser/conftest.py), plus REDIS_URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import psycopg
import pytest
import redis
from django.urls import reverse
from websockets.sync.client import ClientConnection

from tests.browser.conftest import (
    PROJECT_ROOT,
    _free_port,
    _manage,
    _migrate,
    _schema_key,
    _server_env,
    _wait_until_healthy,
    start_server,
    stop_process,
)
from tests.plc.scale_out_client import (
    WAIT,
    Browser,
    Failures,
    Reader,
    ScaleOutError,
    closed_by_server,
    drop,
    frame_where,
    open_socket,
    ping,
    sync,
)

# Server processes and Redis: run in the serial phase of `make test`, not beside other workers.
pytestmark = pytest.mark.serial

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
# A PostgreSQL server's maintenance database; the clusters' databases are made beside it.
POSTGRES_ADMIN_URL = os.environ.get("SCALE_OUT_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_TEMPLATE_PREFIX = "lernen25_scale_out_tpl_"  # a migrated database, kept like the browser tests' copy
OLD_PASSWORD = "Rheinhausen-Brücke-1945"
NEW_PASSWORD = "Homberg-Fähre-Neu-2026"
CLOSE_SIGNED_OUT = 4401

SEED = r"""
import json

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from lernen25.models import Affiliation, District, School, SchoolType, User
from lernen25.roles import Role
from lernen25.services import assign_role
from plc import services
from plc.models import PlgKind, Visibility

call_command("setup_roles", verbosity=0)
school = School.objects.create(
    number="165432", name="Gesamtschule Meiderich", school_type=SchoolType.GESAMTSCHULE,
    district=District.MEIDERICH_BEECK,
)

def person(email, first_name, last_name, role=None, password=None):
    user = User.objects.create_user(email=email, password=password, first_name=first_name, last_name=last_name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    Affiliation.objects.create(user=user, school=school, function="lehrkraft", source="granted")
    if role is not None:
        assign_role(actor=None, user=user, role=role)
    return user

def session(user):
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value

def plg_of(title, lead, members):
    plg = services.create_plg(
        actor=None, system=True, title=title, kind=PlgKind.LESSON_DEVELOPMENT,
        visibility=Visibility.CLOSED, leads=[lead], notify_leads=False,
    )
    for member in members:
        services.invite_member(actor=lead, plg=plg, user=member)
        services.accept_invitation(actor=member, invitation=plg.invitations.get(email=member.email))
    return plg

def entry(user, sessions=1):
    return {"id": user.pk, "sessions": [session(user) for _ in range(sessions)]}

# 1. Messages, typing and presence across processes.
lead = person("lena.leitung@schule-a.de", "Lena", "Leitner", Role.PLG_LEITUNG)
member = person("anna.lehrerin@schule-a.de", "Anna", "Lehmann")
plg = plg_of("Zwei Prozesse", lead, [member])
topic = services.create_topic(actor=lead, plg=plg, title="Skalierung", body="Los geht's")

# 2. Sessions: each test its own person; a bystander whose sockets must stay open.
bystander = person("bernd.beobachter@schule-a.de", "Bernd", "Beobachter", Role.PLG_LEITUNG)
signout = person("sigrid.schluss@schule-a.de", "Sigrid", "Schluss")
password = person("paul.passwort@schule-a.de", "Paul", "Passwort", password=PASSWORD)
keeper = person("petra.passwort@schule-a.de", "Petra", "Passwort", password=PASSWORD)
inactive = person("dora.dienstende@schule-a.de", "Dora", "Dienstende")
sessions_plg = plg_of("Sitzungen", bystander, [signout, password, keeper, inactive])

# 3. The stream: a lead and three writers on sockets, a slow writer in a shell, readers.
stream_lead = person("lars.leitung@schule-a.de", "Lars", "Leitung", Role.PLG_LEITUNG)
writers = [person(f"w{i}.schreibt@schule-a.de", "Wera", f"Schreiber {i}") for i in range(1, 4)]
slow = person("sven.schnecke@schule-a.de", "Sven", "Schnecke")
readers = [person(f"r{i}.liest@schule-a.de", "Rolf", f"Leser {i}") for i in range(1, 9)]
stream_plg = plg_of("Strom", stream_lead, [*writers, slow, *readers])
topics = [
    services.create_topic(actor=stream_lead, plg=stream_plg, title="Erstes Thema", body="Eins"),
    services.create_topic(actor=stream_lead, plg=stream_plg, title="Zweites Thema", body="Zwei"),
]

# 4. A late live event: a reader, and a writer whose broadcast comes late.
late_lead = person("vera.verspaetet@schule-a.de", "Vera", "Verspätet", Role.PLG_LEITUNG)
late_reader = person("viktor.vorn@schule-a.de", "Viktor", "Vorn")
late_plg = plg_of("Verspätet", late_lead, [late_reader])
late_topic = services.create_topic(actor=late_lead, plg=late_plg, title="Später", body="Gleich")

print("SEED " + json.dumps({
    "cookie": settings.SESSION_COOKIE_NAME,
    "plg": plg.pk, "topic": topic.pk, "lead": session(lead), "member": session(member),
    "sessions_plg": sessions_plg.pk,
    "people": {
        "bystander": entry(bystander), "signout": entry(signout, 2), "password": entry(password, 2),
        "keeper": entry(keeper, 2), "inactive": entry(inactive),
    },
    "stream": {
        "plg": stream_plg.pk, "topics": [t.pk for t in topics], "lead": entry(stream_lead),
        "writers": [entry(w) for w in writers], "slow": slow.pk, "readers": [entry(r) for r in readers],
    },
    "late": {"plg": late_plg.pk, "topic": late_topic.pk, "writer": late_lead.pk, "reader": entry(late_reader)},
}))
"""

# What the database holds: every message of the PLG (id -> [seq, html as the stream renders it]).
DUMP = r"""
import json
from plc import realtime
from plc.models import Message
from plc.selectors import stream_position

messages = Message.objects.filter(plg_id=PLG).select_related("author__profile", "reply_to__author__profile")
print("DUMP " + json.dumps({
    "position": stream_position(PLG),
    "messages": {m.pk: [m.seq, realtime.message_payload(m)["html"]] for m in messages},
}))
"""

# An administrator deactivates a person (a shell; the admin site of another server does the same).
DEACTIVATE = """
from lernen25.models import User
user = User.objects.get(pk=USER)
user.is_active = False
user.save()
print("DONE")
"""

# Any process may ask a person's sockets to check their session again.
RECHECK = """
from lernen25.sockets import recheck_user_sockets
recheck_user_sockets(USER)
print("DONE")
"""

# A writer in a process of its own that keeps each transaction open after its write, so that the
# socket writers queue behind its stream position and commit around it.
SLOW_WRITER = r"""
import json, random, time
from django.db import transaction
from lernen25.models import User
from plc import services
from plc.models import Message, Topic

actor = User.objects.get(pk=ACTOR)
topics = list(Topic.objects.filter(pk__in=TOPICS))
rng = random.Random(SEED)
mine = []
print("READY", flush=True)
for round in range(ROUNDS):
    with transaction.atomic():
        if round % 2 == 0 or not mine:
            message = services.post_message(actor=actor, topic=rng.choice(topics), body=f"Langsam {round}")
            mine.append(message.pk)
        else:
            message = Message.objects.get(pk=rng.choice(mine))
            message = services.edit_message(actor=actor, message=message, body=f"Langsam, bearbeitet in {round}")
        print("SLOW " + json.dumps({"id": message.pk, "seq": message.seq}), flush=True)
        time.sleep(HOLD)
    time.sleep(rng.uniform(0.1, 0.4))
"""


# --- The cluster ----------------------------------------------------------------------------------


@dataclass
class Cluster:
    name: str  # as asked for: "sqlite" or "postgresql"
    backend: str  # what runs: "sqlite" or "postgresql" (PostgreSQL asked for but not reachable: sqlite)
    urls: tuple[str, str]  # process A, process B
    env: dict[str, str]
    seed: dict
    logs: list[Path] = field(default_factory=list)

    # The first tests' PLG.
    @property
    def plg(self) -> int:
        return self.seed["plg"]

    @property
    def topic(self) -> int:
        return self.seed["topic"]

    @property
    def cookie(self) -> str:
        return self.seed["cookie"]

    def socket(self, base_url: str, plg: int, session: str) -> ClientConnection:
        return open_socket(base_url, plg, self.cookie, session)

    def shell(self, code: str, marker: str = "") -> str:
        """Run ``code`` in a third process (``manage.py shell -c``); its output line starting with ``marker``."""
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        lines = [line for line in result.stdout.splitlines() if line.startswith(marker)]
        if result.returncode != 0 or not lines:
            pytest.fail(
                f"manage.py shell failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return lines[-1].removeprefix(marker).strip()

    def start_shell(self, code: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def dump(self, plg: int) -> dict:
        return json.loads(self.shell(_script(DUMP, PLG=plg), "DUMP "))

    def log_tail(self, size: int = 3000) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-size:]}" for log in self.logs)


def _script(code: str, **values) -> str:
    """``code`` for ``manage.py shell -c``, after assignments of ``values`` (``NAME = repr(value)``)."""
    return "".join(f"{name} = {value!r}\n" for name, value in values.items()) + code


def _line(process: subprocess.Popen, prefix: str) -> str:
    """The next output line of ``process`` that starts with ``prefix`` (Django's shell may say other things)."""
    seen = []
    while line := process.stdout.readline():
        if line.startswith(prefix):
            return line.removeprefix(prefix).strip()
        seen.append(line)
    pytest.fail(f"no line {prefix!r} from the process: {''.join(seen)}{process.stderr.read()[-3000:]}")


def _require_redis(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        problem = exc
    else:
        return
    pytest.fail(
        f"Redis at {url} is not reachable ({problem}). The scale-out tests need a real Redis: "
        "start redis-server on 127.0.0.1:6379 or set REDIS_URL."
    )


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def _admin(sql: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql)


def _database_url(name: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _postgres_template(env: dict[str, str]) -> str | None:
    """A migrated PostgreSQL database to copy (migrating takes ~30 s; copying it well under one).

    Keyed like the browser tests' migrated SQLite copy (every migration file and package version);
    ``BROWSER_DB_CACHE=0`` migrates from scratch (None: no template).
    """
    if os.environ.get("BROWSER_DB_CACHE", "1") == "0":
        return None
    template = POSTGRES_TEMPLATE_PREFIX + _schema_key()
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as connection:
        names = [row[0] for row in connection.execute("SELECT datname FROM pg_database")]
        if template in names:
            return template
        for old in names:  # templates of earlier schemas
            if old.startswith(POSTGRES_TEMPLATE_PREFIX) and not old.startswith(template):
                with contextlib.suppress(psycopg.Error):
                    connection.execute(f'DROP DATABASE "{old}"')
        partial_name = f"{template}_{os.getpid()}"
        connection.execute(f'CREATE DATABASE "{partial_name}"')
        try:
            _manage({**env, "DATABASE_URL": _database_url(partial_name)}, "migrate", "--noinput")
            connection.execute(f'ALTER DATABASE "{partial_name}" RENAME TO "{template}"')
        except psycopg.errors.DuplicateDatabase:  # a parallel run was faster
            pass
        finally:
            connection.execute(f'DROP DATABASE IF EXISTS "{partial_name}"')
    return template


@contextlib.contextmanager
def _postgres_database(env: dict[str, str]) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one cluster (its URL); dropped afterwards."""
    template = _postgres_template(env)
    name = f"lernen25_scale_out_{os.getpid()}_{secrets.token_hex(4)}"
    _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        if template is None:
            _manage({**env, "DATABASE_URL": _database_url(name)}, "migrate", "--noinput")
        yield _database_url(name)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def _running_cluster(name: str, redis_url: str) -> Iterator[Cluster]:
    backend = name
    if name == "postgresql" and not _postgres_reachable():
        backend = "sqlite"
        note = (
            f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: the 'postgresql' cluster runs on a SQLite "
            "file instead (stream positions are then serialised by SQLite's database lock, not a row lock)."
        )
        warnings.warn(note, stacklevel=1)
        print(note)
    # A fresh start: no rate-limit counters, presence or group memberships of an earlier cluster
    # (user and PLG ids repeat in every fresh database). The suite's tests empty this database too
    # (``cache.clear()`` is FLUSHDB on Redis).
    redis.Redis.from_url(redis_url, socket_timeout=2).flushdb()
    tmp = Path(tempfile.mkdtemp(prefix="lernen25-scale-out-"))
    (tmp / "static").mkdir()
    ports = (_free_port(), _free_port())
    env = {**_server_env(tmp, ports[0]), "REDIS_URL": redis_url}
    processes: list[subprocess.Popen] = []
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, tmp, ignore_errors=True)
        if backend == "postgresql":
            env["DATABASE_URL"] = cleanup.enter_context(_postgres_database(env))
        else:
            _migrate(env, tmp / "browser.sqlite3")
        cleanup.callback(lambda: [stop_process(process) for process in processes])
        seed = json.loads(
            Cluster(name, backend, ("", ""), env, {}).shell(_script(SEED, PASSWORD=OLD_PASSWORD), "SEED ")
        )
        logs = []
        for port in ports:
            log = tmp / f"uvicorn-{port}.log"
            logs.append(log)
            site = {"SITE_URL": f"http://127.0.0.1:{port}"}
            processes.append(start_server({**env, **site}, port, log, server="uvicorn"))
        for port, process, log in zip(ports, processes, logs, strict=True):
            _wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process, log)
        urls = (f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}")
        yield Cluster(name, backend, urls, env, seed, logs)


class _Clusters:
    """At most one cluster at a time: two would share Redis (PLG and user ids repeat across databases)."""

    def __init__(self, redis_url: str):
        self.redis_url = redis_url
        self.current: Cluster | None = None
        self._stack = contextlib.ExitStack()

    def get(self, name: str) -> Cluster:
        if self.current is None or self.current.name != name:
            self.close()
            self.current = self._stack.enter_context(_running_cluster(name, self.redis_url))
        return self.current

    def close(self) -> None:
        self.current = None
        self._stack.close()


@pytest.fixture(scope="module")
def clusters() -> Iterator[_Clusters]:
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    _require_redis(redis_url)
    manager = _Clusters(redis_url)
    try:
        yield manager
    finally:
        manager.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Overrides tests/conftest.py's: this process's cache is not emptied before each test here.

    With REDIS_URL set, it is the clusters' Redis database, and FLUSHDB would also drop the servers'
    channel-layer groups (a hub joins ``lernen25.sockets`` once, when its first socket opens).
    Each cluster starts with an empty database instead; these tests use no cache of this process.
    """
    yield


@pytest.fixture
def cluster(clusters) -> Cluster:
    """Two processes on one SQLite file."""
    return clusters.get("sqlite")


# --- Messages, typing and presence across processes ----------------------------------------------


def _form_post(cluster: Cluster, base_url: str, session: str, body: str) -> tuple[int, str]:
    """The no-JavaScript form on the topic page: GET it (CSRF token), POST it; (status, Location)."""
    path = f"/plg-raum/{cluster.plg}/themen/{cluster.topic}/"
    status, location, _body = Browser(base_url, cluster.cookie, session).submit(path, {"body": body})
    return status, location


def test_a_message_posted_through_process_b_reaches_a_socket_on_process_a(cluster):
    process_a, process_b = cluster.urls
    lead, member = cluster.seed["lead"], cluster.seed["member"]
    with cluster.socket(process_a, cluster.plg, member) as on_a, cluster.socket(process_b, cluster.plg, lead) as on_b:
        assert sync(on_a)["type"] == "synced"
        assert sync(on_b)["type"] == "synced"

        # 1. Posted over a WebSocket of process B.
        on_b.send(
            json.dumps({"type": "post", "topic": cluster.topic, "body": "Über **B** gesendet", "client_id": "b1"})
        )
        to_sender = frame_where(on_b, lambda f: f["type"] in ("message", "error") and f.get("client_id") == "b1")
        assert to_sender["type"] == "message", to_sender
        seen_on_a = frame_where(on_a, lambda f: f["type"] == "message" and f["id"] == to_sender["id"])
        assert "Über <strong>B</strong> gesendet" in seen_on_a["html"]
        assert (seen_on_a["topic"], seen_on_a["seq"]) == (cluster.topic, to_sender["seq"])

        # 2. Posted through the no-JavaScript form of process B.
        status, location = _form_post(cluster, process_b, member, "Per Formular über B")
        assert status == 302, (status, location)
        assert location.startswith(f"/plg-raum/{cluster.plg}/themen/{cluster.topic}/#m")
        message_id = int(location.rsplit("#m", 1)[1])
        seen_on_a = frame_where(on_a, lambda f: f["type"] == "message" and f["id"] == message_id)
        assert "Per Formular über B" in seen_on_a["html"]
        assert seen_on_a["seq"] > to_sender["seq"]
        assert frame_where(on_b, lambda f: f["type"] == "message" and f["id"] == message_id)

        # 3. And the other way round: posted on A, seen on B.
        on_a.send(json.dumps({"type": "post", "topic": cluster.topic, "body": "Zurück über A", "client_id": "a1"}))
        seen_on_b = frame_where(on_b, lambda f: f["type"] == "message" and f.get("client_id") == "a1")
        assert "Zurück über A" in seen_on_b["html"]


def test_typing_and_presence_cross_processes(cluster):
    process_a, process_b = cluster.urls
    with cluster.socket(process_a, cluster.plg, cluster.seed["member"]) as on_a:
        frame_where(on_a, lambda f: f["type"] == "presence")
        with cluster.socket(process_b, cluster.plg, cluster.seed["lead"]) as on_b:
            # Presence lives in the shared cache: A learns that the lead came online on B.
            presence = frame_where(on_a, lambda f: f["type"] == "presence" and len(f["users"]) == 2)
            assert [u["name"] for u in presence["users"]] == ["Anna Lehmann", "Lena Leitner"]
            on_b.send(json.dumps({"type": "typing", "topic": cluster.topic}))
            typing = frame_where(on_a, lambda f: f["type"] == "typing")
            assert (typing["topic"], typing["name"]) == (cluster.topic, "Lena Leitner")


# --- A socket lives no longer than its session, on every process ---------------------------------


def _expect_signed_out(cluster: Cluster, ws: ClientConnection, what: str) -> None:
    try:
        code, frames = closed_by_server(ws)
    except ScaleOutError as problem:
        pytest.fail(f"{what}: {problem}\n{cluster.log_tail()}")
    errors = [f for f in frames if f["type"] == "error"]
    assert code == CLOSE_SIGNED_OUT, f"{what}: closed with {code}, not 4401; frames: {frames}"
    assert [f["code"] for f in errors] == ["signed_out"], f"{what}: error frames {errors}"


def _still_served(ws: ClientConnection, what: str) -> None:
    """Open, and its session still good: a ``sync`` re-checks the session in the database thread.

    On the socket's process the sync runs after any re-check queued before it (one database thread),
    so a socket that was wrongly going to close would have closed first.
    """
    answer = sync(ws)
    assert answer["type"] == "synced", f"{what}: a sync was answered with {answer}"
    ping(ws)


def test_signing_out_on_process_b_closes_that_sessions_socket_on_process_a(cluster):
    """The socket of the session that signs out closes at once; its person's other session stays.

    Django announces the sign-out before it empties the session, so the event names the ending
    session (a digest) and its sockets close without asking the store (no race with the flush).
    """
    process_a, process_b = cluster.urls
    plg, people = cluster.seed["sessions_plg"], cluster.seed["people"]
    first, second = people["signout"]["sessions"]
    bystander = people["bystander"]["sessions"][0]
    with (
        cluster.socket(process_a, plg, first) as signing_out,
        cluster.socket(process_a, plg, second) as other_session_on_a,
        cluster.socket(process_b, plg, second) as other_session_on_b,
        cluster.socket(process_a, plg, bystander) as someone_else,
    ):
        for ws in (signing_out, other_session_on_a, other_session_on_b, someone_else):
            assert sync(ws)["type"] == "synced"  # connected, and joined its process's hub

        status, location, body = Browser(process_b, cluster.cookie, first).submit(reverse("account_logout"), {})
        assert status == 302, f"signing out answered {status}: {body[:500]}"
        started = time.monotonic()

        what = "the signed-out session's socket on process A"
        code, frames = closed_by_server(signing_out, timeout=5)
        print(f"closed {time.monotonic() - started:.2f} s after the sign-out answered")
        assert code == CLOSE_SIGNED_OUT, f"{what}: closed with {code}, not 4401; frames: {frames}"
        assert [f["code"] for f in frames if f["type"] == "error"] == ["signed_out"], f"{what}: {frames}"
        _still_served(other_session_on_a, "the person's other session, on process A")
        _still_served(other_session_on_b, "the person's other session, on process B")
        _still_served(someone_else, "someone else's socket")

    # The session has ended indeed, and a new socket with it is refused.
    status, location, _body = Browser(process_a, cluster.cookie, first).get(reverse("profile"))
    assert status == 302 and reverse("account_login") in location, (status, location)
    with cluster.socket(process_a, plg, first) as again:
        _expect_signed_out(cluster, again, "a new socket with the ended session")


def _change_password(browser: Browser) -> None:
    fields = {"oldpassword": OLD_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    status, _location, body = browser.submit(reverse("account_change_password"), fields)
    assert status == 302, f"the password change answered {status}: {body[:1500]}"


def test_a_password_change_on_process_b_closes_the_other_sessions_socket_on_process_a(cluster):
    process_a, process_b = cluster.urls
    plg, people = cluster.seed["sessions_plg"], cluster.seed["people"]
    other, changing = people["password"]["sessions"]
    bystander = people["bystander"]["sessions"][0]
    with cluster.socket(process_a, plg, other) as on_a, cluster.socket(process_a, plg, bystander) as someone_else:
        assert sync(on_a)["type"] == sync(someone_else)["type"] == "synced"

        browser = Browser(process_b, cluster.cookie, changing)
        _change_password(browser)

        _expect_signed_out(cluster, on_a, "the socket of the session that did not change the password")
        _still_served(someone_else, "someone else's socket")

    # The session that changed it goes on (Django gave it a new key) and may open sockets.
    assert browser.session != changing
    with cluster.socket(process_a, plg, browser.session) as again:
        _still_served(again, "a new socket of the session that changed the password")


def test_the_socket_of_the_session_that_changed_the_password_closes_and_its_new_key_connects(cluster):
    """Django keeps the changer signed in under a new session key (``update_session_auth_hash``
    cycles it); the socket opened with the old key closes with 4401, and the page's one reconnect
    after a mid-session 4401 (discussion.js) gets in with the new cookie."""
    process_a, process_b = cluster.urls
    plg = cluster.seed["sessions_plg"]
    _other, changing = cluster.seed["people"]["keeper"]["sessions"]
    with cluster.socket(process_a, plg, changing) as same_session_on_a:
        assert sync(same_session_on_a)["type"] == "synced"
        browser = Browser(process_b, cluster.cookie, changing)
        _change_password(browser)
        code, frames = closed_by_server(same_session_on_a, timeout=5)
        assert code == CLOSE_SIGNED_OUT, (code, frames)
    assert browser.session != changing
    with cluster.socket(process_a, plg, browser.session) as again:
        _still_served(again, "the reconnect with the new session key")


def test_deactivation_by_an_administrator_closes_the_persons_sockets_on_both_processes(cluster):
    process_a, process_b = cluster.urls
    plg, people = cluster.seed["sessions_plg"], cluster.seed["people"]
    person = people["inactive"]
    session = person["sessions"][0]
    bystander = people["bystander"]["sessions"][0]
    with (
        cluster.socket(process_a, plg, session) as on_a,
        cluster.socket(process_b, plg, session) as on_b,
        cluster.socket(process_a, plg, bystander) as someone_else,
    ):
        for ws in (on_a, on_b, someone_else):
            assert sync(ws)["type"] == "synced"

        # A third process, as an administrator's shell or the admin site of another server would.
        cluster.shell(_script(DEACTIVATE, USER=person["id"]), "DONE")

        _expect_signed_out(cluster, on_a, "the deactivated person's socket on process A")
        _expect_signed_out(cluster, on_b, "the deactivated person's socket on process B")
        _still_served(someone_else, "someone else's socket")


# --- Exactly once over repeated reconnects with out-of-order commits ------------------------------

# A write whose broadcast reaches the channel layer late (a busy process, a slow layer): it is
# committed at once, and published LATE seconds later.
LATE_WRITER = r"""
import time
from lernen25.models import User
from plc import realtime, services
from plc.models import Topic

publish = realtime.publish_messages

def late(messages):
    print("COMMITTED", messages[0][0].seq, flush=True)
    time.sleep(LATE)
    publish(messages)
    print("PUBLISHED", flush=True)

realtime.publish_messages = late
services.post_message(actor=User.objects.get(pk=ACTOR), topic=Topic.objects.get(pk=TOPIC), body="Spät gesendet")
"""


def test_a_live_event_arriving_before_the_sync_of_a_new_connection_is_not_sent_twice(cluster):
    """A position the reader got by catch-up on one connection must not come again on the next.

    The write commits; its broadcast is late. Connection 1 catches up (the position is committed,
    so it comes with the catch-up) and drops. Connection 2 opens; the late broadcast reaches the
    process before this connection's ``sync`` was read (here: sent a little later, as on a slow
    network or while the process's database thread is busy with other sockets' writes).
    """
    process_a, _process_b = cluster.urls
    late = cluster.seed["late"]
    session = late["reader"]["sessions"][0]
    reader = Reader("reader")
    writer = cluster.start_shell(_script(LATE_WRITER, LATE=2, ACTOR=late["writer"], TOPIC=late["topic"]))
    try:
        position = int(_line(writer, "COMMITTED "))
        with reader.connected(cluster.socket(process_a, late["plg"], session)) as first:
            first.send(reader.sync_frame())
            reader.read_until_synced(first)
            assert reader.last_seq >= position
            drop(first)
        with reader.connected(cluster.socket(process_a, late["plg"], session)) as second:
            _line(writer, "PUBLISHED")
            reader.read_for(second, 1.0)
            second.send(reader.sync_frame())
            reader.read_until_synced(second)
    finally:
        if writer.poll() is None:
            stop_process(writer)
    assert not reader.errors, reader.errors
    assert reader.duplicates() == {}, f"positions sent twice: {reader.duplicates()}"


MIN_RECONNECTS = 16  # per reader, while the writers write
MAX_RECONNECTS = 28  # the catch-up limit is 12 per minute and person: a reader spreads over 4 people
SOCKET_WRITES = 12  # per socket writer (the write limit is 20 in 30 s per person)
SLOW_ROUNDS = 6
SLOW_HOLD = 1.2  # seconds the slow writer keeps each transaction (and its stream position) open


@dataclass
class _Written:
    state: str  # "visible", "edited", "hidden", "deleted"
    seq: int


def _write(cluster: Cluster, base_url: str, session: str, name: str, rng: random.Random, moderate: bool) -> list[int]:
    """Post and edit (a lead: also hide, show again and delete) own messages; the positions written."""
    stream = cluster.seed["stream"]
    positions = []
    mine: dict[int, _Written] = {}
    with cluster.socket(base_url, stream["plg"], session) as ws:
        # Message events flow once the client has said what it holds (as discussion.js does on open).
        assert sync(ws)["type"] == "synced"
        for n in range(SOCKET_WRITES):
            client_id = f"{name}-{n}"
            readable = [i for i, m in mine.items() if m.state in ("visible", "edited")]
            hidden = [i for i, m in mine.items() if m.state == "hidden"]
            choices = ["post"] * 3 + ["edit"] * 3 * bool(readable)
            if moderate:
                choices += ["hide"] * 2 * bool(readable) + ["unhide"] * 2 * bool(hidden) + ["delete"] * bool(readable)
            action = rng.choice(choices) if n >= 2 else "post"
            target = None if action == "post" else rng.choice(hidden if action == "unhide" else readable)
            if action == "post":
                frame = {"type": "post", "topic": rng.choice(stream["topics"]), "body": f"{name}: Beitrag {n}"}
            elif action == "edit":
                frame = {"type": "edit", "message": target, "body": f"{name}: bearbeitet in {n}"}
            else:
                frame = {"type": action, "message": target}
            ws.send(json.dumps({**frame, "client_id": client_id}))
            known = mine[target].seq if target else 0

            def answered(f, target=target, known=known, client_id=client_id):
                if f["type"] == "error":
                    return True
                if f["type"] != "message":
                    return False
                return f["client_id"] == client_id if target is None else (f["id"] == target and f["seq"] > known)

            answer = frame_where(ws, answered, f"answer to {name}'s {action}")
            if answer["type"] == "error":
                raise ScaleOutError(f"{name}'s {action} was refused: {answer}")
            mine[answer["id"]] = _Written(answer["state"], answer["seq"])
            positions.append(answer["seq"])
            time.sleep(rng.uniform(0.05, 0.35))
    return positions


def _follow(
    cluster: Cluster, base_url: str, reader: Reader, sessions: list[str], rng: random.Random, done: threading.Event
) -> None:
    """Reconnect again and again while the writers write, dropping each connection abruptly.

    Each connection sends ``sync`` with what the reader holds and reads for a random while (now and
    then not even until the catch-up's ``synced``). After the writers finished, one last connection
    syncs and stays a second longer, for anything that would still come twice.
    """
    plg = cluster.seed["stream"]["plg"]
    while True:
        with reader.connected(cluster.socket(base_url, plg, sessions[reader.connections % len(sessions)])) as ws:
            ws.send(reader.sync_frame())
            if reader.connections >= MAX_RECONNECTS:
                while not done.is_set():  # no more reconnects (limits): this connection follows to the end
                    reader.read_for(ws, 0.2)
            else:
                reader.read_for(ws, rng.uniform(0.0, 0.5))
            drop(ws)
        if done.is_set() and reader.connections >= MIN_RECONNECTS:
            break
    with reader.connected(cluster.socket(base_url, plg, sessions[reader.connections % len(sessions)])) as ws:
        ws.send(reader.sync_frame())
        reader.read_until_synced(ws)
        reader.read_for(ws, 1.0)


@pytest.mark.parametrize("name", ["sqlite", "postgresql"])
def test_every_position_arrives_once_over_repeated_reconnects_with_out_of_order_commits(clusters, name):
    """Readers on A and on B drop and reopen their sockets while writers on both processes and a slow one commit.

    Writers: the PLG's lead (posts, edits, hides, shows again, deletes its own messages) and a writer on
    process A, two writers on process B, and a slow writer in a third process that keeps each transaction
    open SLOW_HOLD seconds after taking its stream position (the others queue behind it; positions,
    message ids and the processes' commits interleave). Each reader follows discussion.js (``Reader``)
    over 17-28 connections, spread over four people (the catch-up limit is per person), then syncs once
    more. It must get every position at most once on the wire, and end up with the database's messages.

    Runs on a SQLite file and on PostgreSQL (``postgresql``: falls back to SQLite, and says so, when
    no PostgreSQL answers). ``SCALE_OUT_SEED`` repeats a run's random choices (not its timing).
    """
    cluster = clusters.get(name)
    stream = cluster.seed["stream"]
    process_a, process_b = cluster.urls
    rng = random.Random(os.environ.get("SCALE_OUT_SEED") or secrets.randbits(32))
    failures = Failures()
    done = threading.Event()

    slow_writer = cluster.start_shell(
        _script(
            SLOW_WRITER,
            ACTOR=stream["slow"],
            TOPICS=stream["topics"],
            SEED=rng.randrange(1 << 30),
            ROUNDS=SLOW_ROUNDS,
            HOLD=SLOW_HOLD,
        )
    )
    try:
        _line(slow_writer, "READY")

        readers = [Reader("reader on A"), Reader("reader on B")]
        reader_sessions = [r["sessions"][0] for r in stream["readers"]]
        followers = [
            failures.run(partial(_follow, cluster, base_url, reader, sessions, random.Random(rng.random()), done))
            for base_url, reader, sessions in zip(
                (process_a, process_b), readers, (reader_sessions[:4], reader_sessions[4:]), strict=True
            )
        ]
        written: dict[str, list[int]] = {}
        writer_specs = [
            ("lead on A", process_a, stream["lead"]["sessions"][0], True),
            ("writer 1 on A", process_a, stream["writers"][0]["sessions"][0], False),
            ("writer 2 on B", process_b, stream["writers"][1]["sessions"][0], False),
            ("writer 3 on B", process_b, stream["writers"][2]["sessions"][0], False),
        ]

        def writer(name, base_url, session, moderate, seed):
            written[name] = _write(cluster, base_url, session, name, random.Random(seed), moderate)

        writers = [failures.run(partial(writer, *spec, rng.random())) for spec in writer_specs]
        for thread in writers:
            thread.join(timeout=120)
        slow_out, slow_err = slow_writer.communicate(timeout=60)
    finally:
        done.set()
        if slow_writer.poll() is None:
            stop_process(slow_writer)
    assert slow_writer.returncode == 0, f"the slow writer failed:\n{slow_err[-3000:]}"
    for thread in followers:
        thread.join(timeout=60)
    failures.check()
    assert not any(thread.is_alive() for thread in (*writers, *followers)), "a writer or reader hung"

    database = cluster.dump(stream["plg"])
    position = database["position"]
    expected = {int(i): (seq, html) for i, (seq, html) in database["messages"].items()}
    slow_positions = [
        json.loads(line.removeprefix("SLOW "))["seq"] for line in slow_out.splitlines() if line[:5] == "SLOW "
    ]

    # The run did what it is about: the slow writer's commits are interleaved with the others',
    # and stream order differs from id order (edits, moderation).
    assert len(slow_positions) == SLOW_ROUNDS
    assert max(slow_positions) - min(slow_positions) >= 2 * SLOW_ROUNDS, ("not interleaved", slow_positions, written)
    by_seq = sorted(expected, key=lambda i: expected[i][0])
    assert by_seq != sorted(expected), "stream order equals id order: nothing was changed out of order"
    assert position == sum(len(p) for p in written.values()) + SLOW_ROUNDS + 2, (position, written)

    summary = [
        f"{cluster.name} ({cluster.backend}): {position} positions, {len(expected)} messages; slow writer at "
        f"{slow_positions}"
    ]
    for reader in readers:
        summary.append(f"{reader.name}: {reader.connections} connections, {sum(reader.on_wire.values())} frames")
        assert not reader.errors, f"{reader.name}: error frames or closes {reader.errors}"
        assert not reader.incomplete, f"{reader.name}: incomplete catch-ups {reader.incomplete}"
        assert reader.connections >= MIN_RECONNECTS + 1
        assert (reader.last_seq, reader.held) == (position, set()), (reader.name, reader.last_seq, reader.held)

        # Nothing twice on the wire (also not live before a new connection's sync was read).
        assert not reader.duplicates(), f"{reader.name}: positions that arrived more than once {reader.duplicates()}"

        # Every message in its latest version, as stored (nothing overtaken by a synced and dropped).
        wrong = {
            i: (reader.view.get(i, (None, ""))[0], expected[i][0])
            for i in expected
            if reader.view.get(i) != expected[i]
        }
        assert not wrong, (
            f"{reader.name}: messages missing or not in their stored version (held seq, stored seq) {wrong}; "
            f"their frames: {[seen for seen in reader.history if seen.id in wrong]}"
        )
    print("\n".join(summary))


def test_the_re_check_after_a_sign_out_sees_the_session_ended(clusters):
    """The sign-out's re-check must not read the session before the sign-out deleted it.

    PostgreSQL makes the race certain: the test holds a row lock on the session, so the sign-out on
    process B waits in ``session.flush()`` — after it sent the re-check — while process A re-checks.
    """
    cluster = clusters.get("postgresql")
    if cluster.backend != "postgresql":
        pytest.skip("needs PostgreSQL: a row lock holds the sign-out between its re-check and its flush")
    process_a, process_b = cluster.urls
    plg, person = cluster.seed["sessions_plg"], cluster.seed["people"]["signout"]
    session = person["sessions"][0]
    browser = Browser(process_b, cluster.cookie, session)
    token = browser.form_token(reverse("account_logout"))
    answers: list[tuple[int, str, str]] = []
    with cluster.socket(process_a, plg, session) as ws:
        assert sync(ws)["type"] == "synced"
        with psycopg.connect(cluster.env["DATABASE_URL"], connect_timeout=5) as lock:
            lock.execute("SELECT 1 FROM django_session WHERE session_key = %s FOR UPDATE", [session])
            failures = Failures()
            signing_out = failures.run(lambda: answers.append(browser.post(reverse("account_logout"), {}, token)))
            deadline = time.monotonic() + WAIT
            while not _waiting_for_lock(cluster) and time.monotonic() < deadline:
                time.sleep(0.05)  # until process B's flush waits for our lock
            time.sleep(1)  # process A receives the re-check and reads the session meanwhile
            lock.rollback()
        signing_out.join(timeout=WAIT)
        failures.check()
        assert answers and answers[0][0] == 302, answers
        try:
            code, frames = closed_by_server(ws, timeout=5)
        except ScaleOutError as problem:
            raise AssertionError(f"the signed-out session's socket: {problem}") from None
        assert code == CLOSE_SIGNED_OUT, (code, frames)


def _waiting_for_lock(cluster: Cluster) -> bool:
    """Is some other connection of the cluster's database waiting for a lock (the sign-out's DELETE)?"""
    with psycopg.connect(cluster.env["DATABASE_URL"], autocommit=True, connect_timeout=5) as probe:
        row = probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return bool(row and row[0])

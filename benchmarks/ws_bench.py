"""WebSocket benchmark for the PLG discussion (issues 4 and 19): our server on daphne, uvicorn, granian against floors.

Servers measured, one after another in one run, each phase on a fresh server process:

- floor 1: the bare ``websockets`` broadcast server of ``bare_ws_server.py``;
- for each server kind of ``--servers`` (``daphne``, ``uvicorn``, ``granian``):
  - floor 2: that server running ``bare_asgi_app.py`` (a bare ASGI broadcast app; ``--bare-writer``: a writer
    task per socket, or each send awaited in turn): the server's own cost per handshake and per send;
  - ours: that server running ``lernen25.asgi:application`` with Redis and a throw-away database.

Phases:

1. hold: open ``--connections`` authenticated sockets on one server process (each sends ``sync`` and waits
   for ``synced``), let the server settle, and read its RSS (``/proc/<pid>/status`` VmRSS, summed over the
   server's process group) before and after: memory per connection = (after - before) / held;
2. storm (ours only): hold ``--connections`` sockets, post a few messages in every PLG, restart the server
   (SIGTERM, a fresh process on the same port, as a deploy does) and reconnect every client within
   ``--storm-seconds``, each sending ``sync`` with what it holds; check every catch-up is complete;
3. latency, ``--repeat`` times: ``--members`` sockets of one PLG; for each rate in ``--rates`` post for
   ``--duration`` seconds, round-robin over the members; every post carries a sequence number and its
   send time is kept, so every receiver's delivery gives a send-to-receive latency and every missing
   (receiver, message) pair counts as lost. Figures are the median over the repeats.

The server runs pinned to one core and this client to the other (``taskset``), both with the
file-descriptor limit raised. Everything is on loopback, every loop is bounded, and the servers,
the temp directory, the database and the Redis database used are removed at the end.

    .venv/bin/python benchmarks/ws_bench.py                 # 6000 connections, 200 members, daphne,uvicorn
    .venv/bin/python benchmarks/ws_bench.py --only floors --servers daphne --connections 1000 --duration 3
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from dataclasses import asdict, dataclass, field
from itertools import count
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.frames import Frame, Opcode
from websockets.protocol import State

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
TOKEN = re.compile(r"bnch(\d+)q(\d+)z")
FRAME_TYPE = re.compile(r'\{"type": ?"(\w+)"')
CLK_TCK = os.sysconf("SC_CLK_TCK")
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SERVER_KINDS = ("daphne", "uvicorn", "granian")
OUR_APP = "lernen25.asgi:application"
BARE_ASGI_APP = "benchmarks.bare_asgi_app:app"
TARGET_CONNECTIONS = 6000
TARGET_KIB_PER_CONNECTION = 64
TARGET_P99_MS = (10.0, 25.0)  # p99 at this rate (messages/s) to --members receivers, at most this many ms
CONNECT_ATTEMPTS = 3  # a failed handshake is retried, as the browser client reconnects
DRAIN_LIMIT = 60  # seconds after the last send of a rate that deliveries are waited for
STORM_POSTS = 5  # messages posted in every PLG's topic before the restart
STORM_POST_RATE = 25.0  # posts per second while posting them
STORM_ZERO_SHARE = 0.05  # share of the reconnecting clients that pretend to hold nothing (last_seq 0)
CATCH_UP_LIMIT = 500  # plc.selectors.CATCH_UP_LIMIT: a longer catch-up is refused with complete: false
FINAL_CLOSE_CODES = {4401, 4403, 4404, 4429}  # the browser does not retry at once after these
RUN_IDS = count()  # one per rate run in this invocation: the token of its posts


class BenchError(Exception):
    """A step failed; the message says which and why."""


class ServerUnusable(BenchError):
    """The server cannot be started or does not serve the endpoint: no phase of it can be measured."""


class SyncRefused(Exception):
    """The server answered ``sync`` with an error frame instead of ``synced``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- Processes ---------------------------------------------------------------------------------------


def raise_fd_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(wanted, soft)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pick_cores() -> tuple[int | None, int | None]:
    """(server core, client core), or (None, None) with fewer than two usable cores."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2 or shutil.which("taskset") is None:
        return None, None
    return cores[0], cores[1]


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot (first line of /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / CLK_TCK


def proc_stats() -> dict[int, tuple[str, list[str]]]:
    """pid → (command name, the fields of /proc/<pid>/stat after the name) of every process."""
    procs = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        procs[int(entry.name)] = (stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split())
    return procs


def services_seconds() -> float:
    """CPU seconds used so far by Redis and PostgreSQL (the postmaster's count includes ended backends)."""
    procs = proc_stats()
    total = 0
    for comm, fields in procs.values():
        times = [int(value) for value in fields[11:15]]  # utime, stime, cutime, cstime
        if comm.startswith("redis-server"):
            total += times[0] + times[1]
        elif comm == "postgres":
            backend = procs.get(int(fields[1]), ("",))[0] == "postgres"
            total += times[0] + times[1] if backend else sum(times)
    return total / CLK_TCK


class Load:
    """CPU used during an interval by Redis + PostgreSQL and by everything else besides server and client."""

    def __init__(self, server: Server | None = None):
        self.server = server
        self.machine, self.own, self.services = machine_busy_seconds(), time.process_time(), services_seconds()
        self.served = server.cpu_seconds() if server else 0.0

    def split(self) -> tuple[float, float]:
        """(Redis + PostgreSQL seconds, other seconds) since creation."""
        served = self.server.cpu_seconds() - self.served if self.server else 0.0
        services = services_seconds() - self.services
        other = machine_busy_seconds() - self.machine - (time.process_time() - self.own) - served - services
        return services, max(other, 0.0)


def wait_for_quiet(max_wait: float, threshold: float = 0.15) -> float:
    """Wait (at most ``max_wait`` s) until other processes use less than ``threshold`` of a core."""
    deadline = time.monotonic() + max_wait
    while True:
        load = Load()
        time.sleep(2)
        share = sum(load.split()) / 2
        if share <= threshold or time.monotonic() >= deadline:
            return share
        print(f"  waiting for a quiet machine: {share:.0%} of a core busy elsewhere", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server subprocess in its own session (so it and its children are stopped together).

    CPU and RSS are summed over the session's process group: granian runs its worker as a child process.
    """

    def __init__(self, name: str, cmd: list[str], *, env: dict, log_path: Path, port: int, core: int | None):
        self.name, self.env, self.log_path, self.port = name, env, log_path, port
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        prefix = []
        if core is not None:
            prefix += ["taskset", "-c", str(core)]
        if shutil.which("prlimit"):
            prefix += ["prlimit", f"--nofile={soft}:{hard}"]
        self.cmd = prefix + cmd
        self.proc: subprocess.Popen | None = None
        self.killed = False  # did not stop within 15 s of SIGTERM

    def start(self) -> None:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open for the server's lifetime
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid  # taskset and prlimit exec the command: same pid, the process group's leader

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerUnusable(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.2)
        raise ServerUnusable(
            f"{self.name} did not listen on port {self.port} within {timeout:.0f} s:\n{self.log_tail()}"
        )

    def group(self) -> list[int]:
        """The pids of the server's process group (the leader first)."""
        pids = [pid for pid, (_, fields) in proc_stats().items() if int(fields[2]) == self.pid]
        return sorted(pids, key=lambda pid: pid != self.pid)

    def rss_kib(self) -> int:
        total = 0
        for pid in self.group():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        if not total:
            raise BenchError(f"{self.name}: no VmRSS in /proc/<pid>/status")
        return total

    def cpu_seconds(self) -> float:
        total = 0
        for _, fields in proc_stats().values():
            if int(fields[2]) == self.pid:
                total += int(fields[11]) + int(fields[12])  # utime, stime of all threads
        return total / CLK_TCK

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL after 15 s; safe to call more than once."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.killed = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # children the leader left behind
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()


async def settle(server: Server, *, idle_share: float = 0.05, timeout: float = 60) -> float:
    """Wait until the server is idle or its load has levelled off; return seconds waited.

    Idle: less than ``idle_share`` of a core over a second. Levelled off: three seconds in a row below
    half a core and within five points of a core of each other (steady background work, such as
    presence renewals, not a backlog).
    """
    start, shares = time.monotonic(), []
    while time.monotonic() - start < timeout:
        before = server.cpu_seconds()
        await asyncio.sleep(1)
        shares.append(server.cpu_seconds() - before)
        recent = shares[-3:]
        if shares[-1] < idle_share or (len(recent) == 3 and max(recent) < 0.5 and max(recent) - min(recent) < 0.05):
            break
    return time.monotonic() - start


# --- Server kinds -------------------------------------------------------------------------------------


@dataclass
class Kind:
    """A server that runs an ASGI application: how it is started, and the choices made for it."""

    name: str
    version: str
    choices: dict[str, str]

    def command(self, app: str, port: int) -> list[str]:
        where = ["--host", "127.0.0.1", "--port", str(port)]
        if self.name == "daphne":
            return [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "-v", "0", app]
        if self.name == "uvicorn":
            options = f"--ws {self.choices['ws']} --ws-per-message-deflate false --http {self.choices['http']} "
            options += f"--loop {self.choices['loop']} --no-access-log --lifespan off --log-level warning"
            return [str(VENV_BIN / "uvicorn"), app, *where, *options.split()]
        # granian: one worker process with one runtime thread; asginl is ASGI without lifespan events
        options = "--interface asginl --ws --workers 1 --runtime-threads 1 --runtime-mode st --blocking-threads 1 "
        options += f"--loop {self.choices['loop']} --no-access-log --log-level warning"
        return [str(VENV_BIN / "granian"), *where, *options.split(), app]

    def describe(self) -> str:
        extra = ", ".join(f"{key} {value}" for key, value in self.choices.items())
        return f"{self.name} {self.version}" + (f" ({extra})" if extra else "")


def detect_kinds(names: list[str]) -> tuple[list[Kind], list[str]]:
    """The server kinds that can be run, and a message for each one that cannot."""
    kinds, skipped = [], []
    has_uvloop = importlib.util.find_spec("uvloop") is not None
    for name in names:
        if not (VENV_BIN / name).exists():
            skipped.append(
                f"{name}: not installed in {VENV_BIN} (.venv/bin/pip install uvicorn==0.54.0 granian==2.8.9)"
            )
            continue
        version = importlib.metadata.version(name)
        choices: dict[str, str] = {}
        if name == "daphne":
            choices = {"twisted": importlib.metadata.version("twisted"), "reactor": "asyncio"}
        elif name == "uvicorn":
            text = subprocess.run(
                [str(VENV_BIN / "uvicorn"), "--help"], capture_output=True, text=True, timeout=60, check=False
            ).stdout
            choices = {
                "ws": "websockets-sansio" if "websockets-sansio" in text else "websockets",
                "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
                "loop": "uvloop" if has_uvloop else "asyncio",
            }
        elif name == "granian":
            choices = {"loop": "uvloop" if has_uvloop else "asyncio", "runtime": "st, 1 thread"}
        kinds.append(Kind(name, version, choices))
    return kinds, skipped


# --- Our server: database, Redis, setup ---------------------------------------------------------------


@dataclass
class OursSetup:
    env: dict
    plgs: list[dict]
    topic_via: str


class OursEnvironment:
    """Throw-away database (PostgreSQL or SQLite) and an empty Redis database, removed by ``close``."""

    def __init__(self, *, db: str, tmp: Path, redis_url: str):
        self.db, self.tmp, self.redis_base = db, tmp, redis_url.rstrip("/")
        self.pg_name: str | None = None
        self.redis_db: int | None = None

    def open(self, port: int) -> dict:
        import redis

        for number in (14, 13, 12, 11, 10, 9, 8):
            client = redis.Redis.from_url(f"{self.redis_base}/{number}")
            if client.dbsize() == 0:
                self.redis_db = number
                break
        else:
            raise BenchError("no empty Redis database among 8–14 to use for the benchmark")
        if self.db == "postgres":
            import psycopg

            self.pg_name = f"lernen25_bench_{secrets.token_hex(4)}"
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
            database_url = f"postgres://postgres@127.0.0.1:5432/{self.pg_name}"
        else:
            database_url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_", "REDIS_", "DJANGO_", "ELASTICSEARCH_", "OIDC_"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "lernen25.settings",
                "LERNEN25_DOTENV": "/dev/null",
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SITE_URL": f"http://127.0.0.1:{port}",
                "STATIC_MANIFEST": "false",
                "SECURE_SSL_REDIRECT": "false",
                "SECURE_COOKIES": "false",
                "DATABASE_URL": database_url,
                "REDIS_URL": f"{self.redis_base}/{self.redis_db}",
                "EMAIL_URL": "dummymail://",
                "VAR_DIR": str(self.tmp / "var"),
                "MEDIA_ROOT": str(self.tmp / "media"),
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def flush_redis(self) -> None:
        """Empty the Redis database: rate-limit counters, presence, channel-layer groups of dead processes."""
        if self.redis_db is not None:
            import redis

            redis.Redis.from_url(f"{self.redis_base}/{self.redis_db}").flushdb()

    def query(self, sql: str) -> list[tuple]:
        try:
            if self.pg_name:
                import psycopg

                with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{self.pg_name}") as conn:
                    return conn.execute(sql).fetchall()
            import sqlite3

            with contextlib.closing(sqlite3.connect(self.tmp / "bench.sqlite3")) as conn:
                return conn.execute(sql).fetchall()
        except Exception as error:  # a renamed table or column: say which query
            raise BenchError(f"reading the discussion stream failed ({sql}): {error}") from None

    def positions(self) -> dict[int, int]:
        """PLG id → its stream position (``DiscussionSequence.last_seq``)."""
        return {int(plg): int(seq) for plg, seq in self.query("SELECT plg_id, last_seq FROM plc_discussionsequence")}

    def message_seqs(self) -> dict[int, list[int]]:
        """PLG id → the stream positions of its messages, ascending."""
        out: dict[int, list[int]] = defaultdict(list)
        for plg, seq in self.query("SELECT plg_id, seq FROM plc_message WHERE seq > 0 ORDER BY seq"):
            out[int(plg)].append(int(seq))
        return out

    def close(self) -> None:
        if self.pg_name:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            self.pg_name = None
        if self.redis_db is not None:
            self.flush_redis()
            self.redis_db = None


def manage(env: dict, *args: str, stdin_path: Path | None = None, timeout: float = 600) -> str:
    with contextlib.ExitStack() as stack:
        stdin = stack.enter_context(open(stdin_path, "rb")) if stdin_path else subprocess.DEVNULL
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


PRECHECK = """
from django.conf import settings
import django
django.setup()
from plc import models
missing = [name for name in ("Topic", "Message", "DiscussionSequence") if not hasattr(models, name)]
if missing:
    raise SystemExit("the discussion models are missing: plc.models." + ", ".join(missing))
tables = (models.DiscussionSequence._meta.db_table, models.Message._meta.db_table)
if tables != ("plc_discussionsequence", "plc_message"):
    raise SystemExit("ws_bench.py reads plc_discussionsequence and plc_message, the tables are now %s" % (tables,))
from lernen25.routing import websocket_urlpatterns
if not any(p.pattern.match(path) for p in websocket_urlpatterns for path in ("ws/plg/1/", "/ws/plg/1/")):
    raise SystemExit("lernen25/routing.py has no route for /ws/plg/<id>/ (the PLG consumer is not there yet)")
import plc.consumers
"""


def prepare_ours(env_holder: OursEnvironment, port: int, *, users: int, members: int) -> OursSetup:
    env = env_holder.open(port)
    done = subprocess.run(
        [sys.executable, "-c", PRECHECK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise BenchError(f"our server cannot be measured yet: {reason}")
    started = time.monotonic()
    manage(env, "migrate", "--noinput")
    manage(env, "setup_roles")
    out = env_holder.tmp / "setup.json"
    manage(
        {**env, "BENCH_USERS": str(users), "BENCH_MEMBERS": str(members), "BENCH_OUT": str(out)},
        "shell",
        stdin_path=BENCH_DIR / "bench_setup.py",
    )
    data = json.loads(out.read_text())
    print(f"setup: {users} users, {len(data['plgs'])} PLGs, {time.monotonic() - started:.0f} s ({data['topic_via']})")
    return OursSetup(env=env, plgs=data["plgs"], topic_via=data["topic_via"])


# --- Client --------------------------------------------------------------------------------------------


class TimedConnection(ClientConnection):
    """Notes when each message arrived (in the event loop's read callback), before its reader task runs.

    Latency is taken from this time, so the client's own task switching is not counted. ``open_socket``
    also keeps the ``synced`` frame and the stream positions of the catch-up that came before it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.arrivals: deque[float] = deque()
        self.read_at = 0.0
        self.synced: dict = {}
        self.catch_up: list[int] = []

    def data_received(self, data: bytes) -> None:
        self.read_at = time.perf_counter()
        super().data_received(data)

    def process_event(self, event) -> None:
        if isinstance(event, Frame) and event.fin and event.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
            self.arrivals.append(self.read_at)
        super().process_event(event)

    def arrived(self) -> float:
        """Arrival time of the message just received (one call per message, in order)."""
        return self.arrivals.popleft() if self.arrivals else time.perf_counter()


def frames_of(data: str | bytes) -> list[str]:
    """The frames in one WebSocket frame: our server sends messages written together as one JSON array."""
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    if not text.startswith("["):
        return [text]
    return [json.dumps(frame, ensure_ascii=False) for frame in json.loads(text)]


def frame_type(raw: str | bytes) -> str:
    """The ``type`` of a server frame without parsing all of it (servers write it first)."""
    match = FRAME_TYPE.match(raw if isinstance(raw, str) else raw.decode("utf-8", "replace"))
    return match.group(1) if match else "?"


@dataclass
class Target:
    """Where and as whom one client socket connects, and what it says it holds."""

    url: str
    origin: str
    session: str | None
    last_seq: int = 0  # what a client that has just loaded the page would send with sync
    have: list[int] = field(default_factory=list)  # positions above last_seq it holds


async def open_socket(target: Target, timeout: float = 30) -> TimedConnection:
    """Connect, send ``sync`` and wait for ``synced``: the socket is then authenticated and subscribed."""
    headers = {"Cookie": f"sessionid={target.session}"} if target.session else None
    ws = await connect(
        target.url,
        additional_headers=headers,
        origin=target.origin,
        compression=None,
        ping_interval=None,  # the server pings; the client answers automatically
        open_timeout=timeout,
        close_timeout=2,
        max_size=2**22,
        max_queue=256,
        user_agent_header=None,
        create_connection=TimedConnection,
    )
    refused = None
    try:
        sync = {"type": "sync", "last_seq": target.last_seq}
        if target.have:
            sync["have"] = target.have
        await ws.send(json.dumps(sync))
        try:
            async with asyncio.timeout(timeout) as budget:
                while True:
                    data = await ws.recv()
                    ws.arrived()
                    for raw in frames_of(data):
                        kind = frame_type(raw)
                        if kind == "message":
                            ws.catch_up.append(json.loads(raw).get("seq"))
                        elif kind == "synced":
                            ws.synced = json.loads(raw)
                            return ws
                        elif kind == "error":
                            # A refused handshake closes right after its error frame (then ConnectionClosed
                            # tells the code); a refused sync leaves the socket open without synced.
                            refused = json.loads(raw).get("code")
                            budget.reschedule(asyncio.get_running_loop().time() + 1)
        except TimeoutError:
            if refused:
                raise SyncRefused(refused) from None
            raise
    except BaseException:
        ws.transport.abort()
        raise


CONNECT_ERRORS = (OSError, TimeoutError, InvalidHandshake, ConnectionClosed, SyncRefused)


def failure_reason(error: BaseException) -> str:
    if isinstance(error, InvalidStatus):
        return f"HTTP {error.response.status_code}"
    if isinstance(error, ConnectionClosed):
        return f"closed {error.rcvd.code if error.rcvd else 'without close frame'}"
    if isinstance(error, SyncRefused):
        return f"sync answered with error {error.code}"
    if isinstance(error, TimeoutError):
        return "timeout"
    return type(error).__name__


def is_final(error: BaseException) -> bool:
    """A refusal the browser does not retry at once (docs/realtime.md, close codes)."""
    if isinstance(error, InvalidStatus):
        return error.response.status_code < 500
    if isinstance(error, ConnectionClosed) and error.rcvd:
        return error.rcvd.code in FINAL_CLOSE_CODES
    return False


async def open_all(targets: list[Target], concurrency: int) -> tuple[list[TimedConnection | None], Counter]:
    """One socket per target (None where every attempt failed), at most ``concurrency`` handshakes at once."""
    semaphore = asyncio.Semaphore(concurrency)
    failures: Counter = Counter()

    async def one(target: Target) -> TimedConnection | None:
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            async with semaphore:
                try:
                    return await open_socket(target)
                except CONNECT_ERRORS as error:
                    failures[failure_reason(error)] += 1
                    if is_final(error):
                        return None  # refused: trying again at once will not help
            await asyncio.sleep(attempt)  # like a client's reconnect back-off
        return None

    return list(await asyncio.gather(*(one(target) for target in targets))), failures


async def open_many(targets: list[Target], concurrency: int) -> tuple[list[TimedConnection], Counter]:
    sockets, failures = await open_all(targets, concurrency)
    return [ws for ws in sockets if ws is not None], failures


async def close_many(sockets: list[ClientConnection], timeout: float = 60) -> None:
    semaphore = asyncio.Semaphore(200)

    async def one(ws: ClientConnection) -> None:
        async with semaphore:
            with contextlib.suppress(Exception):
                await ws.close()

    try:
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(one(ws) for ws in sockets))
    except TimeoutError:
        pass
    for ws in sockets:
        if ws.state is not State.CLOSED:
            ws.transport.abort()


async def probe(target: Target, server: Server) -> None:
    """One socket through the whole handshake; a clear error when the endpoint is not there."""
    try:
        ws = await open_socket(target, timeout=15)
    except InvalidStatus as error:
        status = error.response.status_code
        hints = {403: " (session, origin or membership not accepted)", 404: " (no consumer routed at /ws/plg/<id>/)"}
        hint = hints.get(status, " (no consumer routed at /ws/plg/<id>/ yet?)" if status == 500 else "")
        raise ServerUnusable(f"{server.name} refused {target.url}: HTTP {status}{hint}\n{server.log_tail()}") from None
    except CONNECT_ERRORS as error:
        raise ServerUnusable(
            f"{server.name}: {target.url} did not answer sync with synced ({failure_reason(error)})\n"
            f"{server.log_tail()}"
        ) from None
    await ws.close()


# --- Phase 1: hold connections ------------------------------------------------------------------------


@dataclass
class HoldResult:
    wanted: int
    opened: int
    held: int
    failures: dict
    closes: dict
    connect_seconds: float
    connect_server_cpu: float
    services_cpu_share: float
    other_cpu_share: float
    rss_before_kib: int
    rss_after_kib: int
    settle_seconds: float
    holding_cpu_share: float
    rss_closed_kib: int
    close_settle_seconds: float

    @property
    def kib_per_connection(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) / max(self.held, 1)


async def hold_phase(server: Server, targets: list[Target], concurrency: int) -> HoldResult:
    await settle(server)
    rss_before = server.rss_kib()
    frames = Counter()
    closes: Counter = Counter()

    async def drain(ws: ClientConnection) -> None:
        try:
            async for _ in ws:
                ws.arrived()
                frames["in"] += 1
        except ConnectionClosed:
            pass
        if ws.close_code not in (1000, 1001, None):
            closes[ws.close_code] += 1

    started, cpu_before, load = time.monotonic(), server.cpu_seconds(), Load(server)
    sockets, failures = await open_many(targets, concurrency)
    connect_seconds = time.monotonic() - started
    connect_server_cpu = server.cpu_seconds() - cpu_before
    services_cpu, other_cpu = load.split()
    drains = [asyncio.create_task(drain(ws)) for ws in sockets]
    settle_seconds = await settle(server, timeout=120)
    cpu_before = server.cpu_seconds()
    await asyncio.sleep(5)
    holding_cpu_share = (server.cpu_seconds() - cpu_before) / 5
    rss_after = server.rss_kib()
    held = sum(1 for ws in sockets if ws.state is State.OPEN)
    await close_many(sockets)
    await asyncio.gather(*drains, return_exceptions=True)
    close_settle_seconds = await settle(server, timeout=120)  # closing thousands of sockets has an aftermath
    rss_closed = server.rss_kib()
    return HoldResult(
        wanted=len(targets),
        opened=len(sockets),
        held=held,
        failures=dict(failures),
        closes=dict(closes),
        connect_seconds=connect_seconds,
        connect_server_cpu=connect_server_cpu,
        services_cpu_share=services_cpu / max(connect_seconds, 1e-9),
        other_cpu_share=other_cpu / max(connect_seconds, 1e-9),
        rss_before_kib=rss_before,
        rss_after_kib=rss_after,
        settle_seconds=settle_seconds,
        holding_cpu_share=holding_cpu_share,
        rss_closed_kib=rss_closed,
        close_settle_seconds=close_settle_seconds,
    )


# --- Phase 2: reconnect storm after a restart ---------------------------------------------------------


@dataclass
class StormClient:
    """One client of the storm: what it held before the restart, and what its reconnect brought."""

    target: Target
    plg: int
    ws: TimedConnection | None = None
    seen: set = field(default_factory=set)  # stream positions that arrived live before the restart
    held_until: int = 0  # everything up to here was held before the restart (the first synced)
    zero: bool = False  # pretends to hold nothing: sync with last_seq 0
    expected: set = field(default_factory=set)  # what the catch-up must bring
    new: TimedConnection | None = None
    attempts: int = 0
    took: float = 0.0  # the successful attempt: start of the handshake → synced
    synced_at: float = 0.0
    late: list = field(default_factory=list)  # message frames after synced on the new socket


@dataclass
class StormResult:
    wanted: int
    held: int  # sockets open before the restart
    connect_failures: dict  # failed handshake attempts before the restart, by reason
    posts: int  # messages posted before the restart
    post_errors: dict
    not_live: int  # (client, message) pairs that did not arrive live before the restart
    old_closes: dict  # close codes the clients saw when the old process stopped
    stop_seconds: float  # SIGTERM → old process gone
    killed: bool  # the old process needed SIGKILL
    gap_seconds: float  # SIGTERM → new process listening
    window: float
    reconnected: int
    failed_clients: int
    attempt_failures: dict  # failed handshake attempts after the restart, by reason
    retried: int  # clients that needed more than one attempt
    incomplete: int  # synced with complete: false, or below the stream position
    missing_clients: int
    missing_messages: int
    duplicates: int  # positions sent that the client held, or twice
    zero_clients: int
    zero_complete: int  # last_seq-0 clients that received every message of their PLG
    caught_up: int  # messages delivered in catch-ups
    all_reconnected_seconds: float  # new process listening → last synced
    reconnect_p50: float
    reconnect_p99: float
    reconnect_max: float
    server_cpu: float
    wall: float
    services_cpu: float
    other_cpu: float
    client_cpu: float
    busy_after_seconds: float
    frames: dict  # frames the reconnected clients received after synced during the window, by type
    frame_bytes: int


def percentile(values: list[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


async def storm_phase(
    server: Server, restart, targets: list[Target], plgs: list[dict], holder: OursEnvironment, args
) -> StormResult:
    """Hold, post, restart, reconnect within ``--storm-seconds``; ``restart()`` starts the new process."""
    clients = [StormClient(target=target, plg=i // args.members) for i, target in enumerate(targets)]
    tasks: list[asyncio.Task] = []
    try:
        return await _storm(server, restart, clients, tasks, plgs, holder, args)
    finally:  # also after a failure: no socket or reader task outlives the phase
        for task in tasks:
            task.cancel()
        for c in clients:
            for ws in (c.ws, c.new):
                if ws is not None and ws.state is not State.CLOSED:
                    ws.transport.abort()


async def _storm(
    server: Server, restart, clients: list[StormClient], tasks: list, plgs: list[dict], holder: OursEnvironment, args
) -> StormResult:
    rng = random.Random(19)
    targets = [c.target for c in clients]
    sockets, connect_failures = await open_all(targets, args.concurrency)
    echoed: set[str] = set()
    post_errors: Counter = Counter()
    old_closes: Counter = Counter()

    async def follow(c: StormClient) -> None:
        ws = c.ws
        try:
            async for data in ws:
                ws.arrived()
                for raw in frames_of(data):
                    kind = frame_type(raw)
                    if kind == "message":
                        frame = json.loads(raw)
                        c.seen.add(frame.get("seq"))
                        if frame.get("client_id"):
                            echoed.add(frame["client_id"])
                    elif kind == "error":
                        post_errors[json.loads(raw).get("code")] += 1
        except ConnectionClosed:
            pass
        old_closes[ws.close_code] += 1

    for c, ws in zip(clients, sockets, strict=True):
        c.ws = ws
        if ws is not None:
            c.held_until = int(ws.synced.get("last_seq", 0))
    live = [c for c in clients if c.ws is not None]
    if not live:
        raise BenchError(f"{server.name}: none of the {len(targets)} sockets connected: {dict(connect_failures)}")
    followers = [asyncio.create_task(follow(c)) for c in live]
    tasks += followers
    await settle(server, timeout=120)

    # A few messages in every PLG's topic, each from another member, while everyone is connected.
    by_plg: dict[int, list[StormClient]] = defaultdict(list)
    for c in live:
        by_plg[c.plg].append(c)
    posts = 0
    for round_ in range(STORM_POSTS):
        for p, group in sorted(by_plg.items()):
            poster = group[round_ % len(group)]
            frame = {
                "type": "post",
                "topic": plgs[p]["topic"],
                "body": f"Sturm {round_}",
                "client_id": f"s{p}-{round_}",
            }
            with contextlib.suppress(ConnectionClosed):
                await poster.ws.send(json.dumps(frame))
                posts += 1
            await asyncio.sleep(1 / STORM_POST_RATE)
    deadline, last = time.monotonic() + 10, len(echoed)
    while len(echoed) < posts and time.monotonic() < deadline:  # echoed: committed
        await asyncio.sleep(0.1)
        if len(echoed) != last:
            deadline, last = time.monotonic() + 10, len(echoed)
    positions = await asyncio.to_thread(holder.positions)
    seqs = await asyncio.to_thread(holder.message_seqs)
    plg_ids = [plg["id"] for plg in plgs]

    def stream(c: StormClient, after: int) -> list[int]:
        """The positions of the client's PLG's messages above ``after``, up to its position before the restart."""
        ordered = seqs.get(plg_ids[c.plg], [])
        until = positions.get(plg_ids[c.plg], 0)
        return ordered[bisect.bisect_right(ordered, after) : bisect.bisect_right(ordered, until)]

    def unseen(c: StormClient) -> int:
        return sum(1 for s in stream(c, c.held_until) if s not in c.seen)

    deadline, last = time.monotonic() + 10, -1
    while time.monotonic() < deadline:  # until everyone got the posts live, or no progress for 10 s
        missing = sum(unseen(c) for c in live)
        if not missing:
            break
        if missing != last:
            deadline, last = time.monotonic() + 10, missing
        await asyncio.sleep(0.2)
    not_live = sum(unseen(c) for c in live)

    # What each client will say it holds, and what its catch-up must bring. 5 % pretend to hold nothing,
    # chosen among PLGs whose whole stream fits in one catch-up.
    for c in live:
        held_until = c.held_until
        while held_until + 1 in c.seen:
            held_until += 1
        have = sorted(s for s in c.seen if s > held_until)[:256]
        c.target.last_seq, c.target.have = held_until, have
        c.expected = set(stream(c, held_until)) - set(have)
    candidates = [c for c in live if len(stream(c, 0)) <= CATCH_UP_LIMIT]
    for c in rng.sample(candidates, min(len(candidates), round(STORM_ZERO_SHARE * len(live)))):
        c.zero, c.target.last_seq, c.target.have = True, 0, []
        c.expected = set(stream(c, 0))

    # The restart: SIGTERM, wait for the old process to go, start a new one on the same port.
    # Stopping and starting block the event loop for a few seconds: nothing else is to be done meanwhile,
    # and so Ctrl-C cannot leave a server starting in a thread after the clean-up.
    killed_at = time.perf_counter()
    server.stop()
    stop_seconds = time.perf_counter() - killed_at
    try:
        async with asyncio.timeout(15):
            await asyncio.gather(*followers, return_exceptions=True)
    except TimeoutError:
        pass
    for c in live:
        if c.ws.state is not State.CLOSED:
            c.ws.transport.abort()
    new = restart()
    ready_at = time.perf_counter()

    # Every client reconnects once, at a time spread uniformly over the window; up to three attempts.
    attempt_failures: Counter = Counter()
    frames: Counter = Counter()
    frame_bytes = 0
    order = list(live)
    rng.shuffle(order)
    window = args.storm_seconds

    async def follow_new(c: StormClient) -> None:
        nonlocal frame_bytes
        ws = c.new
        try:
            async for data in ws:
                ws.arrived()
                frame_bytes += len(data)
                for raw in frames_of(data):
                    kind = frame_type(raw)
                    frames[kind] += 1
                    if kind == "message":
                        c.late.append(json.loads(raw).get("seq"))
        except ConnectionClosed:
            pass

    async def reconnect(c: StormClient, at: float) -> asyncio.Task | None:
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            c.attempts, began = attempt, time.perf_counter()
            try:
                c.new = await open_socket(c.target, timeout=args.storm_timeout)
            except CONNECT_ERRORS as error:
                attempt_failures[failure_reason(error)] += 1
                if is_final(error) or attempt == CONNECT_ATTEMPTS:
                    return None
                await asyncio.sleep(min(30.0, 2.0**attempt) * rng.uniform(0.5, 1.0))  # the browser's back-off
                continue
            c.synced_at = time.perf_counter()
            c.took = c.synced_at - began
            return asyncio.create_task(follow_new(c))
        return None

    cpu_before, client_before, load = new.cpu_seconds(), time.process_time(), Load(new)
    frames.clear()
    reconnects = [reconnect(c, ready_at + (k + 0.5) * window / len(order)) for k, c in enumerate(order)]
    followers_new = [task for task in await asyncio.gather(*reconnects) if task is not None]
    tasks += followers_new
    done_at = time.perf_counter()
    server_cpu = new.cpu_seconds() - cpu_before
    client_cpu = time.process_time() - client_before
    services_cpu, other_cpu = load.split()
    counted_frames, counted_bytes = dict(frames), frame_bytes
    busy_after = await settle(new, timeout=60)

    reconnected = [c for c in live if c.new is not None]
    incomplete = missing_clients = missing_messages = duplicates = zero_complete = caught_up = 0
    for c in reconnected:
        got, unique = c.new.catch_up, set(c.new.catch_up)
        caught_up += len(got)
        held = set(c.target.have)  # empty for a client that pretends to hold nothing (last_seq 0)
        duplicates += len(got) - len(unique)  # twice in one catch-up
        duplicates += sum(1 for s in unique | set(c.late) if s in held or s <= c.target.last_seq)  # already held
        duplicates += sum(1 for s in c.late if s in unique)  # live again after the catch-up
        until = positions.get(plg_ids[c.plg], 0)
        if not c.new.synced.get("complete") or int(c.new.synced.get("last_seq", 0)) < until:
            incomplete += 1
        lacking = c.expected - set(got) - set(c.late)
        if lacking:
            missing_clients += 1
            missing_messages += len(lacking)
        elif c.zero:
            zero_complete += 1
    took = [c.took for c in reconnected]
    await close_many([c.new for c in reconnected])
    await asyncio.gather(*followers_new, return_exceptions=True)
    return StormResult(
        wanted=len(targets),
        held=len(live),
        connect_failures=dict(connect_failures),
        posts=posts,
        post_errors=dict(post_errors),
        not_live=not_live,
        old_closes={str(code): n for code, n in old_closes.items()},
        stop_seconds=stop_seconds,
        killed=server.killed,
        gap_seconds=ready_at - killed_at,
        window=window,
        reconnected=len(reconnected),
        failed_clients=len(live) - len(reconnected),
        attempt_failures=dict(attempt_failures),
        retried=sum(1 for c in live if c.attempts > 1),
        incomplete=incomplete,
        missing_clients=missing_clients,
        missing_messages=missing_messages,
        duplicates=duplicates,
        zero_clients=sum(1 for c in live if c.zero),
        zero_complete=zero_complete,
        caught_up=caught_up,
        all_reconnected_seconds=max((c.synced_at for c in reconnected), default=ready_at) - ready_at,
        reconnect_p50=percentile(took, 0.5),
        reconnect_p99=percentile(took, 0.99),
        reconnect_max=max(took, default=math.nan),
        server_cpu=server_cpu,
        wall=done_at - ready_at,
        services_cpu=services_cpu,
        other_cpu=other_cpu,
        client_cpu=client_cpu,
        busy_after_seconds=busy_after,
        frames=counted_frames,
        frame_bytes=counted_bytes,
    )


# --- Phase 3: latency and losses at fixed rates -------------------------------------------------------


@dataclass
class RateRun:
    index: int  # unique in this invocation: the token of its posts
    rate: float
    count: int
    receivers: int
    sent_at: list = field(default_factory=list)
    got: list = field(default_factory=list)
    latencies: list = field(default_factory=list)
    duplicates: int = 0
    send_failures: int = 0
    max_send_lag: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    services_cpu: float = 0.0
    other_cpu: float = 0.0
    wall: float = 0.0

    def __post_init__(self) -> None:
        self.sent_at = [None] * self.count
        self.got = [bytearray(self.count) for _ in range(self.receivers)]

    @property
    def delivered(self) -> int:
        return len(self.latencies)

    @property
    def lost(self) -> int:
        return self.count * self.receivers - self.delivered

    @property
    def cpu_per_delivery_us(self) -> float:
        return self.server_cpu / max(self.delivered, 1) * 1e6

    def percentile(self, share: float) -> float:
        return percentile(self.latencies, share)


@dataclass
class LatencyResult:
    members: int
    connected: int
    failures: dict
    runs: list[RateRun]
    errors: dict
    closes: dict


async def latency_phase(
    server: Server, targets: list[Target], topic: int, rates: list[float], duration: float, concurrency: int
) -> LatencyResult:
    sockets, failures = await open_many(targets, concurrency)
    if not sockets:
        raise BenchError(f"{server.name}: none of the {len(targets)} member sockets connected: {dict(failures)}")
    runs: dict[int, RateRun] = {}
    errors: Counter = Counter()
    closes: Counter = Counter()

    async def receive(index: int, ws: ClientConnection) -> None:
        try:
            async for data in ws:
                now = ws.arrived()
                for raw in frames_of(data):
                    kind = frame_type(raw)
                    if kind == "message":
                        match = TOKEN.search(json.loads(raw).get("html") or "")
                        run = runs.get(int(match.group(1))) if match else None
                        if run is None:
                            continue
                        seq = int(match.group(2))
                        if run.got[index][seq]:
                            run.duplicates += 1
                        else:
                            run.got[index][seq] = 1
                            run.latencies.append(now - run.sent_at[seq])
                    elif kind == "error":
                        errors[json.loads(raw).get("code")] += 1
        except ConnectionClosed:
            pass
        if ws.close_code not in (1000, 1001, None):
            closes[ws.close_code] += 1

    receivers = [asyncio.create_task(receive(i, ws)) for i, ws in enumerate(sockets)]
    await settle(server)
    padding = "x" * 80
    for rate in rates:
        run = RateRun(index=next(RUN_IDS), rate=rate, count=max(1, round(rate * duration)), receivers=len(sockets))
        runs[run.index] = run
        cpu_before, client_before, wall_before = server.cpu_seconds(), time.process_time(), time.perf_counter()
        load = Load(server)
        start = time.perf_counter() + 0.2
        for seq in range(run.count):
            due = start + seq / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            ws = sockets[seq % len(sockets)]
            frame = {
                "type": "post",
                "topic": topic,
                "body": f"bnch{run.index}q{seq}z {padding}",
                "client_id": f"b{run.index}-{seq}",
            }
            run.sent_at[seq] = time.perf_counter()
            try:
                await ws.send(json.dumps(frame))
            except ConnectionClosed:
                run.send_failures += 1
            run.max_send_lag = max(run.max_send_lag, time.perf_counter() - due)
        # Wait for stragglers: until everything arrived, 10 s pass without progress, or DRAIN_LIMIT after
        # the last send; what has not arrived by then counts as lost.
        limit = time.perf_counter() + DRAIN_LIMIT
        deadline, last = time.perf_counter() + 10, run.delivered
        while run.delivered < run.count * run.receivers and time.perf_counter() < min(deadline, limit):
            await asyncio.sleep(0.05)
            if run.delivered != last:
                deadline, last = time.perf_counter() + 10, run.delivered
        run.server_cpu = server.cpu_seconds() - cpu_before
        run.client_cpu = time.process_time() - client_before
        run.services_cpu, run.other_cpu = load.split()
        run.wall = time.perf_counter() - wall_before
        await settle(server, timeout=30)
    await close_many(sockets)
    await asyncio.gather(*receivers, return_exceptions=True)
    return LatencyResult(
        members=len(targets),
        connected=len(sockets),
        failures=dict(failures),
        runs=list(runs.values()),
        errors=dict(errors),
        closes=dict(closes),
    )


@dataclass
class RateSummary:
    """One rate over the repeats: medians, and each run's values."""

    rate: float
    p50_ms: float
    p99_ms: float
    cpu_per_delivery_us: float
    runs_p50_ms: list[float]
    runs_p99_ms: list[float]
    runs_cpu_per_delivery_us: list[float]
    lost: int
    expected: int
    duplicates: int
    send_failures: int
    max_send_lag_ms: float
    client_cpu_share: float  # the highest of the runs
    services_cpu_share: float  # median
    other_cpu_share: float  # the highest of the runs


def median(values: list[float]) -> float:
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else math.nan


def summarize_latency(results: list[LatencyResult]) -> list[RateSummary]:
    by_rate: dict[int, list[RateRun]] = defaultdict(list)
    for result in results:
        for position, run in enumerate(result.runs):
            by_rate[position].append(run)
    out = []
    for _, runs in sorted(by_rate.items()):
        p50 = [run.percentile(0.5) * 1000 for run in runs]
        p99 = [run.percentile(0.99) * 1000 for run in runs]
        per = [run.cpu_per_delivery_us for run in runs]
        out.append(
            RateSummary(
                rate=runs[0].rate,
                p50_ms=median(p50),
                p99_ms=median(p99),
                cpu_per_delivery_us=median(per),
                runs_p50_ms=p50,
                runs_p99_ms=p99,
                runs_cpu_per_delivery_us=per,
                lost=sum(run.lost for run in runs),
                expected=sum(run.count * run.receivers for run in runs),
                duplicates=sum(run.duplicates for run in runs),
                send_failures=sum(run.send_failures for run in runs),
                max_send_lag_ms=max(run.max_send_lag for run in runs) * 1000,
                client_cpu_share=max(run.client_cpu / max(run.wall, 1e-9) for run in runs),
                services_cpu_share=median([run.services_cpu / max(run.wall, 1e-9) for run in runs]),
                other_cpu_share=max(run.other_cpu / max(run.wall, 1e-9) for run in runs),
            )
        )
    return out


# --- Running one server ---------------------------------------------------------------------------------


@dataclass
class ServerResult:
    name: str  # the column title
    role: str  # "websockets" (floor), "bare-asgi" (floor per server kind), "ours"
    kind: str | None  # daphne, uvicorn, granian; None for the websockets floor
    command: list[str] = field(default_factory=list)
    hold: HoldResult | None = None
    storm: StormResult | None = None
    latency: list[LatencyResult] = field(default_factory=list)
    error: str | None = None  # nothing could be measured
    phase_errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def targets_for(port: int, plgs: list[dict] | None, count: int, members: int) -> list[Target]:
    origin = f"http://127.0.0.1:{port}"
    targets = []
    for i in range(count):
        if plgs:
            plg = plgs[i // members]
            url = f"ws://127.0.0.1:{port}/ws/plg/{plg['id']}/"
            targets.append(Target(url, origin, plg["sessions"][i % members], plg.get("last_seq", 0)))
        else:
            targets.append(Target(f"ws://127.0.0.1:{port}/ws/plg/{1 + i // members}/", origin, None))
    return targets


async def start_and_warm(server: Server, first: list[Target], topic: int) -> None:
    server.start()
    server.wait_ready()
    await probe(first[0], server)
    # Warm-up: a few sockets and one post, so lazily loaded code is in memory before any baseline.
    warm, _ = await open_many(first[:5], 5)
    if warm:
        await warm[0].send(json.dumps({"type": "post", "topic": topic, "body": "Aufwärmen", "client_id": "warm"}))
        await asyncio.sleep(1)
    await close_many(warm)


class Measurement:
    """The phases for one server under test, each on a fresh process of it."""

    def __init__(self, result: ServerResult, make_server, args, *, plgs=None, holder: OursEnvironment | None = None):
        self.result, self.make_server, self.args = result, make_server, args
        self.plgs, self.holder = plgs, holder
        self.topic = plgs[0]["topic"] if plgs else 1

    def refresh(self) -> None:
        """Ours: every client syncs from its PLG's current position, so no phase pays for an earlier one's posts."""
        if self.holder is not None:
            positions = self.holder.positions()
            for plg in self.plgs:
                plg["last_seq"] = positions.get(plg["id"], plg.get("last_seq", 0))

    def targets(self, port: int, count: int) -> list[Target]:
        return targets_for(port, self.plgs, count, self.args.members)

    async def start(self, phase: str) -> Server:
        server = self.make_server(phase)
        if self.holder is not None:
            self.holder.flush_redis()  # no rate-limit counters, presence or groups from earlier phases
        self.refresh()
        try:
            await start_and_warm(server, self.targets(server.port, self.args.members), self.topic)
            self.refresh()  # after the warm-up post
        except BaseException:
            server.stop()
            raise
        return server

    def log_note(self, phase: str, server: Server) -> None:
        if summary := summarize_log(server.log_path):
            self.result.notes.append(f"{phase}: server log: " + summary)

    async def run(self) -> None:
        args, result = self.args, self.result
        phases = [("hold", self.hold), ("storm", self.storm)] + [
            (f"latency {i + 1}/{args.repeat}", self.latency) for i in range(args.repeat)
        ]
        for phase, method in phases:
            if phase.split()[0] not in args.phases or (phase == "storm" and result.role != "ours"):
                continue
            try:
                await method(phase)
            except ServerUnusable:
                raise
            except (BenchError, OSError) as error:
                result.phase_errors[phase] = str(error)
                print(f"  {phase}: FAILED: {str(error).splitlines()[0]}", flush=True)

    async def hold(self, phase: str) -> None:
        args, result = self.args, self.result
        server = await self.start("hold")
        try:
            print(f"  hold: {args.connections} connections …", flush=True)
            result.hold = h = await hold_phase(server, self.targets(server.port, args.connections), args.concurrency)
            print(
                f"  held {h.held}/{h.wanted} (connect {h.connect_seconds:.1f} s), RSS {h.rss_before_kib / 1024:.1f} → "
                f"{h.rss_after_kib / 1024:.1f} MiB, {h.kib_per_connection:.1f} KiB each",
                flush=True,
            )
            if not server.alive():
                raise BenchError(f"{server.name} died during the hold phase:\n{server.log_tail()}")
            result.notes.append(f"hold: after the last handshake the server was busy for {h.settle_seconds:.0f} s more")
            result.notes.append(
                f"hold: after closing all sockets the server was busy for {h.close_settle_seconds:.0f} s"
            )
        finally:
            server.stop()
            self.log_note(phase, server)

    async def storm(self, phase: str) -> None:
        args, result = self.args, self.result
        servers = [await self.start("storm")]

        def restart() -> Server:
            new = self.make_server("storm-restarted")
            servers.append(new)
            new.start()
            try:
                new.wait_ready()
            except ServerUnusable as error:  # this phase failed, the next ones may still run
                raise BenchError(f"the restart failed: {error}") from None
            return new

        try:
            print(
                f"  storm: {args.connections} connections, restart, reconnect within {args.storm_seconds:g} s …",
                flush=True,
            )
            targets = self.targets(servers[0].port, args.connections)
            result.storm = s = await storm_phase(servers[0], restart, targets, self.plgs, self.holder, args)
            print(
                f"  reconnected {s.reconnected}/{s.held} in {s.all_reconnected_seconds:.1f} s, "
                f"failed {s.failed_clients}, incomplete {s.incomplete}, missing {s.missing_messages}, "
                f"server CPU {s.server_cpu:.1f} s",
                flush=True,
            )
        finally:
            for server in servers:
                server.stop()
            for server, which in zip(
                servers, ("storm (before the restart)", "storm (after the restart)"), strict=False
            ):
                self.log_note(which, server)

    async def latency(self, phase: str) -> None:
        args, result = self.args, self.result
        number = phase.split()[1].split("/")[0]
        server = await self.start(f"latency{number}")
        try:
            print(
                f"  {phase}: {args.members} members, rates {args.rates} msg/s, {args.duration:g} s each …", flush=True
            )
            targets = self.targets(server.port, args.members)
            lat = await latency_phase(server, targets, self.topic, args.rates, args.duration, args.concurrency)
            result.latency.append(lat)
            for run in lat.runs:
                print(
                    f"    {run.rate:g} msg/s: p50 {run.percentile(0.5) * 1000:.1f} ms, "
                    f"p99 {run.percentile(0.99) * 1000:.1f} ms, lost {run.lost}/{run.count * run.receivers}, "
                    f"CPU per delivery {run.cpu_per_delivery_us:.1f} µs",
                    flush=True,
                )
        finally:
            server.stop()
            self.log_note(phase, server)


def run_measurement(measurement: Measurement) -> None:
    try:
        asyncio.run(measurement.run())
    except BenchError as error:
        measurement.result.error = str(error)
        print(f"  NOT MEASURED: {str(error).splitlines()[0]}", flush=True)


def bare_env() -> dict:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}


def run_websockets_floor(args, tmp: Path, core: int | None) -> ServerResult:
    port = free_port()
    cmd = [sys.executable, str(BENCH_DIR / "bare_ws_server.py"), "--port", str(port)]
    result = ServerResult("websockets (floor)", "websockets", None, cmd)

    def make_server(phase: str) -> Server:
        return Server(
            "bare_ws_server", cmd, env=bare_env(), log_path=tmp / f"websockets-{phase}.log", port=port, core=core
        )

    print(f"floor: bare websockets server ({importlib.metadata.version('websockets')})", flush=True)
    run_measurement(Measurement(result, make_server, args))
    return result


def run_bare_asgi(kind: Kind, args, tmp: Path, core: int | None) -> ServerResult:
    port = free_port()
    cmd = kind.command(BARE_ASGI_APP, port)
    result = ServerResult(f"bare ASGI on {kind.name} (floor)", "bare-asgi", kind.name, cmd)
    result.notes.append(f"bare ASGI app writes: {args.bare_writer} (BARE_ASGI_WRITER)")
    env = {**bare_env(), "BARE_ASGI_WRITER": args.bare_writer}

    def make_server(phase: str) -> Server:
        return Server(
            f"{kind.name} (bare ASGI)",
            cmd,
            env=env,
            log_path=tmp / f"asgi-{kind.name}-{phase}.log",
            port=port,
            core=core,
        )

    print(f"floor: {kind.describe()} serving {BARE_ASGI_APP} (writes: {args.bare_writer})", flush=True)
    run_measurement(Measurement(result, make_server, args))
    return result


def run_ours(kind: Kind, args, tmp: Path, core: int | None, setup: OursSetup, holder: OursEnvironment) -> ServerResult:
    port = free_port()
    cmd = kind.command(OUR_APP, port)
    result = ServerResult(f"ours on {kind.name}", "ours", kind.name, cmd)
    result.notes.append(f"topic created via {setup.topic_via}")
    env = {**setup.env, "SITE_URL": f"http://127.0.0.1:{port}", **dict(item.split("=", 1) for item in args.server_env)}

    def make_server(phase: str) -> Server:
        return Server(
            f"{kind.name} (ours)", cmd, env=env, log_path=tmp / f"ours-{kind.name}-{phase}.log", port=port, core=core
        )

    print(f"ours: {kind.describe()} serving {OUR_APP}, {args.db}, Redis", flush=True)
    run_measurement(Measurement(result, make_server, args, plgs=setup.plgs, holder=holder))
    return result


def summarize_log(path: Path, top: int = 6) -> str:
    """The server log's warnings, errors and exceptions, counted, numbers and addresses blanked out."""
    counts: Counter = Counter()
    with contextlib.suppress(OSError):
        for line in path.read_text(errors="replace").splitlines():
            text = None
            if match := re.search(r" (WARNING|ERROR|CRITICAL) ([\w.]+): (.*)", line):
                text = f"{match.group(1)} {match.group(2)}: {match.group(3)}"
            elif match := re.search(r"\b(WARNING|ERROR|CRITICAL|Traceback)\b.*", line):
                text = match.group(0)
            elif re.match(r"^[\w.]+(Error|Exception|Warning): ", line):
                text = line
            if text:
                counts[re.sub(r"0x[0-9a-f]+|\d+", "N", text)[:160]] += 1
    return "; ".join(f"{n} × {text}" for text, n in counts.most_common(top))


# --- Report ----------------------------------------------------------------------------------------------


def ratio(ours: float | None, floor: float | None) -> str:
    if ours is None or floor is None or floor <= 0 or math.isnan(ours) or math.isnan(floor):
        return "–"
    return f"{ours / floor:.1f}×"


def shares(values: list[float], fmt: str = "{:.1f}") -> str:
    return " · ".join(fmt.format(v) for v in values)


def reasons(counter: dict) -> str:
    total = sum(counter.values())
    if not total:
        return "0"
    return f"{total} (" + ", ".join(f"{reason} {n}" for reason, n in sorted(counter.items(), key=lambda x: -x[1])) + ")"


def rows(result: ServerResult) -> dict[str, tuple[str, float | None]]:
    """Metric name → (shown text, number for the ratio)."""
    out: dict[str, tuple[str, float | None]] = {}
    if h := result.hold:
        out["connections held (one process)"] = (f"{h.held} / {h.wanted}", None)
        out["connect rate (connections/s)"] = (f"{h.opened / max(h.connect_seconds, 1e-9):.0f}", None)
        per_connect = h.connect_server_cpu / max(h.opened, 1) * 1000
        out["server CPU per connect (ms)"] = (f"{per_connect:.2f}", per_connect)
        out["connecting: Redis + PostgreSQL CPU"] = (f"{h.services_cpu_share:.0%}", None)
        out["connecting: other processes' CPU"] = (f"{h.other_cpu_share:.0%}", None)
        rss = f"{h.rss_before_kib / 1024:.0f} → {h.rss_after_kib / 1024:.0f} → {h.rss_closed_kib / 1024:.0f}"
        out["server RSS before → holding → all closed (MiB)"] = (rss, None)
        out["memory per connection (KiB)"] = (f"{h.kib_per_connection:.1f}", h.kib_per_connection)
        out["server CPU while holding them idle"] = (f"{h.holding_cpu_share:.0%}", None)
    if result.latency:
        lat = result.latency
        out["latency test: runs, receivers connected"] = (
            f"{len(lat)}, " + " · ".join(f"{r.connected}/{r.members}" for r in lat),
            None,
        )
        for s in summarize_latency(lat):
            label = f"{s.rate:g} msg/s"
            out[f"{label}: latency p50 (ms)"] = (f"{s.p50_ms:.1f}", s.p50_ms)
            out[f"{label}: latency p99 (ms)"] = (f"{s.p99_ms:.1f}", s.p99_ms)
            out[f"{label}: p50 / p99 of each run (ms)"] = (
                " · ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(s.runs_p50_ms, s.runs_p99_ms, strict=True)),
                None,
            )
            out[f"{label}: server CPU per delivery (µs)"] = (f"{s.cpu_per_delivery_us:.1f}", s.cpu_per_delivery_us)
            out[f"{label}: CPU per delivery of each run (µs)"] = (shares(s.runs_cpu_per_delivery_us), None)
            out[f"{label}: lost / expected deliveries"] = (f"{s.lost} / {s.expected}", None)
            out[f"{label}: duplicated deliveries"] = (f"{s.duplicates}", None)
            out[f"{label}: client CPU busy (highest)"] = (f"{s.client_cpu_share:.0%}", None)
            out[f"{label}: Redis + PostgreSQL CPU"] = (f"{s.services_cpu_share:.0%}", None)
            out[f"{label}: other processes' CPU (highest)"] = (f"{s.other_cpu_share:.0%}", None)
    if s := result.storm:
        out["storm: sockets held before the restart"] = (f"{s.held} / {s.wanted}", None)
        out["storm: messages posted before it (not received live)"] = (f"{s.posts} ({s.not_live})", None)
        stopped = f"{s.stop_seconds:.1f}" + (" (SIGKILL)" if s.killed else "")
        out["storm: SIGTERM → old process gone → new one listening (s)"] = (f"{stopped} → {s.gap_seconds:.1f}", None)
        out["storm: reconnected"] = (f"{s.reconnected} / {s.held}", None)
        out["storm: clients failing all 3 attempts"] = (f"{s.failed_clients}", None)
        out["storm: failed handshake attempts (by reason)"] = (reasons(s.attempt_failures), None)
        out["storm: clients that needed a retry"] = (f"{s.retried}", None)
        out["storm: incomplete catch-ups"] = (f"{s.incomplete}", None)
        out["storm: messages missing after catch-up (clients)"] = (f"{s.missing_messages} ({s.missing_clients})", None)
        out["storm: duplicated in catch-ups"] = (f"{s.duplicates}", None)
        out["storm: last_seq 0 clients that got their PLG's whole stream"] = (
            f"{s.zero_complete} / {s.zero_clients}",
            None,
        )
        took = f"{s.all_reconnected_seconds:.1f}" if s.reconnected else "–"
        out["storm: window; time to all reconnected (s)"] = (f"{s.window:g}; {took}", None)
        took = " / ".join(f"{v * 1000:.0f}" for v in (s.reconnect_p50, s.reconnect_p99, s.reconnect_max))
        out["storm: reconnect p50 / p99 / max (ms)"] = (took if s.reconnected else "–", None)
        per = f"{s.server_cpu / s.reconnected * 1000:.2f} ms" if s.reconnected else "–"
        out["storm: server CPU (share of a core; per reconnect)"] = (
            f"{s.server_cpu / max(s.wall, 1e-9):.0%}; {per}",
            None,
        )
        out["storm: Redis + PostgreSQL CPU; client CPU"] = (
            f"{s.services_cpu / max(s.wall, 1e-9):.0%}; {s.client_cpu / max(s.wall, 1e-9):.0%}",
            None,
        )
        frames = ", ".join(f"{kind} {n}" for kind, n in sorted(s.frames.items(), key=lambda x: -x[1]))
        out["storm: frames after synced during it (MiB)"] = (f"{frames or '0'} ({s.frame_bytes / 2**20:.1f})", None)
        out["storm: server busy after the last synced (s)"] = (f"{s.busy_after_seconds:.0f}", None)
    return out


def table(columns: list[ServerResult], ratios: list[tuple[str, ServerResult, ServerResult]]) -> list[str]:
    """A markdown table: one column per result, then one per (title, numerator, denominator) ratio."""
    all_rows = [rows(r) for r in columns]
    names = list(dict.fromkeys(name for r in all_rows for name in r))
    header = ["metric", *(r.name for r in columns), *(title for title, _, _ in ratios)]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |"]
    for name in names:
        line = [name, *(r.get(name, ("–", None))[0] for r in all_rows)]
        for _, top, bottom in ratios:
            line.append(ratio(rows(top).get(name, ("", None))[1], rows(bottom).get(name, ("", None))[1]))
        lines.append("| " + " | ".join(line) + " |")
    return lines


def measured(result: ServerResult | None) -> bool:
    return result is not None and not result.error and bool(result.hold or result.latency or result.storm)


def report(results: list[ServerResult], kinds: list[Kind], args) -> str:
    lines = []
    floor = next((r for r in results if r.role == "websockets" and measured(r)), None)
    groups = [(k.name, k.describe()) for k in kinds] or [(None, "websockets floor only")]
    for name, title in groups:
        asgi = next((r for r in results if r.role == "bare-asgi" and r.kind == name and measured(r)), None)
        ours = next((r for r in results if r.role == "ours" and r.kind == name and measured(r)), None)
        columns = [r for r in (floor, asgi, ours) if r is not None]
        if not columns:
            continue
        ratios = []
        top = ours or asgi
        if top is not None and floor is not None and top is not floor:
            ratios.append(("ours / websockets" if ours else "bare ASGI / websockets", top, floor))
        if ours is not None and asgi is not None:
            ratios.append(("ours / bare ASGI", ours, asgi))
        lines += [f"\n### {title}\n", *table(columns, ratios)]
    ours_all = [r for r in results if r.role == "ours" and measured(r)]
    if len(ours_all) > 1:
        lines += ["\n### ours on each server (medians)\n", *table(ours_all, [])]
    for r in results:
        if r.error:
            lines.append(f"\n{r.name}: NOT MEASURED: {r.error}")
            continue
        extra = [f"{phase}: FAILED: {error}" for phase, error in r.phase_errors.items()]
        if r.hold and (r.hold.failures or r.hold.closes):
            extra.append(f"hold: failed handshake attempts {r.hold.failures}, closed by server {r.hold.closes}")
        for number, lat in enumerate(r.latency, 1):
            if lat.failures or lat.errors or lat.closes or lat.connected < lat.members:
                extra.append(
                    f"latency run {number}: {lat.connected}/{lat.members} members connected, failed attempts "
                    f"{lat.failures}, error frames {lat.errors}, closed by server {lat.closes}"
                )
            for run in lat.runs:
                if run.duplicates or run.send_failures or run.max_send_lag > 0.1:
                    extra.append(
                        f"latency run {number}, {run.rate:g} msg/s: duplicates {run.duplicates}, failed sends "
                        f"{run.send_failures}, max send lag {run.max_send_lag * 1000:.0f} ms"
                    )
        if s := r.storm:
            if s.connect_failures or s.post_errors:
                extra.append(
                    f"storm: before the restart failed attempts {s.connect_failures}, error frames {s.post_errors}"
                )
            extra.append(f"storm: close codes the clients saw when the old process stopped: {s.old_closes}")
        extra += r.notes
        if extra:
            lines.append(f"\n{r.name}:\n  " + "\n  ".join(extra))
    met = {True: "met", False: "NOT met"}
    for ours in ours_all:
        lines.append(f"\nTargets ({ours.name}):")
        if h := ours.hold:
            lines.append(
                f"  ≥ {TARGET_CONNECTIONS} connections on one process: {met[h.held >= TARGET_CONNECTIONS]} ({h.held})"
            )
            kib_ok = h.kib_per_connection <= TARGET_KIB_PER_CONNECTION
            lines.append(
                f"  ≤ {TARGET_KIB_PER_CONNECTION} KiB per connection: {met[kib_ok]} ({h.kib_per_connection:.1f})"
            )
        if ours.latency:
            summary = summarize_latency(ours.latency)
            lost = {f"{s.rate:g}": s.lost for s in summary}
            lines.append(f"  nothing lost at any rate: {met[not any(lost.values())]} (lost per rate {lost})")
            rate, limit = TARGET_P99_MS
            for s in summary:
                if s.rate == rate and not math.isnan(s.p99_ms):
                    lines.append(
                        f"  p99 ≤ {limit:g} ms at {rate:g} msg/s (median): {met[s.p99_ms <= limit]} ({s.p99_ms:.1f} ms)"
                    )
        if s := ours.storm:
            bad = s.failed_clients + s.incomplete + s.missing_clients + s.duplicates + sum(s.attempt_failures.values())
            lines.append(
                f"  reconnect storm without failures: {met[not bad]} (failed clients {s.failed_clients}, "
                f"failed attempts {sum(s.attempt_failures.values())}, incomplete {s.incomplete}, "
                f"missing {s.missing_messages}, duplicated {s.duplicates})"
            )
    return "\n".join(lines)


def to_json(results: list[ServerResult], kinds: list[Kind], skipped: list[str], args, seconds: float) -> dict:
    out = []
    for r in results:
        entry = {
            "name": r.name,
            "role": r.role,
            "kind": r.kind,
            "command": r.command,
            "error": r.error,
            "phase_errors": r.phase_errors,
            "notes": r.notes,
        }
        if r.hold:
            entry["hold"] = {**asdict(r.hold), "kib_per_connection": r.hold.kib_per_connection}
            entry["hold"]["closes"] = {str(k): v for k, v in r.hold.closes.items()}
        if r.storm:
            entry["storm"] = asdict(r.storm)
        if r.latency:
            entry["latency"] = {
                "medians": [asdict(s) for s in summarize_latency(r.latency)],
                "repeats": [
                    {
                        "members": lat.members,
                        "connected": lat.connected,
                        "failures": lat.failures,
                        "errors": lat.errors,
                        "closes": {str(k): v for k, v in lat.closes.items()},
                        "runs": [
                            {
                                "rate": run.rate,
                                "sent": run.count,
                                "receivers": run.receivers,
                                "delivered": run.delivered,
                                "lost": run.lost,
                                "duplicates": run.duplicates,
                                "p50_ms": run.percentile(0.5) * 1000,
                                "p99_ms": run.percentile(0.99) * 1000,
                                "max_ms": max(run.latencies, default=math.nan) * 1000,
                                "server_cpu_s": run.server_cpu,
                                "cpu_per_delivery_us": run.cpu_per_delivery_us,
                                "client_cpu_s": run.client_cpu,
                                "services_cpu_s": run.services_cpu,
                                "other_cpu_s": run.other_cpu,
                                "wall_s": run.wall,
                                "max_send_lag_ms": run.max_send_lag * 1000,
                            }
                            for run in lat.runs
                        ],
                    }
                    for lat in r.latency
                ],
            }
        out.append(entry)
    return {
        "args": {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()},
        "seconds": seconds,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()},
        "servers": {k.name: {"version": k.version, "choices": k.choices} for k in kinds},
        "skipped": skipped,
        "websockets": importlib.metadata.version("websockets"),
        "results": out,
    }


def estimate_seconds(args, kinds: list[Kind]) -> float:
    """A rough run time on two idle cores (measured 2026-11: ~150 handshakes/s for ours, ~600 for the floors)."""
    latency = args.repeat * (8 + len(args.rates) * (args.duration + 2.5)) if "latency" in args.phases else 0
    hold = 20 + args.connections / 150 if "hold" in args.phases else 0
    # the storm: handshakes, posts, restart, the window (or as long as ~100 reconnects/s take), closing
    storm = 30 + args.connections / 150 + max(args.storm_seconds, args.connections / 100) + 15
    storm = storm if "storm" in args.phases else 0
    floor_hold = 15 + args.connections / 600 if "hold" in args.phases else 0
    total = 0.0
    if args.only in (None, "floors"):
        total += (1 + len(kinds)) * (floor_hold + latency)
    if args.only in (None, "ours") and kinds:
        total += 30 + max(args.connections, args.members) / 100 + len(kinds) * (hold + storm + latency)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=TARGET_CONNECTIONS, help="sockets to hold (default 6000)")
    parser.add_argument("--members", type=int, default=200, help="members of the PLG the latency test posts to")
    parser.add_argument("--rates", default="1,10,50", help="messages per second, comma-separated")
    parser.add_argument("--duration", type=float, default=15, help="seconds per rate (default 15)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="latency runs per server, a fresh process each (default 3)"
    )
    parser.add_argument(
        "--servers", default="daphne,uvicorn", help=f"server kinds to run, comma-separated, of {','.join(SERVER_KINDS)}"
    )
    parser.add_argument(
        "--only",
        choices=["floors", "ours", "bare"],
        help="floors: the two floors only; ours: our server only (bare = floors)",
    )
    parser.add_argument("--phases", default="hold,storm,latency", help="phases to run, comma-separated")
    parser.add_argument(
        "--storm-seconds", type=float, default=30, help="window the reconnects are spread over (default 30)"
    )
    parser.add_argument(
        "--storm-timeout",
        type=float,
        default=30,
        help="seconds a reconnecting client waits for the handshake, and then for synced (default 30)",
    )
    parser.add_argument(
        "--bare-writer",
        choices=["task", "direct"],
        default="task",
        help="how the bare-ASGI floor writes: a writer task per socket (default) or each send awaited in turn",
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres", help="database of our server")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis (an empty database 8–14 is used)")
    parser.add_argument("--concurrency", type=int, default=50, help="handshakes in flight while connecting")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--logs", type=Path, help="keep the servers' logs in this directory")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE", help="extra environment for our server"
    )
    parser.add_argument(
        "--wait-quiet", type=float, default=0, metavar="SECONDS", help="first wait up to this long for an idle machine"
    )
    args = parser.parse_args()
    args.rates = [float(rate) for rate in args.rates.split(",") if rate.strip()]
    args.servers = [name.strip() for name in args.servers.split(",") if name.strip()]
    args.phases = [name.strip() for name in args.phases.split(",") if name.strip()]
    args.only = "floors" if args.only == "bare" else args.only
    if unknown := set(args.servers) - set(SERVER_KINDS):
        parser.error(f"unknown server kinds {sorted(unknown)}; known: {', '.join(SERVER_KINDS)}")
    if unknown := set(args.phases) - {"hold", "storm", "latency"}:
        parser.error(f"unknown phases {sorted(unknown)}; known: hold, storm, latency")
    if any("=" not in item for item in args.server_env):
        parser.error("--server-env takes NAME=VALUE")
    if args.connections < 1 or args.members < 1 or not args.rates or min(args.rates) <= 0 or args.duration <= 0:
        parser.error("connections, members, rates and duration must be positive")
    if args.repeat < 1 or args.storm_seconds <= 0 or args.storm_timeout <= 0:
        parser.error("--repeat must be at least 1, --storm-seconds and --storm-timeout positive")
    if args.duration * max(args.rates) > 100_000:
        parser.error("duration × rate is limited to 100,000 messages")

    limit = raise_fd_limit(args.connections + 1000)
    if limit < args.connections + 100:
        parser.error(f"open-file limit {limit}: raise the hard limit (ulimit -Hn) above {args.connections + 100}")
    server_core, client_core = pick_cores()
    if client_core is not None:
        os.sched_setaffinity(0, {client_core})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up below
    kinds, skipped = detect_kinds(args.servers)

    print(
        f"ws_bench: {args.connections} connections, {args.members} members, rates {args.rates} msg/s, "
        f"{args.duration:g} s each, {args.repeat} latency runs; phases {','.join(args.phases)}; "
        f"server core {server_core}, client core {client_core}, fd limit {limit}",
        flush=True,
    )
    for kind in kinds:
        print(f"  {kind.describe()}", flush=True)
    for message in skipped:
        print(f"  SKIPPED {message}", flush=True)
    print(f"  expected run time: about {estimate_seconds(args, kinds) / 60:.0f} min on two idle cores", flush=True)
    share = wait_for_quiet(args.wait_quiet)
    print(f"  other processes at start: {share:.0%} of a core", flush=True)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="lernen25-wsbench-"))
    results: list[ServerResult] = []
    holder = OursEnvironment(db=args.db, tmp=tmp, redis_url=args.redis)
    try:
        if args.only in (None, "floors"):
            results.append(run_websockets_floor(args, tmp, server_core))
        setup, setup_error = None, None
        if args.only in (None, "ours") and kinds:
            try:
                users = max(args.connections, args.members)
                setup = prepare_ours(holder, free_port(), users=users, members=args.members)
            except (BenchError, subprocess.TimeoutExpired) as error:
                setup_error = str(error)
        for kind in kinds:
            if args.only in (None, "floors"):
                results.append(run_bare_asgi(kind, args, tmp, server_core))
            if args.only in (None, "ours"):
                if setup is None:
                    results.append(ServerResult(f"ours on {kind.name}", "ours", kind.name, error=setup_error))
                else:
                    results.append(run_ours(kind, args, tmp, server_core, setup, holder))
    except KeyboardInterrupt:
        print(
            "\ninterrupted: servers stopped; removing the database, the Redis database and the temp directory",
            flush=True,
        )
        return 130
    finally:
        holder.close()
        if args.logs:
            args.logs.mkdir(parents=True, exist_ok=True)
            for log in tmp.glob("*.log"):
                shutil.copy(log, args.logs / log.name)
        shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.monotonic() - started
    print(f"\nResults ({seconds:.0f} s in all)")
    for message in skipped:
        print(f"\nSKIPPED {message}")
    print(report(results, kinds, args))
    if args.json:
        args.json.write_text(json.dumps(to_json(results, kinds, skipped, args, seconds), indent=2, default=str))
    return 1 if any(r.error or r.phase_errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

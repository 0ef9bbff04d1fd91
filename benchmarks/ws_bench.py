"""WebSocket benchmark for the PLG discussion (issue 4): our daphne + Channels server against a bare floor.

For each server under test (the bare ``websockets`` broadcast server of ``bare_ws_server.py`` as the
floor, then ``daphne lernen25.asgi:application`` with Redis and a throw-away database), each phase on a
fresh server process:

1. hold: open ``--connections`` authenticated sockets on the one server process (each sends ``sync`` and
   waits for ``synced``), let the server settle, and read its RSS (``/proc/<pid>/status`` VmRSS) before
   and after: memory per connection = (after - before) / held;
2. latency: ``--members`` sockets of one PLG; for each rate in ``--rates`` post for ``--duration`` seconds,
   round-robin over the members; every post carries a sequence number and its send time is kept, so
   every receiver's delivery gives a send-to-receive latency and every missing (receiver, message)
   pair counts as lost.

The server runs pinned to one core and this client to the other (``taskset``), both with the
file-descriptor limit raised. Everything is on loopback, every loop is bounded, and the servers,
the temp directory, the database and the Redis database used are removed at the end.

    .venv/bin/python benchmarks/ws_bench.py                 # defaults: 6000 connections, 200 members, 1,10,50 msg/s
    .venv/bin/python benchmarks/ws_bench.py --only bare --connections 1000 --duration 5
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.frames import Frame, Opcode
from websockets.protocol import State

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
TOKEN = re.compile(r"bnch(\d+)q(\d+)z")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_CONNECTIONS = 6000
TARGET_KIB_PER_CONNECTION = 64
TARGET_P99_MS = (10.0, 25.0)  # p99 at this rate (messages/s) to --members receivers, at most this many ms
CONNECT_ATTEMPTS = 3  # a failed handshake is retried, as the browser client reconnects
DRAIN_LIMIT = 60  # seconds after the last send of a rate that deliveries are waited for


class BenchError(Exception):
    """A step failed; the message says which and why."""


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


def services_seconds() -> float:
    """CPU seconds used so far by Redis and PostgreSQL (the postmaster's count includes ended backends)."""
    procs = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        times = [int(value) for value in fields[11:15]]  # utime, stime, cutime, cstime
        procs[int(entry.name)] = (stat[stat.index("(") + 1 : stat.rindex(")")], int(fields[1]), times)
    total = 0
    for comm, ppid, times in procs.values():
        if comm.startswith("redis-server"):
            total += times[0] + times[1]
        elif comm == "postgres":
            backend = procs.get(ppid, ("",))[0] == "postgres"
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
    """A server subprocess in its own session (so it and its children are stopped together)."""

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

    def start(self) -> None:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open for the server's lifetime
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid  # taskset and prlimit exec the command: same pid

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.2)
        raise BenchError(f"{self.name} did not listen on port {self.port} within {timeout:.0f} s:\n{self.log_tail()}")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise BenchError("no VmRSS in /proc/<pid>/status")

    def cpu_seconds(self) -> float:
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime of all threads

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
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

    def close(self) -> None:
        if self.pg_name:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            self.pg_name = None
        if self.redis_db is not None:
            import redis

            redis.Redis.from_url(f"{self.redis_base}/{self.redis_db}").flushdb()
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
missing = [name for name in ("Topic", "Message") if not hasattr(models, name)]
if missing:
    raise SystemExit("the discussion models are missing: plc.models." + ", ".join(missing))
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
    print(f"  setup: {users} users, {len(data['plgs'])} PLGs, {time.monotonic() - started:.0f} s ({data['topic_via']})")
    return OursSetup(env=env, plgs=data["plgs"], topic_via=data["topic_via"])


# --- Client --------------------------------------------------------------------------------------------


class TimedConnection(ClientConnection):
    """Notes when each message arrived (in the event loop's read callback), before its reader task runs.

    Latency is taken from this time, so the client's own task switching is not counted.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.arrivals: deque[float] = deque()
        self.read_at = 0.0

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


@dataclass
class Target:
    """Where and as whom one client socket connects."""

    url: str
    origin: str
    session: str | None
    last_seq: int = 0  # what a client that has just loaded the page would send with sync


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
    try:
        await ws.send(json.dumps({"type": "sync", "last_seq": target.last_seq}))
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await ws.recv())
                ws.arrived()
                if frame.get("type") == "synced":
                    return ws
    except BaseException:
        ws.transport.abort()
        raise


def failure_reason(error: BaseException) -> str:
    if isinstance(error, InvalidStatus):
        return f"HTTP {error.response.status_code}"
    if isinstance(error, ConnectionClosed):
        return f"closed {error.rcvd.code if error.rcvd else 'without close frame'}"
    if isinstance(error, TimeoutError):
        return "timeout"
    return type(error).__name__


async def open_many(targets: list[Target], concurrency: int) -> tuple[list[ClientConnection], Counter]:
    semaphore = asyncio.Semaphore(concurrency)
    failures: Counter = Counter()

    async def one(target: Target) -> ClientConnection | None:
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            async with semaphore:
                try:
                    return await open_socket(target)
                except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed) as error:
                    failures[failure_reason(error)] += 1
                    if isinstance(error, InvalidStatus) and error.response.status_code < 500:
                        return None  # refused (403, 404): trying again will not help
            await asyncio.sleep(attempt)  # like a client's reconnect back-off
        return None

    results = await asyncio.gather(*(one(target) for target in targets))
    return [ws for ws in results if ws is not None], failures


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
        raise BenchError(f"{server.name} refused {target.url}: HTTP {status}{hint}\n{server.log_tail()}") from None
    except (ConnectionClosed, TimeoutError, OSError, InvalidHandshake) as error:
        raise BenchError(
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


# --- Phase 2: latency and losses at fixed rates -------------------------------------------------------


@dataclass
class RateRun:
    index: int
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

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


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
            async for raw in ws:
                now = ws.arrived()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message":
                    match = TOKEN.search(frame.get("html") or "")
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
                    errors[frame.get("code")] += 1
        except ConnectionClosed:
            pass
        if ws.close_code not in (1000, 1001, None):
            closes[ws.close_code] += 1

    receivers = [asyncio.create_task(receive(i, ws)) for i, ws in enumerate(sockets)]
    await settle(server)
    padding = "x" * 80
    for index, rate in enumerate(rates):
        run = RateRun(index=index, rate=rate, count=max(1, round(rate * duration)), receivers=len(sockets))
        runs[index] = run
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
                "body": f"bnch{index}q{seq}z {padding}",
                "client_id": f"b{index}-{seq}",
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


# --- Running one server ---------------------------------------------------------------------------------


@dataclass
class ServerResult:
    name: str
    hold: HoldResult | None = None
    latency: LatencyResult | None = None
    error: str | None = None
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


async def measure(make_server, args, plgs: list[dict] | None, topic: int, result: ServerResult) -> None:
    """Hold phase and latency phase, each on a fresh server process (so one's aftermath cannot skew the other)."""
    server = make_server("hold")
    first = targets_for(server.port, plgs, args.members, args.members)
    try:
        await start_and_warm(server, first, topic)
        print(f"  hold: {args.connections} connections …", flush=True)
        hold_targets = targets_for(server.port, plgs, args.connections, args.members)
        result.hold = h = await hold_phase(server, hold_targets, args.concurrency)
        print(
            f"  held {h.held}/{h.wanted} (connect {h.connect_seconds:.1f} s), RSS {h.rss_before_kib / 1024:.1f} → "
            f"{h.rss_after_kib / 1024:.1f} MiB, {h.kib_per_connection:.1f} KiB each",
            flush=True,
        )
        if not server.alive():
            raise BenchError(f"{server.name} died during the hold phase:\n{server.log_tail()}")
        result.notes.append(f"hold: after the last handshake the server was busy for {h.settle_seconds:.0f} s more")
        result.notes.append(f"hold: after closing all sockets the server was busy for {h.close_settle_seconds:.0f} s")
        if summary := summarize_log(server.log_path):
            result.notes.append("hold: server log: " + summary)
    finally:
        server.stop()

    server = make_server("latency")
    try:
        await start_and_warm(server, first, topic)
        print(f"  latency: {args.members} members, rates {args.rates} msg/s, {args.duration:g} s each …", flush=True)
        result.latency = await latency_phase(server, first, topic, args.rates, args.duration, args.concurrency)
        for run in result.latency.runs:
            print(
                f"  {run.rate:g} msg/s: p50 {run.percentile(0.5) * 1000:.1f} ms, "
                f"p99 {run.percentile(0.99) * 1000:.1f} ms, lost {run.lost}/{run.count * run.receivers}",
                flush=True,
            )
        if summary := summarize_log(server.log_path):
            result.notes.append("latency: server log: " + summary)
    finally:
        server.stop()


def run_bare(args, tmp: Path, core: int | None) -> ServerResult:
    result = ServerResult("bare websockets")
    port = free_port()

    def make_server(phase: str) -> Server:
        return Server(
            "bare_ws_server",
            [sys.executable, str(BENCH_DIR / "bare_ws_server.py"), "--port", str(port)],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            log_path=tmp / f"bare-{phase}.log",
            port=port,
            core=core,
        )

    print("bare websockets server (floor)", flush=True)
    try:
        asyncio.run(measure(make_server, args, None, 1, result))
    except BenchError as error:
        result.error = str(error)
    return result


def run_ours(args, tmp: Path, core: int | None) -> ServerResult:
    result = ServerResult("ours (daphne + Channels)")
    port = free_port()
    holder = OursEnvironment(db=args.db, tmp=tmp, redis_url=args.redis)
    print(f"our server: daphne lernen25.asgi:application, {args.db}, Redis", flush=True)
    try:
        users = max(args.connections, args.members)
        setup = prepare_ours(holder, port, users=users, members=args.members)
        result.notes.append(f"topic created via {setup.topic_via}")
        env = {**setup.env, **dict(item.split("=", 1) for item in args.server_env)}

        def make_server(phase: str) -> Server:
            return Server(
                "daphne",
                [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "-v", "0", "lernen25.asgi:application"],
                env=env,
                log_path=tmp / f"daphne-{phase}.log",
                port=port,
                core=core,
            )

        asyncio.run(measure(make_server, args, setup.plgs, setup.plgs[0]["topic"], result))
    except (BenchError, subprocess.TimeoutExpired) as error:
        result.error = str(error)
    finally:
        holder.close()
    return result


def summarize_log(path: Path, top: int = 6) -> str:
    """The server log's warnings, errors and exceptions, counted, numbers and addresses blanked out."""
    counts: Counter = Counter()
    with contextlib.suppress(OSError):
        for line in path.read_text(errors="replace").splitlines():
            text = None
            if match := re.search(r" (WARNING|ERROR|CRITICAL) ([\w.]+): (.*)", line):
                text = f"{match.group(1)} {match.group(2)}: {match.group(3)}"
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
    if lat := result.latency:
        out["latency test: receivers connected"] = (f"{lat.connected} / {lat.members}", None)
        for run in lat.runs:
            label = f"{run.rate:g} msg/s"
            p50, p99 = run.percentile(0.5) * 1000, run.percentile(0.99) * 1000
            out[f"{label}: latency p50 (ms)"] = (f"{p50:.1f}", p50)
            out[f"{label}: latency p99 (ms)"] = (f"{p99:.1f}", p99)
            out[f"{label}: lost / expected deliveries"] = (f"{run.lost} / {run.count * run.receivers}", None)
            per = run.server_cpu / max(run.delivered, 1) * 1e6
            out[f"{label}: server CPU per delivery (µs)"] = (f"{per:.1f}", per)
            out[f"{label}: client CPU busy"] = (f"{run.client_cpu / max(run.wall, 1e-9):.0%}", None)
            out[f"{label}: Redis + PostgreSQL CPU"] = (f"{run.services_cpu / max(run.wall, 1e-9):.0%}", None)
            out[f"{label}: other processes' CPU"] = (f"{run.other_cpu / max(run.wall, 1e-9):.0%}", None)
    return out


def report(results: list[ServerResult], args) -> str:
    floor = next((r for r in results if r.name.startswith("bare") and not r.error), None)
    table = [r for r in results if r.hold or r.latency]
    lines = []
    if table:
        names = list(dict.fromkeys(name for r in table for name in rows(r)))
        header = ["metric", *(r.name for r in table)]
        show_ratio = floor is not None and any(r is not floor for r in table)
        if show_ratio:
            header.append("ours / floor")
        lines += ["| " + " | ".join(header) + " |", "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |"]
        for name in names:
            cells = [rows(r).get(name, ("–", None)) for r in table]
            line = [name, *(cell[0] for cell in cells)]
            if show_ratio:
                ours = next((rows(r).get(name, ("", None))[1] for r in table if r is not floor), None)
                line.append(ratio(ours, rows(floor).get(name, ("", None))[1]))
            lines.append("| " + " | ".join(line) + " |")
    for r in results:
        if r.error:
            lines.append(f"\n{r.name}: NOT MEASURED: {r.error}")
            continue
        extra = []
        if r.hold and (r.hold.failures or r.hold.closes):
            extra.append(f"hold: failed handshake attempts {r.hold.failures}, closed by server {r.hold.closes}")
        if r.latency:
            lat = r.latency
            if lat.failures or lat.errors or lat.closes or lat.connected < lat.members:
                extra.append(
                    f"latency: {lat.connected}/{lat.members} members connected, failed attempts {lat.failures}, "
                    f"error frames {lat.errors}, closed by server {lat.closes}"
                )
            for run in lat.runs:
                if run.duplicates or run.send_failures or run.max_send_lag > 0.1:
                    extra.append(
                        f"{run.rate:g} msg/s: duplicates {run.duplicates}, failed sends {run.send_failures}, "
                        f"max send lag {run.max_send_lag * 1000:.0f} ms"
                    )
        extra += r.notes
        if extra:
            lines.append(f"\n{r.name}:\n  " + "\n  ".join(extra))
    ours = next((r for r in results if not r.name.startswith("bare") and not r.error), None)
    if ours and ours.hold:
        h = ours.hold
        lines.append("\nTargets (ours):")
        met = {True: "met", False: "NOT met"}
        held_ok = h.held >= TARGET_CONNECTIONS
        lines.append(f"  ≥ {TARGET_CONNECTIONS} connections on one process: {met[held_ok]} ({h.held})")
        kib_ok = h.kib_per_connection <= TARGET_KIB_PER_CONNECTION
        lines.append(f"  ≤ {TARGET_KIB_PER_CONNECTION} KiB per connection: {met[kib_ok]} ({h.kib_per_connection:.1f})")
        if ours.latency:
            lost = {f"{run.rate:g}": run.lost for run in ours.latency.runs}
            lines.append(f"  nothing lost at any rate: {met[not any(lost.values())]} (lost per rate {lost})")
            rate, limit = TARGET_P99_MS
            for run in ours.latency.runs:
                if run.rate == rate and run.latencies:
                    p99 = run.percentile(0.99) * 1000
                    lines.append(f"  p99 ≤ {limit:g} ms at {rate:g} msg/s: {met[p99 <= limit]} ({p99:.1f} ms)")
    return "\n".join(lines)


def to_json(results: list[ServerResult]) -> list[dict]:
    out = []
    for r in results:
        entry = {"name": r.name, "error": r.error, "notes": r.notes}
        if r.hold:
            entry["hold"] = {**r.hold.__dict__, "kib_per_connection": r.hold.kib_per_connection}
        if r.latency:
            entry["latency"] = {
                "members": r.latency.members,
                "connected": r.latency.connected,
                "failures": r.latency.failures,
                "errors": r.latency.errors,
                "closes": {str(k): v for k, v in r.latency.closes.items()},
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
                        "client_cpu_s": run.client_cpu,
                        "services_cpu_s": run.services_cpu,
                        "other_cpu_s": run.other_cpu,
                        "wall_s": run.wall,
                        "max_send_lag_ms": run.max_send_lag * 1000,
                    }
                    for run in r.latency.runs
                ],
            }
        if r.hold:
            entry["hold"]["closes"] = {str(k): v for k, v in r.hold.closes.items()}
        out.append(entry)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=TARGET_CONNECTIONS, help="sockets to hold (default 6000)")
    parser.add_argument("--members", type=int, default=200, help="members of the PLG the latency test posts to")
    parser.add_argument("--rates", default="1,10,50", help="messages per second, comma-separated")
    parser.add_argument("--duration", type=float, default=15, help="seconds per rate (default 15)")
    parser.add_argument("--only", choices=["bare", "ours"], help="measure one server only")
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
    if any("=" not in item for item in args.server_env):
        parser.error("--server-env takes NAME=VALUE")
    if args.connections < 1 or args.members < 1 or not args.rates or min(args.rates) <= 0 or args.duration <= 0:
        parser.error("connections, members, rates and duration must be positive")
    if args.duration * max(args.rates) > 100_000:
        parser.error("duration × rate is limited to 100,000 messages")

    limit = raise_fd_limit(args.connections + 1000)
    if limit < args.connections + 100:
        parser.error(f"open-file limit {limit}: raise the hard limit (ulimit -Hn) above {args.connections + 100}")
    server_core, client_core = pick_cores()
    if client_core is not None:
        os.sched_setaffinity(0, {client_core})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up below

    print(
        f"ws_bench: {args.connections} connections, {args.members} members, rates {args.rates} msg/s, "
        f"{args.duration:g} s each; server core {server_core}, client core {client_core}, fd limit {limit}",
        flush=True,
    )
    share = wait_for_quiet(args.wait_quiet)
    print(f"  other processes at start: {share:.0%} of a core", flush=True)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="lernen25-wsbench-"))
    results: list[ServerResult] = []
    try:
        if args.only in (None, "bare"):
            results.append(run_bare(args, tmp, server_core))
        if args.only in (None, "ours"):
            results.append(run_ours(args, tmp, server_core))
    finally:
        if args.logs:
            args.logs.mkdir(parents=True, exist_ok=True)
            for log in tmp.glob("*.log"):
                shutil.copy(log, args.logs / log.name)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nResults ({time.monotonic() - started:.0f} s in all)\n")
    print(report(results, args))
    if args.json:
        args.json.write_text(json.dumps(to_json(results), indent=2, default=str))
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

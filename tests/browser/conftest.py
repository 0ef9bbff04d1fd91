"""Real-browser tests: headless Debian Chromium driven by Playwright against a daphne server.

One server for the whole session: a fresh file SQLite database, migrated and seeded with
personas by subprocesses, served by daphne (HTTP and WebSockets) on a free port. Mail goes to
files (django-environ's ``filemail://``), which the tests read like an inbox.

Every main page a journey visits goes through ``audit_page``: axe-core (WCAG 2.1 A/AA, zero
violations), full-page screenshots at phone (375 px), iPad portrait (810) and desktop (1440) width,
no horizontal overflow and no browser console errors (a CSP block shows up there). Results land in ``test-artifacts/``.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import importlib.metadata
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

BROWSER_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BROWSER_DIR.parent.parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
AXE_JS = PROJECT_ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
BIN_DIR = Path(sys.executable).parent

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
VIEWPORTS = {
    "phone": {"width": 375, "height": 812},
    "ipad": {"width": 810, "height": 1080},
    "desktop": {"width": 1440, "height": 900},
}
SERVER_START_TIMEOUT = 30  # seconds until /healthz must answer 200
PASSWORD = "Duisburg-Rhein-2026!"
# allauth's German says "Anmeldung" (a noun) on the sign-in button and heading; "Anmelden" is proposed.
SIGN_IN = re.compile(r"^\s*Anmeld(ung|en)\s*$")


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test (``-m "not browser"`` leaves them out); they run last.

    Sync Playwright keeps an asyncio loop running in this thread until the session ends, and Django's
    async-safety guard has to be switched off for that (stack-notes §7). Running the browser tests
    last, and switching the guard off only when the first of them starts, keeps it on for every other
    test, the WebSocket consumer tests included.
    """
    browser = [item for item in items if item.path.is_relative_to(BROWSER_DIR)]
    for item in browser:
        item.add_marker(pytest.mark.browser)
    others = [item for item in items if not item.path.is_relative_to(BROWSER_DIR)]
    items[:] = others + browser


# --- The server -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    email: str
    password: str
    first_name: str
    last_name: str
    school: str  # "A" or "B", see seed_personas.py
    role: str = "lehrkraft"

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


# Each journey that changes a person (name, password) has its own, so the tests stay independent.
PERSONAS = {
    # A verified teacher of school A: signs in and out, by mouse and by keyboard.
    "teacher": Persona("anna.lehrerin@schule-a.de", PASSWORD, "Anna", "Lehmann", "A"),
    # A teacher of school A who edits her profile (her display name changes).
    "profile_editor": Persona("paula.profil@schule-a.de", PASSWORD, "Paula", "Pohl", "A"),
    # A teacher of school B who forgot her password (it changes).
    "forgetful": Persona("rita.reset@schule-b.de", PASSWORD, "Rita", "Rosen", "B"),
}


@dataclass
class LiveServer:
    base_url: str
    mail_dir: Path
    personas: dict[str, Persona] = field(default_factory=dict)

    def mails_to(self, address: str) -> list[email.message.EmailMessage]:
        """The messages sent to ``address`` so far, oldest first."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
            # The filemail backend appends each message followed by a line of 79 dashes.
            for chunk in re.split(rb"\n-{79}\n", path.read_bytes()):
                if chunk.strip():
                    message = email.message_from_bytes(chunk, policy=email.policy.default)
                    if address.lower() in str(message["To"]).lower():
                        messages.append(message)
        return messages

    def last_mail_to(self, address: str) -> email.message.EmailMessage:
        messages = self.mails_to(address)
        assert messages, f"no mail to {address} in {self.mail_dir}"
        return messages[-1]


def mail_text(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain", "html")).get_content()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    # The pytest process has the test settings' variables and the async override; the server gets
    # only its own, like a production process (no Redis, no Elasticsearch: the embedded backends).
    for name in ("REDIS_URL", "ELASTICSEARCH_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="lernen25.settings",
        DATABASE_URL=f"sqlite:///{tmp / 'browser.sqlite3'}",  # the name _migrate copies to
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"http://127.0.0.1:{port}",
        STATIC_MANIFEST="false",
        STATIC_ROOT=str(tmp / "static"),
        VAR_DIR=str(tmp),
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        EMAIL_URL=f"filemail:///{tmp / 'mail'}",
        LERNEN25_DOTENV=os.devnull,
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"manage.py {args[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def _schema_key() -> str:
    """Changes whenever a migration could: the project's migration files, the installed packages."""
    digest = hashlib.sha256(sys.version.encode())
    for name in sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions()):
        digest.update(name.encode())
    for path in sorted(PROJECT_ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _migrate(env: dict[str, str], database: Path) -> None:
    """``manage.py migrate`` on ``database``, starting from a cached migrated copy when there is one.

    Migrating from scratch takes most of the suite's start-up; the copy is keyed by every migration
    file and package version, and ``migrate`` still runs on it (a no-op when the key matched).
    ``BROWSER_DB_CACHE=0`` migrates from scratch.
    """
    use_cache = os.environ.get("BROWSER_DB_CACHE", "1") != "0"
    cache_dir = ARTIFACTS / "browser-db-cache"
    cached = cache_dir / f"migrated-{_schema_key()}.sqlite3"
    if use_cache and cached.is_file():
        shutil.copyfile(cached, database)
    _manage(env, "migrate", "--noinput")
    if use_cache and not cached.is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("migrated-*.sqlite3"):
            old.unlink(missing_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.partial")
        shutil.copyfile(database, partial)
        partial.replace(cached)


# How each server runs the one ASGI application: daphne as `make run` does, uvicorn as production
# serves /ws/ (docs/operations.md, the same options).
SERVER_COMMANDS = {
    "daphne": ["daphne", "-b", "127.0.0.1", "-p", "{port}", "lernen25.asgi:application"],
    "uvicorn": [
        "uvicorn",
        "lernen25.asgi:application",
        *("--host", "127.0.0.1", "--port", "{port}", "--ws", "websockets-sansio", "--ws-per-message-deflate", "false"),
        *("--lifespan", "off", "--no-access-log", "--proxy-headers"),
    ],
}


def start_server(env: dict[str, str], port: int, log: Path, server: str = "daphne") -> subprocess.Popen:
    """``server`` (daphne, uvicorn) serving ``lernen25.asgi:application`` on the loopback ``port``,
    its output into ``log``."""
    program, *arguments = SERVER_COMMANDS[server]
    with log.open("wb") as log_file:
        return subprocess.Popen(
            [str(BIN_DIR / program), *(argument.format(port=port) for argument in arguments)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def stop_process(process: subprocess.Popen | None) -> None:
    """Terminate, and kill what does not end within 10 s."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _wait_until_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own loopback URL)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)  # polling a starting process, not waiting for a page
    pytest.fail(f"{url} did not answer 200 within {SERVER_START_TIMEOUT} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def live_server_info() -> Iterator[LiveServer]:
    """daphne serving a migrated, seeded file database on a free loopback port."""
    tmp = Path(tempfile.mkdtemp(prefix="lernen25-browser-"))
    (tmp / "static").mkdir()
    port = _free_port()
    env = _server_env(tmp, port)
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "browser-server.log"
    process = None
    try:
        _migrate(env, tmp / "browser.sqlite3")
        # daphne loads Django while roles and personas are written; it reads the database only
        # when the first request comes, and /healthz is asked only after the seeding.
        process = start_server(env, port, log)
        _manage(env, "setup_roles")
        seed_env = {**env, "BROWSER_PERSONAS": json.dumps([vars(p) for p in PERSONAS.values()])}
        _manage(seed_env, "shell", "-c", (BROWSER_DIR / "seed_personas.py").read_text(encoding="utf-8"))
        _manage(env, "shell", "-c", (BROWSER_DIR / "seed_discussion.py").read_text(encoding="utf-8"))
        _manage(env, "shell", "-c", (BROWSER_DIR / "seed_plg_journeys.py").read_text(encoding="utf-8"))
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_healthy(f"{base_url}/healthz", process, log)
        yield LiveServer(base_url=base_url, mail_dir=tmp / "mail", personas=dict(PERSONAS))
    finally:
        stop_process(process)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def base_url(live_server_info: LiveServer) -> str:
    """pytest-playwright gives this to every context, so ``page.goto("/profil/")`` works."""
    return live_server_info.base_url


# --- The browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # From here on the Playwright loop runs in this thread (see pytest_collection_modifyitems).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Debian's Chromium, never a downloaded one (no `playwright install` on these machines).
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's Chromium (apt-get install chromium).")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORTS["desktop"], "locale": "de-DE"}


@pytest.fixture
def page(page: Page) -> Page:
    """pytest-playwright's page, recording console errors and uncaught exceptions."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.l25_errors = errors
    return page


@pytest.fixture
def sign_in():
    """Signs a persona in through the login form; returns when the header shows "Abmelden"."""

    def _sign_in(page: Page, persona: Persona) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("E-Mail-Adresse").fill(persona.email)
        page.get_by_label("Passwort", exact=True).fill(persona.password)
        page.get_by_role("main").get_by_role("button", name=SIGN_IN).click()
        expect(page.get_by_role("button", name="Abmelden")).to_be_visible()

    return _sign_in


# --- Checks on every page -------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe() -> Axe:
    """axe-core from npm (frontend/package.json), the version the project pins."""
    return Axe(axe_script=AXE_JS.read_text(encoding="utf-8"))


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}  [{violation['helpUrl']}]")
        lines.extend(f"    {', '.join(map(str, node['target']))}: {node['html'][:200]}" for node in violation["nodes"])
    return "\n".join(lines)


@pytest.fixture
def check_accessibility(axe: Axe):
    """Runs axe (WCAG 2.0/2.1 A and AA) on the page, saves the results, asserts no violation."""

    def _check(page: Page, name: str) -> None:
        results = axe.run(page, options=AXE_OPTIONS).response
        folder = ARTIFACTS / "axe"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
        violations = results["violations"]
        assert not violations, f"axe found {len(violations)} violation(s) on {name} ({page.url}):\n" + _describe(
            violations
        )

    return _check


@pytest.fixture
def take_screenshots():
    """Full-page screenshots at phone, iPad portrait and desktop size; asserts no horizontal overflow."""

    def _take(page: Page, name: str) -> None:
        folder = ARTIFACTS / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        original = page.viewport_size
        overflowing = []
        try:
            for label, size in VIEWPORTS.items():
                page.set_viewport_size(size)
                page.screenshot(path=folder / f"{name}-{label}.png", full_page=True)
                widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
                if widths[0] > widths[1]:
                    overflowing.append(f"{label}: scrollWidth {widths[0]} > innerWidth {widths[1]}")
        finally:
            if original:
                page.set_viewport_size(original)
        assert not overflowing, f"{name} ({page.url}) scrolls sideways: " + "; ".join(overflowing)

    return _take


@pytest.fixture
def audit_page(check_accessibility, take_screenshots):
    """All checks for a main page: axe, screenshots and overflow, and no console errors so far."""

    def _audit(page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        take_screenshots(page, name)
        check_accessibility(page, name)
        errors = getattr(page, "l25_errors", [])
        assert not errors, f"browser console errors on {name} ({page.url}): {errors}"

    return _audit

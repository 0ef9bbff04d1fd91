"""The settings module read with different environments, each in a fresh interpreter.

A subprocess is the honest way: settings are read once per process, and a bad value must stop
start-up with one sentence (not a traceback), exactly as an operator would see it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "search": settings.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"],
    "search_config": settings.WAGTAILSEARCH_BACKENDS["default"].get("SEARCH_CONFIG"),
    "email": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "language": settings.LANGUAGE_CODE,
    "postgres_app": "django.contrib.postgres" in settings.INSTALLED_APPS,
    "oidc": bool(settings.SOCIALACCOUNT_PROVIDERS),
    "pool": settings.DATABASES["default"].get("OPTIONS", {}).get("pool"),
    "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
}))
"""


def run(env_overrides: dict[str, str], code: str = PRINT_SETTINGS, args: list[str] | None = None):
    # Only the process basics: none of the variables the test run itself set (tests/settings.py).
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env["LERNEN25_DOTENV"] = os.devnull
    env["DJANGO_SETTINGS_MODULE"] = "lernen25.settings"
    env.update(env_overrides)
    command = args or [sys.executable, "-c", "import django; django.setup()\n" + code]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


PRODUCTION = {
    "SECRET_KEY": "k7#Qz!pV2m@9rT$wX4e&L8yN^b3Hc6Jd*Fg0Us5Ao1Ki+Rj-Mt",
    "ALLOWED_HOSTS": "lernen25.duisburg.de",
    "VAR_DIR": str(Path(tempfile.gettempdir()) / "lernen25-settings-test"),
}


def settings_for(env: dict[str, str]) -> dict:
    result = run(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_defaults_use_sqlite_memory_layer_and_database_search():
    values = settings_for({"DEBUG": "true"})

    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("lernen25.sqlite3")
    assert values["layer"] == "channels.layers.InMemoryChannelLayer"
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["search"] == "wagtail.search.backends.database"
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["language"] == "de"
    assert values["oidc"] is False


def test_service_urls_switch_to_postgres_redis_elasticsearch_and_smtp():
    values = settings_for(
        {
            **PRODUCTION,
            "DATABASE_URL": "postgres://lernen25@db.internal:5432/lernen25",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "ELASTICSEARCH_URL": "https://search.internal:9200",
            "EMAIL_URL": "smtp+tls://mailer:secret@mail.internal:587",
        }
    )

    assert values["engine"] == "django.db.backends.postgresql"
    assert values["postgres_app"] is True
    assert values["pool"] == {"min_size": 2, "max_size": 10, "timeout": 10}  # ASGI: a pool, not persistent ones
    assert values["conn_max_age"] == 0
    assert values["layer"] == "channels_redis.core.RedisChannelLayer"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["search"] == "wagtail.search.backends.elasticsearch9"
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["debug"] is False
    assert values["hosts"] == ["lernen25.duisburg.de"]


def test_persistent_connections_replace_the_pool_only_when_asked():
    values = settings_for(
        {
            **PRODUCTION,
            "DATABASE_URL": "postgres://db.internal/x",
            "DATABASE_POOL_MAX": "0",
            "DATABASE_CONN_MAX_AGE": "60",
        }
    )

    assert (values["pool"], values["conn_max_age"]) == (None, 60)


def test_postgres_search_uses_the_german_configuration():
    values = settings_for({**PRODUCTION, "DATABASE_URL": "postgres://lernen25@db.internal/lernen25"})

    assert values["search"] == "wagtail.search.backends.database"
    assert values["search_config"] == "german"


def test_school_sso_is_configured_only_when_its_server_is_given():
    values = settings_for(
        {
            **PRODUCTION,
            "OIDC_SERVER_URL": "https://sso.iserv.example",
            "OIDC_CLIENT_ID": "id",
            "OIDC_CLIENT_SECRET": "s",
        }
    )

    assert values["oidc"] is True


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({"ALLOWED_HOSTS": "example.org"}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS is not set"),
        ({**PRODUCTION, "DEBUG": "maybe"}, "DEBUG must be true or false, not 'maybe'."),
        ({**PRODUCTION, "DATABASE_URL": "mysql://db/x"}, "DATABASE_URL must be a URL starting with one of"),
        ({**PRODUCTION, "REDIS_URL": "http://cache"}, "REDIS_URL must be a URL starting with one of"),
        ({**PRODUCTION, "DATABASE_CONN_MAX_AGE": "ten"}, "DATABASE_CONN_MAX_AGE must be a whole number"),
        (
            {**PRODUCTION, "DATABASE_URL": "postgres://db.internal/x", "DATABASE_CONN_MAX_AGE": "60"},
            "DATABASE_CONN_MAX_AGE cannot be combined with the connection pool",
        ),
        ({**PRODUCTION, "SECRET_KEY_FILE": "/nonexistent/secret"}, "SECRET_KEY_FILE points to"),
        ({**PRODUCTION, "OIDC_SERVER_URL": "https://sso.example"}, "OIDC_CLIENT_ID is not set"),
    ],
)
def test_bad_or_missing_value_stops_start_up_with_one_sentence_naming_the_variable(env, sentence):
    result = run(env, args=[sys.executable, "manage.py", "check"])

    assert result.returncode != 0
    assert sentence in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_asgi_application_also_stops_with_one_sentence():
    result = run({"ALLOWED_HOSTS": "example.org"}, args=[sys.executable, "-c", "import lernen25.asgi"])

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Configuration error: SECRET_KEY is not set; set it in the environment or in the .env file."
    )


def test_check_deploy_is_clean_with_production_values():
    result = run(
        {**PRODUCTION, "DATABASE_URL": "postgres://lernen25@db.internal/lernen25"},
        args=[sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_manage_py_started_with_another_python_runs_under_the_project_venv():
    """`python manage.py …` in a fresh shell: the base interpreter has no Django, the virtualenv has."""
    base = getattr(sys, "_base_executable", sys.executable)
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        pytest.skip("the tests do not run from the project's .venv")
    if subprocess.run([base, "-c", "import django"], capture_output=True, check=False).returncode == 0:
        pytest.skip("the base interpreter has Django itself")

    result = run(PRODUCTION, args=[base, "manage.py", "check"])

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_env_file_of_make_run_serves_like_production_on_loopback(tmp_path):
    """`make run` writes .env: DEBUG off (the site's German error pages, never Django's debug page with
    every URL pattern: test_pages.py), plain HTTP on loopback (no HTTPS redirect, no
    HSTS, cookies not marked secure), uploaded images served by Django."""
    make = subprocess.run(
        ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), ".env", f"PY={sys.executable}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert make.returncode == 0, make.stderr
    values = dict(
        line.split("=", 1) for line in (tmp_path / ".env").read_text().splitlines() if line and not line.startswith("#")
    )
    assert len(values["SECRET_KEY"]) >= 50

    code = (
        "import json\nfrom django.conf import settings as s\nprint(json.dumps([s.DEBUG, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SERVE_MEDIA, s.ALLOWED_HOSTS]))"
    )
    result = run({"LERNEN25_DOTENV": str(tmp_path / ".env"), "VAR_DIR": str(tmp_path / "var")}, code=code)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        False,
        False,
        False,
        False,
        0,
        True,
        ["127.0.0.1", "localhost"],
    ]

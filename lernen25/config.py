"""Typed readers for the environment, used only by ``settings.py``.

Every value the platform reads from the environment goes through one of these
functions, so that a wrong value stops start-up with one sentence that names the
variable (``ConfigError``) instead of a traceback deep inside Django.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(ImproperlyConfigured):
    """A missing or malformed environment variable. The message is one sentence."""


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    """Return the variable, reading ``NAME_FILE`` (a Docker/systemd secret) when set."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE points to {file_path!r}, which cannot be read ({exc.strerror}).") from None
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ConfigError(f"{name} is not set; set it in the environment or in the .env file.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, schemes: set[str]) -> str | None:
    """Return a URL whose scheme is one of ``schemes``, or None when unset."""
    raw = env_str(name)
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise ConfigError(f"{name} must be a URL starting with one of {allowed}, not {raw!r}.")
    if parsed.scheme not in {"sqlite", "consolemail", "filemail", "dummymail", "memorymail"} and not parsed.hostname:
        raise ConfigError(f"{name} has no host name: {raw!r}.")
    return raw

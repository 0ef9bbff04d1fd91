#!/usr/bin/env python
"""Django's command-line utility for Lernen 25."""

import os
import sys
from pathlib import Path

VENV = Path(__file__).resolve().parent / ".venv"
VENV_PYTHON = VENV / "bin" / "python"


def use_project_venv() -> None:
    """Run under the project's virtualenv (made by `make setup`) when started with another Python.

    So `python manage.py …` works in a new shell without activating `.venv`.
    """
    try:
        import django  # noqa: F401
    except ModuleNotFoundError:
        if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != VENV.resolve():
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])  # noqa: S606 (same script, new interpreter)
        raise


def main() -> None:
    use_project_venv()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lernen25.settings")
    from lernen25.config import ConfigError

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018  (load settings now, to report a bad value in one line)
    except ConfigError as exc:
        sys.exit(f"Configuration error: {exc}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

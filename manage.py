#!/usr/bin/env python
"""Django's command-line utility for Lernen 25."""

import os
import sys


def main() -> None:
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

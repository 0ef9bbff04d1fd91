"""Running ``seed_demo`` in tests (shared by the core's and the apps' demo tests)."""

from __future__ import annotations

import io

from django.core.management import call_command

SMALL = ("--schools", "12", "--teachers", "30")


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()

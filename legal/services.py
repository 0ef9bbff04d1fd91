"""Barrier reports: stored for the SMZ, who is notified in the platform and by e-mail."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from legal.models import BarrierReport
from lernen25 import audit
from lernen25.limits import consume
from lernen25.notifications import notify
from lernen25.permissions import require
from lernen25.roles import GROUP_NAMES, Role

SUMMARY_LENGTH = 120


def smz_members() -> list:
    """Who receives barrier reports: the active members of the SMZ's group."""
    return list(
        get_user_model().objects.filter(is_active=True, groups__name=GROUP_NAMES[Role.SMZ_MODERATION]).distinct()
    )


def _summary(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SUMMARY_LENGTH else f"{flat[: SUMMARY_LENGTH - 1]}…"


def report_barrier(
    *, actor, sender: str, description: str, page_address: str = "", name: str = "", email: str = "", url_of=None
) -> BarrierReport:
    """Store a report and notify the SMZ. ``actor`` is the user (anonymous too); ``sender`` the key
    the rate limit counts by (the user, or the network address of someone signed out).

    ``url_of(report)`` gives the address the SMZ's notification links to (the report in the admin).
    """
    require(actor, "legal.report_barrier")
    consume(sender, "legal.report_barrier")
    signed_in = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        report = BarrierReport.objects.create(
            page_address=page_address.strip(),
            description=description.strip(),
            name=name.strip(),
            email=email.strip(),
            reporter=signed_in,
        )
        audit.record("legal.barrier_report.created", actor=signed_in, target=report)
        notify(
            smz_members(),
            kind="legal.barrier_report.created",
            params={"where": _summary(report.page_address), "summary": _summary(report.description)},
            url=url_of(report) if url_of else "",
            actor=signed_in,
        )
    return report

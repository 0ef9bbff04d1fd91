"""Meetings of PLGs (members are notified) and their results, published to the whole network."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lernen25.errors import RefusalKind, Refused
from lernen25.notifications import notify
from lernen25.permissions import require
from plc.models import Meeting, PlgPage, Result
from plc.services._common import members_of, record
from plc.services.material import require_web_address


def schedule_meeting(
    *,
    actor,
    plg: PlgPage,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str = "",
    video_url: str = "",
    notes: str = "",
) -> Meeting:
    """A lead or the SMZ adds a meeting; every member is notified."""
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.schedule_plg", plg)
    if ends_at <= starts_at:
        raise Refused(_("The meeting must end after it starts."), RefusalKind.INVALID)
    if not location.strip() and not video_url.strip():
        raise Refused(_("Please give a place or a video link."), RefusalKind.INVALID)
    if video_url.strip():
        require_web_address(video_url.strip())
    with transaction.atomic():
        meeting = Meeting.objects.create(
            plg=plg,
            title=title.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            location=location.strip(),
            video_url=video_url.strip(),
            notes=notes.strip(),
            created_by=actor,
        )
        record("plc.meeting.scheduled", actor=actor, plg=plg, target=meeting)
        when = timezone.localtime(starts_at).strftime("%d.%m.%Y %H:%M")
        notify(
            members_of(plg),
            actor=actor,
            kind="plc.meeting.scheduled",
            params={"plg": plg.title, "title": meeting.title, "when": when},
            url=plg.url + "#termine",
        )
    return meeting


def cancel_meeting(*, actor, meeting: Meeting) -> None:
    plg = meeting.plg
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.cancel_meeting", plg)
    with transaction.atomic():
        record("plc.meeting.cancelled", actor=actor, plg=plg, title=meeting.title)
        notify(
            members_of(plg),
            actor=actor,
            kind="plc.meeting.cancelled",
            params={"title": meeting.title, "plg": plg.title},
            url=plg.url + "#termine",
        )
        meeting.delete()


# --- Results ------------------------------------------------------------------------------


def publish_result(*, actor, plg: PlgPage, title: str, tried: str, worked: str, materials=()) -> Result:
    """A lead publishes a result; it (and its materials) become visible to the whole network."""
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.publish_result", plg)
    materials = list(materials)
    if any(material.plg_id != plg.pk for material in materials):
        raise Refused(_("Materials must be files of this PLC."), RefusalKind.INVALID)
    if not title.strip() or not tried.strip() or not worked.strip():
        raise Refused(_("Please fill in the title, what was tried and what worked."), RefusalKind.INVALID)
    with transaction.atomic():
        result = Result.objects.create(
            plg=plg, title=title.strip(), tried=tried.strip(), worked=worked.strip(), published_by=actor
        )
        result.materials.set(materials)
        record("plc.result.published", actor=actor, plg=plg, target=result, materials=[m.pk for m in materials])
    return result

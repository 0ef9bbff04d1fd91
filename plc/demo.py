"""The PLG part of ``seed_demo``: a few PLGs of every visibility, with members, a discussion, a
meeting, a join request and a result.

Registered with ``lernen25.registry.demo_seeders`` from ``PlcConfig.ready()``; the core's
``seed_demo`` calls :func:`seed` in its transaction, after it wrote schools, teachers and the demo
accounts, and records the returned counts in its audit event ``lernen25.demo.seeded``.

Everything is written through the PLG services (permission checks, audit events, notifications
in the app), except three rows whose services would e-mail the demo accounts: the members of the
on-request PLG (a request or an invitation mails), the open join request (mails the leads) and
the meeting (mails every member). Demo addresses are under ``.test`` and seeding must not send mail.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from lernen25.models import SchoolFunction
from lernen25.roles import Role
from plc import services
from plc.models import JoinRequest, Meeting, Membership, PlgKind, PlgStatus, Visibility

if TYPE_CHECKING:
    from lernen25.demo import DemoContext


def _make(*, title: str, kind: str, visibility: str, lead, goals: str, **extra):
    return services.create_plg(
        actor=None,
        system=True,
        title=title,
        kind=kind,
        visibility=visibility,
        leads=[lead],
        goals=f"<p>{goals}</p>",
        notify_leads=False,
        **extra,
    )


def seed(context: DemoContext) -> dict[str, int]:
    """Write the demo PLGs; returns ``{"plgs": <count>}``."""
    lead = context.accounts[Role.PLG_LEITUNG]
    teacher = context.accounts[SchoolFunction.LEHRKRAFT]
    smz = context.accounts[Role.SMZ_MODERATION]
    principal = context.accounts[SchoolFunction.SCHULLEITUNG]
    colleagues = context.teachers(12)
    subject = context.subjects
    some_schools = list(context.schools.values())[:4]

    maths = _make(
        title="Tablets im Mathematikunterricht",
        kind=PlgKind.LESSON_DEVELOPMENT,
        visibility=Visibility.OPEN,
        lead=lead,
        goals="Wir entwickeln Unterrichtsreihen mit GeoGebra und iPads für die Jahrgangsstufen 7 und 8.",
        subjects=[subject["Mathematik"]],
        schools=some_schools[:3],
    )
    for member in [teacher, *colleagues[:8]]:
        services.join_plg(actor=member, plg=maths)
    services.set_featured(actor=smz, plg=maths, featured=True)
    # TODO(services split): services.create_topic / services.post_message once plc.services has them.
    topic = services.create_topic(
        actor=lead,
        plg=maths,
        title="Erste Erfahrungen mit GeoGebra",
        body="Wie klappt es bei Ihnen mit **GeoGebra** in der 7? Wir sammeln hier Erfahrungen.",
    )
    services.post_message(actor=teacher, topic=topic, body="Gut! Die Schüler:innen mögen die *Schieberegler*.")
    start = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=7)
    Meeting.objects.create(  # services.schedule_meeting would mail every member
        plg=maths,
        title="Auftakttreffen",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="Schulmedienzentrum, Raum 2",
        created_by=lead,
    )

    videos = _make(
        title="Erklärvideos im Sachunterricht",
        kind=PlgKind.INNOVATION,
        visibility=Visibility.ON_REQUEST,
        lead=lead,
        goals="Kinder der Klassen 3 und 4 drehen Erklärvideos mit iPads; das MediaLab des SMZ leiht die Technik.",
        subjects=[subject["Sachunterricht"]],
    )
    # Requests and invitations mail; these two colleagues are members from the start.
    Membership.objects.bulk_create([Membership(plg=videos, user=user) for user in colleagues[8:10]])
    JoinRequest.objects.create(plg=videos, user=teacher, message="Ich würde gern mit meiner 4b mitmachen.")

    _make(
        title="Schulleitungsrunde Nord",
        kind=PlgKind.PRINCIPALS,
        visibility=Visibility.CLOSED,
        lead=principal,
        goals="Die Schulleitungen aus Walsum und Hamborn stimmen die Ausstattungsplanung ab.",
    )

    padlet = _make(
        title="Padlet als digitale Pinnwand",
        kind=PlgKind.LESSON_DEVELOPMENT,
        visibility=Visibility.OPEN,
        lead=lead,
        goals="Kollaboratives Arbeiten mit digitalen Pinnwänden in der Sekundarstufe I.",
        subjects=[subject["Deutsch"]],
    )
    for member in colleagues[10:12]:
        services.join_plg(actor=member, plg=padlet)
    services.publish_result(
        actor=lead,
        plg=padlet,
        title="Pinnwände für Gruppenarbeit",
        tried="Sechs Klassen haben Gruppenergebnisse auf digitalen Pinnwänden gesammelt.",
        worked="Kurze Arbeitsaufträge und feste Spalten je Gruppe; das Moderieren der Beiträge kostet Zeit.",
    )
    services.set_status(actor=lead, plg=padlet, status=PlgStatus.COMPLETED)
    return {"plgs": 4}

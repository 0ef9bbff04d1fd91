"""Helpers of the PLG tests: a PLG built as the SMZ builds one, and what people were told.

Fixtures live in ``conftest.py`` (``open_plg``, ``request_plg``, ``closed_plg``); the WebSocket
helpers in ``sockets.py``. The refusal check ``assert_refused`` is a fixture of ``tests/conftest.py``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from lernen25.errors import RefusalKind
from lernen25.models import AuditEvent, Notification
from plc import services
from plc.models import PlgKind

FORBIDDEN, NOT_FOUND, CONFLICT, INVALID = (
    RefusalKind.FORBIDDEN,
    RefusalKind.NOT_FOUND,
    RefusalKind.CONFLICT,
    RefusalKind.INVALID,
)

# The titles of the PLG fixtures, as people read them in notifications and mails.
OPEN_TITLE = "Tablets im Mathematikunterricht"
REQUEST_TITLE = "Erklärvideos im Sachunterricht"
CLOSED_TITLE = "Geschlossene Schulleitungsrunde Nord"

MEETING_START = datetime(2030, 3, 14, 16, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def make_plg(*, title, visibility, lead, member=None, **kwargs):
    """A PLG as the SMZ creates it, led by ``lead``; ``member`` joins by accepting an invitation."""
    plg = services.create_plg(
        actor=None,
        system=True,
        title=title,
        kind=PlgKind.LESSON_DEVELOPMENT,
        visibility=visibility,
        leads=[lead],
        goals="<p>Gemeinsam Unterricht entwickeln.</p>",
        **kwargs,
    )
    if member is not None:
        services.invite_member(actor=lead, plg=plg, user=member)
        services.accept_invitation(actor=member, invitation=plg.invitations.get(email=member.email))
    return plg


def notes(kind: str) -> list[Notification]:
    """The notifications of this kind, by recipient's address."""
    return list(Notification.objects.filter(kind=kind).select_related("recipient").order_by("recipient__email"))


def recipients(kind: str) -> list:
    return [note.recipient for note in notes(kind)]


def audit_event(action: str) -> AuditEvent:
    """The newest audit event of this action (building the fixtures records some, too)."""
    return AuditEvent.objects.filter(action=action).first()


def mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def pdf(name: str = "plan.pdf", content: bytes = b"%PDF-1.4 Unterrichtsplanung") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def post(actor, topic, body, **kwargs):
    """A message in the discussion, as ``actor`` writes it."""
    return services.post_message(actor=actor, topic=topic, body=body, **kwargs)

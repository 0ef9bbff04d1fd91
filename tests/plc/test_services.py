"""PLG services: every membership transition, curation, material, meetings and results, and their refusals.

Each test acts as one persona through ``plc.services`` and checks what people would see: the database,
the change log (audit events), notifications, and mails (sent after commit, so mail-sending calls run
inside ``django_capture_on_commit_callbacks(execute=True)``). A refused call is checked with
``refused``: exact message, kind, and nothing written or sent.

Messages and notification texts are asserted in German, the project's default language, exactly as
people read them (``locale/de/LC_MESSAGES/django.po``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.documents import get_document_model
from wagtail.models import Collection

from lernen25.errors import RefusalKind, Refused
from lernen25.models import AuditEvent, Notification
from plc import permissions, selectors, services
from plc.models import (
    Invitation,
    InvitationStatus,
    JoinRequest,
    Meeting,
    Membership,
    MembershipRole,
    PlgFile,
    PlgIndexPage,
    PlgKind,
    PlgLink,
    PlgPage,
    PlgProposal,
    PlgStatus,
    ProposalStatus,
    RequestStatus,
    Result,
    Visibility,
)
from tests.factories import UserFactory, verified
from tests.plc.conftest import make_plg

Document = get_document_model()

FORBIDDEN, NOT_FOUND, CONFLICT, INVALID = (
    RefusalKind.FORBIDDEN,
    RefusalKind.NOT_FOUND,
    RefusalKind.CONFLICT,
    RefusalKind.INVALID,
)
OPEN_TITLE = "Tablets im Mathematikunterricht"
REQUEST_TITLE = "Erklärvideos im Sachunterricht"
ALLOWED_TYPES = "csv, docx, jpeg, jpg, odp, ods, odt, pdf, png, pptx, txt, xlsx"
MEETING_START = datetime(2030, 3, 14, 16, 0, tzinfo=ZoneInfo("Europe/Berlin"))

# Everything a PLG service can write; a refused call must leave every count as it was.
WRITTEN_MODELS = (
    PlgPage,
    Membership,
    JoinRequest,
    Invitation,
    PlgFile,
    PlgLink,
    Meeting,
    Result,
    PlgProposal,
    AuditEvent,
    Notification,
    Document,
    Collection,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN_MODELS}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a throw-away folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def german():
    """People read the default language; pin it, whatever an earlier request left activated."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def assert_refused(django_capture_on_commit_callbacks):
    """Call a service expecting a refusal: exact message, kind, and nothing written or mailed."""

    def check(service, message: str, kind: RefusalKind, /, **kwargs) -> Refused:
        before, mails_before = _counts(), len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                service(**kwargs)
            except Refused as refusal:
                caught = refusal
            else:
                pytest.fail(f"{service.__name__} did not refuse; expected {kind}: {message!r}")
        assert str(caught.message) == message
        assert caught.kind == kind, f"{service.__name__}: kind {caught.kind}, expected {kind}"
        assert _counts() == before, f"{service.__name__} wrote although it refused"
        assert callbacks == [], f"{service.__name__} scheduled work after commit although it refused"
        assert len(mail.outbox) == mails_before
        return caught

    return check


def notes(verb: str) -> list[Notification]:
    return list(Notification.objects.filter(verb=verb).select_related("recipient").order_by("recipient__email"))


def recipients(verb: str) -> list:
    return [note.recipient for note in notes(verb)]


def audit_event(action: str) -> AuditEvent:
    """The newest audit event of this action (building the fixtures records some, too)."""
    return AuditEvent.objects.filter(action=action).first()


def mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def pdf(name: str = "plan.pdf", content: bytes = b"%PDF-1.4 Unterrichtsplanung") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def pending_request(request_plg, lehrkraft_b):
    return services.request_membership(actor=lehrkraft_b, plg=request_plg, message="Ich möchte mitmachen.")


# --- Joining an open PLG --------------------------------------------------------------------------


def test_teacher_joins_open_plg_and_leads_are_told_without_email(
    open_plg, lehrkraft_b, plg_leitung, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.join_plg(actor=lehrkraft_b, plg=open_plg)

    assert membership.role == MembershipRole.MEMBER
    assert Membership.objects.filter(plg=open_plg, user=lehrkraft_b, role=MembershipRole.MEMBER).exists()
    event = audit_event("plc.membership.joined")
    assert (event.actor, event.data["plg"], event.data["user"]) == (lehrkraft_b, open_plg.pk, lehrkraft_b.pk)
    # Only the lead is told (not the plain member lehrkraft_a, not the actor), in the app only.
    [note] = notes("plc.membership.joined")
    assert note.recipient == plg_leitung
    assert note.text == f"Bernd Becker ist der PLG „{OPEN_TITLE}“ beigetreten."
    assert note.url == open_plg.url
    assert mail.outbox == []


def test_joining_twice_is_refused(open_plg, lehrkraft_b, assert_refused):
    services.join_plg(actor=lehrkraft_b, plg=open_plg)

    assert_refused(services.join_plg, "Sie sind bereits Mitglied.", CONFLICT, actor=lehrkraft_b, plg=open_plg)


def test_joining_an_on_request_plg_is_refused_with_the_hint_to_ask(request_plg, lehrkraft_b, assert_refused):
    assert_refused(
        services.join_plg,
        "Diese PLG nimmt Mitglieder nur auf Anfrage auf; bitte senden Sie eine Beitrittsanfrage.",
        CONFLICT,
        actor=lehrkraft_b,
        plg=request_plg,
    )


def test_closed_plg_does_not_exist_for_an_outsider_who_tries_to_join(closed_plg, lehrkraft_b, assert_refused):
    assert_refused(services.join_plg, "Diese PLG gibt es nicht.", NOT_FOUND, actor=lehrkraft_b, plg=closed_plg)


def test_smz_who_sees_a_closed_plg_cannot_join_it_directly(closed_plg, smz, assert_refused):
    assert_refused(
        services.join_plg,
        "Diese PLG ist geschlossen; neue Mitglieder lädt die PLG-Leitung ein.",
        FORBIDDEN,
        actor=smz,
        plg=closed_plg,
    )


def test_guest_cannot_join(open_plg, assert_refused):
    assert_refused(services.join_plg, "Diese PLG gibt es nicht.", NOT_FOUND, actor=AnonymousUser(), plg=open_plg)


def test_role_without_join_right_cannot_join(open_plg, datenschutz, assert_refused):
    assert_refused(services.join_plg, "Sie dürfen keinen PLGs beitreten.", FORBIDDEN, actor=datenschutz, plg=open_plg)


@pytest.mark.parametrize("status", [PlgStatus.ARCHIVED, PlgStatus.COMPLETED])
def test_archived_or_completed_plg_refuses_joins(open_plg, smz, lehrkraft_b, assert_refused, status):
    services.set_status(actor=smz, plg=open_plg, status=status)

    assert_refused(
        services.join_plg,
        "Diese PLG ist abgeschlossen oder archiviert; es kann nichts mehr geändert werden.",
        CONFLICT,
        actor=lehrkraft_b,
        plg=open_plg,
    )


# --- Asking to join a PLG on request --------------------------------------------------------------


def test_teacher_asks_to_join_with_a_message_and_leads_are_told_and_mailed(
    request_plg, lehrkraft_b, plg_leitung, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        join_request = services.request_membership(
            actor=lehrkraft_b, plg=request_plg, message="  Ich unterrichte Sachunterricht in Walsum.  "
        )

    join_request.refresh_from_db()
    assert (join_request.status, join_request.message) == (
        RequestStatus.PENDING,
        "Ich unterrichte Sachunterricht in Walsum.",
    )
    assert not Membership.objects.filter(plg=request_plg, user=lehrkraft_b).exists()
    assert audit_event("plc.join_request.created").data["plg"] == request_plg.pk
    [note] = notes("plc.join_request.created")
    assert note.recipient == plg_leitung
    assert note.text == f"Bernd Becker möchte der PLG „{REQUEST_TITLE}“ beitreten."
    assert note.url == request_plg.url + "#anfragen"
    [message] = mail.outbox
    assert message.to == [plg_leitung.email]
    assert message.subject == f"[Lernen 25] Bernd Becker möchte der PLG „{REQUEST_TITLE}“ beitreten."
    assert f"{settings.SITE_URL}{request_plg.url}#anfragen" in message.body


def test_second_pending_request_is_refused(pending_request, request_plg, lehrkraft_b, assert_refused):
    assert_refused(
        services.request_membership,
        "Sie haben den Beitritt bereits angefragt; die PLG-Leitung entscheidet bald.",
        CONFLICT,
        actor=lehrkraft_b,
        plg=request_plg,
    )


def test_teacher_may_ask_again_after_withdrawing(pending_request, request_plg, lehrkraft_b):
    services.withdraw_request(actor=lehrkraft_b, join_request=pending_request)

    again = services.request_membership(actor=lehrkraft_b, plg=request_plg)

    assert again.status == RequestStatus.PENDING
    assert JoinRequest.objects.filter(plg=request_plg, user=lehrkraft_b).count() == 2


def test_closed_plg_does_not_exist_for_an_outsider_who_asks_to_join(closed_plg, lehrkraft_b, assert_refused):
    assert_refused(
        services.request_membership, "Diese PLG gibt es nicht.", NOT_FOUND, actor=lehrkraft_b, plg=closed_plg
    )


def test_smz_who_sees_a_closed_plg_is_told_that_leads_invite(closed_plg, smz, assert_refused):
    assert_refused(
        services.request_membership,
        "Diese PLG ist geschlossen; neue Mitglieder lädt die PLG-Leitung ein.",
        FORBIDDEN,
        actor=smz,
        plg=closed_plg,
    )


def test_asking_to_join_an_open_plg_is_refused_with_the_hint_to_join(open_plg, lehrkraft_b, assert_refused):
    assert_refused(
        services.request_membership,
        "Diese PLG ist offen; Sie können ihr direkt beitreten.",
        CONFLICT,
        actor=lehrkraft_b,
        plg=open_plg,
    )


def test_member_cannot_ask_to_join(request_plg, lehrkraft_a, assert_refused):
    assert_refused(
        services.request_membership, "Sie sind bereits Mitglied.", CONFLICT, actor=lehrkraft_a, plg=request_plg
    )


def test_role_without_join_right_cannot_ask_to_join(request_plg, datenschutz, assert_refused):
    assert_refused(
        services.request_membership, "Sie dürfen keinen PLGs beitreten.", FORBIDDEN, actor=datenschutz, plg=request_plg
    )


def test_request_message_over_1000_characters_is_refused(request_plg, lehrkraft_b, assert_refused):
    assert_refused(
        services.request_membership,
        "Die Nachricht darf höchstens 1000 Zeichen lang sein.",
        INVALID,
        actor=lehrkraft_b,
        plg=request_plg,
        message="x" * 1001,
    )


def test_request_message_of_exactly_1000_characters_is_accepted(request_plg, lehrkraft_b):
    join_request = services.request_membership(actor=lehrkraft_b, plg=request_plg, message="x" * 1000)

    assert len(join_request.message) == 1000


def test_archived_plg_refuses_requests(request_plg, smz, lehrkraft_b, assert_refused):
    services.set_status(actor=smz, plg=request_plg, status=PlgStatus.ARCHIVED)

    assert_refused(
        services.request_membership,
        "Diese PLG ist abgeschlossen oder archiviert; es kann nichts mehr geändert werden.",
        CONFLICT,
        actor=lehrkraft_b,
        plg=request_plg,
    )


# --- Withdrawing a request ------------------------------------------------------------------------


def test_requester_withdraws_own_request(pending_request, request_plg, lehrkraft_b):
    services.withdraw_request(actor=lehrkraft_b, join_request=pending_request)

    pending_request.refresh_from_db()
    assert pending_request.status == RequestStatus.WITHDRAWN
    assert pending_request.decided_at is not None
    event = audit_event("plc.join_request.withdrawn")
    assert (event.actor, event.data["plg"]) == (lehrkraft_b, request_plg.pk)
    assert not Membership.objects.filter(plg=request_plg, user=lehrkraft_b).exists()


def test_withdrawing_someone_elses_request_is_refused(pending_request, plg_leitung, assert_refused):
    assert_refused(
        services.withdraw_request,
        "Sie können nur Ihre eigene Anfrage zurückziehen.",
        FORBIDDEN,
        actor=plg_leitung,
        join_request=pending_request,
    )
    pending_request.refresh_from_db()
    assert pending_request.status == RequestStatus.PENDING


def test_withdrawing_twice_is_refused(pending_request, lehrkraft_b, assert_refused):
    services.withdraw_request(actor=lehrkraft_b, join_request=pending_request)

    assert_refused(
        services.withdraw_request,
        "Über diese Anfrage wurde bereits entschieden.",
        CONFLICT,
        actor=lehrkraft_b,
        join_request=pending_request,
    )


# --- Deciding on a request ------------------------------------------------------------------------


def test_lead_accepts_request_and_requester_is_notified_and_mailed(
    pending_request, request_plg, plg_leitung, lehrkraft_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_request(actor=plg_leitung, join_request=pending_request, accept=True)

    pending_request.refresh_from_db()
    assert (pending_request.status, pending_request.decided_by) == (RequestStatus.ACCEPTED, plg_leitung)
    assert Membership.objects.get(plg=request_plg, user=lehrkraft_b).role == MembershipRole.MEMBER
    event = audit_event("plc.join_request.accepted")
    assert (event.actor, event.data["plg"], event.data["user"]) == (plg_leitung, request_plg.pk, lehrkraft_b.pk)
    text = f"Willkommen! Ihre Beitrittsanfrage für „{REQUEST_TITLE}“ wurde angenommen."
    [note] = notes("plc.join_request.accepted")
    assert (note.recipient, note.text, note.url) == (lehrkraft_b, text, request_plg.url)
    [message] = mail.outbox
    assert message.to == [lehrkraft_b.email]
    assert message.subject == f"[Lernen 25] {text}"
    assert text in message.body


def test_requester_without_email_notifications_is_told_in_the_app_only(
    pending_request, plg_leitung, lehrkraft_b, django_capture_on_commit_callbacks
):
    lehrkraft_b.profile.email_notifications = False
    lehrkraft_b.profile.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.decide_request(actor=plg_leitung, join_request=pending_request, accept=True)

    assert recipients("plc.join_request.accepted") == [lehrkraft_b]
    assert mail.outbox == []


def test_lead_declines_with_a_reason_the_requester_reads(
    pending_request, request_plg, plg_leitung, lehrkraft_b, django_capture_on_commit_callbacks
):
    reason = "Die Gruppe ist für dieses Schuljahr voll."

    with django_capture_on_commit_callbacks(execute=True):
        services.decide_request(actor=plg_leitung, join_request=pending_request, accept=False, reason=reason)

    pending_request.refresh_from_db()
    assert (pending_request.status, pending_request.reason) == (RequestStatus.DECLINED, reason)
    assert not Membership.objects.filter(plg=request_plg, user=lehrkraft_b).exists()
    assert audit_event("plc.join_request.declined").data["reason"] == reason
    [note] = notes("plc.join_request.declined")
    assert note.recipient == lehrkraft_b
    assert note.text == f"Ihre Beitrittsanfrage für „{REQUEST_TITLE}“ wurde abgelehnt: {reason}"
    assert [message.to for message in mail.outbox] == [[lehrkraft_b.email]]


def test_declining_without_a_reason_is_refused(pending_request, plg_leitung, assert_refused):
    assert_refused(
        services.decide_request,
        "Bitte geben Sie eine Begründung an; die anfragende Person sieht sie.",
        INVALID,
        actor=plg_leitung,
        join_request=pending_request,
        accept=False,
        reason="   ",
    )
    pending_request.refresh_from_db()
    assert pending_request.status == RequestStatus.PENDING


def test_member_who_does_not_lead_cannot_decide(pending_request, lehrkraft_a, assert_refused):
    assert_refused(
        services.decide_request,
        "Nur die PLG-Leitung und das SMZ können über Anfragen entscheiden.",
        FORBIDDEN,
        actor=lehrkraft_a,
        join_request=pending_request,
        accept=True,
    )


def test_smz_may_decide_requests(pending_request, request_plg, smz, lehrkraft_b):
    services.decide_request(actor=smz, join_request=pending_request, accept=True)

    assert Membership.objects.filter(plg=request_plg, user=lehrkraft_b).exists()
    assert audit_event("plc.join_request.accepted").actor == smz


def test_deciding_twice_is_refused(pending_request, plg_leitung, smz, assert_refused):
    services.decide_request(actor=plg_leitung, join_request=pending_request, accept=True)

    assert_refused(
        services.decide_request,
        "Über diese Anfrage wurde bereits entschieden.",
        CONFLICT,
        actor=smz,
        join_request=pending_request,
        accept=False,
        reason="Doch nicht.",
    )
    pending_request.refresh_from_db()
    assert pending_request.status == RequestStatus.ACCEPTED


# --- Invitations ----------------------------------------------------------------------------------


def test_lead_invites_a_teacher_by_account_who_is_notified_and_mailed(
    open_plg, plg_leitung, lehrkraft_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_member(actor=plg_leitung, plg=open_plg, user=lehrkraft_b)

    invitation.refresh_from_db()
    assert (invitation.email, invitation.invitee, invitation.invited_by, invitation.status) == (
        lehrkraft_b.email,
        lehrkraft_b,
        plg_leitung,
        InvitationStatus.PENDING,
    )
    event = audit_event("plc.invitation.created")
    assert (event.data["plg"], event.data["email"]) == (open_plg.pk, lehrkraft_b.email)
    text = f"Lena Leitner lädt Sie zur PLG „{OPEN_TITLE}“ ein."
    assert [(n.recipient, n.text) for n in notes("plc.invitation.created") if n.recipient == lehrkraft_b] == [
        (lehrkraft_b, text)
    ]
    assert [message.subject for message in mails_to(lehrkraft_b)] == [f"[Lernen 25] {text}"]
    assert list(selectors.pending_invitations_for(lehrkraft_b)) == [invitation]
    assert not Membership.objects.filter(plg=open_plg, user=lehrkraft_b).exists()


def test_lead_invites_a_newcomer_by_email_who_gets_a_sign_up_mail(
    open_plg, plg_leitung, django_capture_on_commit_callbacks
):
    notifications_before = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_member(actor=plg_leitung, plg=open_plg, email="  Clara.Neu@Schule-C.de ")

    assert (invitation.email, invitation.invitee) == ("clara.neu@schule-c.de", None)
    assert Notification.objects.count() == notifications_before  # nobody to notify in the app yet
    [message] = mail.outbox
    assert message.to == ["clara.neu@schule-c.de"]
    assert message.subject == f"[Lernen 25] Lena Leitner lädt Sie zur PLG „{OPEN_TITLE}“ ein."
    assert f"{settings.SITE_URL}/accounts/signup/" in message.body
    assert "/accounts/signup/" in message.body


def test_newcomer_who_signs_up_with_the_invited_address_finds_and_accepts_the_invitation(
    open_plg, plg_leitung, django_capture_on_commit_callbacks
):
    invitation = services.invite_member(actor=plg_leitung, plg=open_plg, email="clara.neu@schule-c.de")
    clara = verified(UserFactory(email="clara.neu@schule-c.de", first_name="Clara", last_name="Neu"))

    assert list(selectors.pending_invitations_for(clara)) == [invitation]
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.accept_invitation(actor=clara, invitation=invitation)

    assert (membership.user, membership.plg_id, membership.role) == (clara, open_plg.pk, MembershipRole.MEMBER)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.invitee) == (InvitationStatus.ACCEPTED, clara)
    assert audit_event("plc.invitation.accepted").data["user"] == clara.pk
    [note] = [n for n in notes("plc.invitation.accepted") if n.actor == clara]
    assert (note.recipient, note.text) == (plg_leitung, f"Clara Neu hat die Einladung zu „{OPEN_TITLE}“ angenommen.")
    assert mail.outbox == []  # the inviter learns it in the app only
    assert not selectors.pending_invitations_for(clara).exists()


def test_invitee_accepts_and_becomes_member(request_plg, plg_leitung, lehrkraft_b):
    invitation = services.invite_member(actor=plg_leitung, plg=request_plg, user=lehrkraft_b)

    services.accept_invitation(actor=lehrkraft_b, invitation=invitation)

    assert Membership.objects.get(plg=request_plg, user=lehrkraft_b).role == MembershipRole.MEMBER
    assert permissions.user_can(lehrkraft_b, "view_content", request_plg)


def test_invitee_declines_and_does_not_become_member(request_plg, plg_leitung, lehrkraft_b):
    invitation = services.invite_member(actor=plg_leitung, plg=request_plg, user=lehrkraft_b)

    services.decline_invitation(actor=lehrkraft_b, invitation=invitation)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert not Membership.objects.filter(plg=request_plg, user=lehrkraft_b).exists()
    assert audit_event("plc.invitation.declined").data["plg"] == request_plg.pk


def test_inviting_a_member_is_refused(open_plg, plg_leitung, lehrkraft_a, assert_refused):
    assert_refused(
        services.invite_member,
        "Anna Lehmann ist bereits Mitglied.",
        CONFLICT,
        actor=plg_leitung,
        plg=open_plg,
        user=lehrkraft_a,
    )


def test_inviting_a_member_by_email_address_is_refused(open_plg, plg_leitung, lehrkraft_a, assert_refused):
    assert_refused(
        services.invite_member,
        "Anna Lehmann ist bereits Mitglied.",
        CONFLICT,
        actor=plg_leitung,
        plg=open_plg,
        email=lehrkraft_a.email.upper(),
    )


def test_inviting_twice_is_refused(open_plg, plg_leitung, smz, lehrkraft_b, assert_refused):
    services.invite_member(actor=plg_leitung, plg=open_plg, user=lehrkraft_b)

    assert_refused(
        services.invite_member,
        "Diese Person ist bereits eingeladen.",
        CONFLICT,
        actor=smz,
        plg=open_plg,
        email=lehrkraft_b.email,
    )


def test_member_who_does_not_lead_cannot_invite(open_plg, lehrkraft_a, lehrkraft_b, assert_refused):
    assert_refused(
        services.invite_member,
        "Nur die PLG-Leitung und das SMZ können Mitglieder einladen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        plg=open_plg,
        user=lehrkraft_b,
    )


def test_smz_may_invite(closed_plg, smz, lehrkraft_b):
    invitation = services.invite_member(actor=smz, plg=closed_plg, user=lehrkraft_b)

    assert invitation.invited_by == smz


def test_accepting_someone_elses_invitation_is_refused(open_plg, plg_leitung, lehrkraft_b, smz, assert_refused):
    invitation = services.invite_member(actor=plg_leitung, plg=open_plg, user=lehrkraft_b)

    assert_refused(
        services.accept_invitation,
        "Diese Einladung gilt nicht für Sie.",
        NOT_FOUND,
        actor=smz,
        invitation=invitation,
    )
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_lead_revokes_an_invitation_which_can_then_not_be_accepted(open_plg, plg_leitung, lehrkraft_b, assert_refused):
    invitation = services.invite_member(actor=plg_leitung, plg=open_plg, user=lehrkraft_b)

    services.revoke_invitation(actor=plg_leitung, invitation=invitation)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert audit_event("plc.invitation.revoked").data["plg"] == open_plg.pk
    assert not selectors.pending_invitations_for(lehrkraft_b).exists()
    assert_refused(
        services.accept_invitation,
        "Diese Einladung ist nicht mehr offen.",
        CONFLICT,
        actor=lehrkraft_b,
        invitation=invitation,
    )


def test_member_who_does_not_lead_cannot_revoke_an_invitation(
    open_plg, plg_leitung, lehrkraft_a, lehrkraft_b, assert_refused
):
    invitation = services.invite_member(actor=plg_leitung, plg=open_plg, user=lehrkraft_b)

    assert_refused(
        services.revoke_invitation,
        "Nur die PLG-Leitung und das SMZ können Einladungen widerrufen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        invitation=invitation,
    )


def test_invitation_to_an_archived_plg_cannot_be_accepted(open_plg, plg_leitung, smz, lehrkraft_b, assert_refused):
    invitation = services.invite_member(actor=plg_leitung, plg=open_plg, user=lehrkraft_b)
    services.set_status(actor=smz, plg=open_plg, status=PlgStatus.ARCHIVED)

    assert_refused(
        services.accept_invitation,
        "Diese PLG ist abgeschlossen oder archiviert; es kann nichts mehr geändert werden.",
        CONFLICT,
        actor=lehrkraft_b,
        invitation=invitation,
    )


# --- Leaving ----------------------------------------------------------------------------------------


def test_member_leaves(request_plg, lehrkraft_a):
    services.leave_plg(actor=lehrkraft_a, plg=request_plg)

    assert not Membership.objects.filter(plg=request_plg, user=lehrkraft_a).exists()
    event = audit_event("plc.membership.left")
    assert (event.actor, event.data["plg"], event.data["user"]) == (lehrkraft_a, request_plg.pk, lehrkraft_a.pk)
    # The content of a PLG on request is for members only; the page itself stays listed.
    assert not permissions.user_can(lehrkraft_a, "view_content", request_plg)
    assert permissions.user_can(lehrkraft_a, "view", request_plg)


def test_last_lead_cannot_leave(open_plg, plg_leitung, assert_refused):
    assert_refused(
        services.leave_plg,
        "Sie sind die einzige Leitung. Machen Sie ein anderes Mitglied zur Leitung, bevor Sie die PLG verlassen.",
        CONFLICT,
        actor=plg_leitung,
        plg=open_plg,
    )
    assert Membership.objects.get(plg=open_plg, user=plg_leitung).role == MembershipRole.LEAD


def test_lead_can_leave_when_another_lead_exists(open_plg, plg_leitung, lehrkraft_a):
    services.promote_to_lead(actor=plg_leitung, plg=open_plg, user=lehrkraft_a)

    services.leave_plg(actor=plg_leitung, plg=open_plg)

    assert list(Membership.objects.filter(plg=open_plg).values_list("user", "role")) == [(lehrkraft_a.pk, MembershipRole.LEAD)]


def test_non_member_leaving_is_refused(open_plg, lehrkraft_b, assert_refused):
    assert_refused(services.leave_plg, "Sie sind kein Mitglied dieser PLG.", CONFLICT, actor=lehrkraft_b, plg=open_plg)


# --- Removing members -------------------------------------------------------------------------------


def test_lead_removes_a_member_who_is_notified(open_plg, plg_leitung, lehrkraft_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_member(actor=plg_leitung, plg=open_plg, user=lehrkraft_a)

    assert not Membership.objects.filter(plg=open_plg, user=lehrkraft_a).exists()
    event = audit_event("plc.membership.removed")
    assert (event.actor, event.data["plg"], event.data["user"]) == (plg_leitung, open_plg.pk, lehrkraft_a.pk)
    [note] = notes("plc.membership.removed")
    assert (note.recipient, note.text) == (lehrkraft_a, f"Sie sind nicht mehr Mitglied der PLG „{OPEN_TITLE}“.")
    assert [message.to for message in mail.outbox] == [[lehrkraft_a.email]]


def test_only_lead_cannot_be_removed(open_plg, smz, plg_leitung, assert_refused):
    assert_refused(
        services.remove_member,
        "Die einzige Leitung kann nicht entfernt werden.",
        CONFLICT,
        actor=smz,
        plg=open_plg,
        user=plg_leitung,
    )


def test_member_cannot_remove_others(open_plg, lehrkraft_a, plg_leitung, assert_refused):
    assert_refused(
        services.remove_member,
        "Nur die PLG-Leitung und das SMZ können Mitglieder entfernen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        plg=open_plg,
        user=plg_leitung,
    )


def test_removing_yourself_is_refused_with_the_hint_to_leave(open_plg, plg_leitung, lehrkraft_a, assert_refused):
    services.promote_to_lead(actor=plg_leitung, plg=open_plg, user=lehrkraft_a)

    assert_refused(
        services.remove_member,
        "Um die PLG selbst zu verlassen, nutzen Sie „PLG verlassen“.",
        INVALID,
        actor=plg_leitung,
        plg=open_plg,
        user=plg_leitung,
    )


def test_removing_a_non_member_is_refused(open_plg, plg_leitung, lehrkraft_b, assert_refused):
    assert_refused(
        services.remove_member,
        "Diese Person ist kein Mitglied.",
        CONFLICT,
        actor=plg_leitung,
        plg=open_plg,
        user=lehrkraft_b,
    )


# --- Leads ------------------------------------------------------------------------------------------


def test_lead_makes_a_member_lead_who_is_notified(open_plg, plg_leitung, lehrkraft_a):
    membership = services.promote_to_lead(actor=plg_leitung, plg=open_plg, user=lehrkraft_a)

    assert membership.role == MembershipRole.LEAD
    assert Membership.objects.get(plg=open_plg, user=lehrkraft_a).role == MembershipRole.LEAD
    assert audit_event("plc.membership.promoted").data["user"] == lehrkraft_a.pk
    assert [(n.recipient, n.text) for n in notes("plc.lead.assigned") if n.actor == plg_leitung] == [
        (lehrkraft_a, f"Sie leiten jetzt die PLG „{OPEN_TITLE}“.")
    ]
    assert permissions.user_can(lehrkraft_a, "manage", open_plg)


def test_smz_makes_a_non_member_teacher_lead_directly(request_plg, smz, lehrkraft_b):
    services.promote_to_lead(actor=smz, plg=request_plg, user=lehrkraft_b)

    assert Membership.objects.get(plg=request_plg, user=lehrkraft_b).role == MembershipRole.LEAD
    assert permissions.user_can(lehrkraft_b, "manage", request_plg)


def test_lead_cannot_make_a_non_member_lead(open_plg, plg_leitung, lehrkraft_b, assert_refused):
    assert_refused(
        services.promote_to_lead,
        "Nur Mitglieder können zur Leitung gemacht werden; laden Sie die Person zuerst ein.",
        CONFLICT,
        actor=plg_leitung,
        plg=open_plg,
        user=lehrkraft_b,
    )


def test_making_an_existing_lead_lead_is_refused(open_plg, smz, plg_leitung, assert_refused):
    assert_refused(
        services.promote_to_lead,
        "Lena Leitner leitet diese PLG bereits.",
        CONFLICT,
        actor=smz,
        plg=open_plg,
        user=plg_leitung,
    )


def test_member_cannot_appoint_leads(open_plg, lehrkraft_a, assert_refused):
    assert_refused(
        services.promote_to_lead,
        "Nur die PLG-Leitung und das SMZ können eine Leitung ernennen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        plg=open_plg,
        user=lehrkraft_a,
    )


def test_only_lead_cannot_step_down(open_plg, plg_leitung, assert_refused):
    assert_refused(
        services.step_down_as_lead,
        "Sie sind die einzige Leitung; ernennen Sie zuerst eine weitere Leitung.",
        CONFLICT,
        actor=plg_leitung,
        plg=open_plg,
    )


def test_lead_steps_down_when_there_is_a_second_lead(open_plg, plg_leitung, lehrkraft_a):
    services.promote_to_lead(actor=plg_leitung, plg=open_plg, user=lehrkraft_a)

    services.step_down_as_lead(actor=plg_leitung, plg=open_plg)

    assert Membership.objects.get(plg=open_plg, user=plg_leitung).role == MembershipRole.MEMBER
    assert audit_event("plc.membership.stepped_down").data["plg"] == open_plg.pk
    assert not permissions.user_can(plg_leitung, "manage", open_plg)


def test_member_who_does_not_lead_cannot_step_down(open_plg, lehrkraft_a, assert_refused):
    assert_refused(services.step_down_as_lead, "Sie leiten diese PLG nicht.", CONFLICT, actor=lehrkraft_a, plg=open_plg)


# --- Creating PLGs ----------------------------------------------------------------------------------


def test_smz_creates_a_published_plg_with_collection_and_leads(
    smz, plg_leitung, lehrkraft_a, school_a, django_capture_on_commit_callbacks
):
    title = "Künstliche Intelligenz im Deutschunterricht"

    with django_capture_on_commit_callbacks(execute=True):
        plg = services.create_plg(
            actor=smz,
            title=title,
            kind=PlgKind.INNOVATION,
            goals="<p>KI-Werkzeuge erproben.</p>",
            visibility=Visibility.ON_REQUEST,
            leads=[plg_leitung, lehrkraft_a],
            schools=[school_a],
            start_date=date(2025, 8, 1),
            end_date=date(2026, 7, 31),
        )

    plg = PlgPage.objects.get(pk=plg.pk)
    assert plg.live and not plg.has_unpublished_changes
    assert isinstance(plg.get_parent().specific, PlgIndexPage)
    assert plg.url == "/plg/kunstliche-intelligenz-im-deutschunterricht/"
    assert (plg.kind, plg.visibility, plg.status) == (PlgKind.INNOVATION, Visibility.ON_REQUEST, PlgStatus.ACTIVE)
    assert list(plg.schools.all()) == [school_a]
    assert plg.collection.name == f"PLG: {title}"
    assert plg.collection.get_parent() == Collection.get_first_root_node()
    assert set(Membership.objects.filter(plg=plg).values_list("user", "role")) == {
        (plg_leitung.pk, MembershipRole.LEAD),
        (lehrkraft_a.pk, MembershipRole.LEAD),
    }
    event = audit_event("plc.plg.created")
    assert (event.actor, event.data["plg"], sorted(event.data["leads"])) == (
        smz,
        plg.pk,
        sorted([plg_leitung.pk, lehrkraft_a.pk]),
    )
    assigned = notes("plc.lead.assigned")
    assert {note.recipient for note in assigned} == {plg_leitung, lehrkraft_a}
    assert {note.text for note in assigned} == {f"Sie leiten die neue PLG „{title}“."}
    assert sorted(message.to[0] for message in mail.outbox) == sorted([plg_leitung.email, lehrkraft_a.email])


def test_a_second_plg_with_the_same_title_gets_its_own_address(open_plg, smz, plg_leitung):
    twin = services.create_plg(actor=smz, title=OPEN_TITLE, kind=PlgKind.SUBJECT_GROUP, leads=[plg_leitung])

    assert twin.url == "/plg/tablets-im-mathematikunterricht-1/"  # Wagtail's find_available_slug
    assert twin.collection != open_plg.collection


def test_teacher_cannot_create_a_plg(lehrkraft_a, assert_refused):
    assert_refused(
        services.create_plg,
        "Nur das SMZ darf PLGs anlegen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        title="Eigene PLG",
        kind=PlgKind.LESSON_DEVELOPMENT,
        leads=[lehrkraft_a],
    )


def test_plg_without_leads_is_refused(smz, assert_refused):
    assert_refused(
        services.create_plg,
        "Eine PLG braucht mindestens eine Leitung.",
        INVALID,
        actor=smz,
        title="Ohne Leitung",
        kind=PlgKind.LESSON_DEVELOPMENT,
        leads=[],
    )


def test_plg_ending_before_it_starts_is_refused(smz, plg_leitung, assert_refused):
    assert_refused(
        services.create_plg,
        "Das Ende darf nicht vor dem Beginn liegen.",
        INVALID,
        actor=smz,
        title="Rückwärts",
        kind=PlgKind.LESSON_DEVELOPMENT,
        leads=[plg_leitung],
        start_date=date(2026, 2, 1),
        end_date=date(2026, 1, 31),
    )


# --- Proposals --------------------------------------------------------------------------------------


@pytest.fixture
def proposal(lehrkraft_a, smz):
    return services.propose_plg(
        actor=lehrkraft_a,
        title=" Lernvideos mit Tablets ",
        kind=PlgKind.INNOVATION,
        goals="Videos drehen.\n\nGemeinsam <auswerten>.",
        visibility=Visibility.OPEN,
    )


def test_teacher_proposes_a_plg_and_the_smz_is_notified(lehrkraft_a, smz, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = services.propose_plg(
            actor=lehrkraft_a,
            title=" Lernvideos mit Tablets ",
            kind=PlgKind.INNOVATION,
            goals="Videos drehen.",
            visibility=Visibility.OPEN,
        )

    proposal.refresh_from_db()
    assert (proposal.title, proposal.status, proposal.proposed_by) == (
        "Lernvideos mit Tablets",
        ProposalStatus.PENDING,
        lehrkraft_a,
    )
    assert audit_event("plc.proposal.created").actor == lehrkraft_a
    [note] = notes("plc.proposal.created")
    assert (note.recipient, note.text) == (smz, "Anna Lehmann schlägt eine neue PLG vor: „Lernvideos mit Tablets“.")
    assert [message.to for message in mail.outbox] == [[smz.email]]
    assert not PlgPage.objects.filter(title="Lernvideos mit Tablets").exists()


def test_role_without_propose_right_cannot_propose(datenschutz, assert_refused):
    assert_refused(
        services.propose_plg,
        "Sie dürfen keine PLGs vorschlagen.",
        FORBIDDEN,
        actor=datenschutz,
        title="Datenschutz-PLG",
        kind=PlgKind.INNOVATION,
        goals="Prüfen.",
        visibility=Visibility.OPEN,
    )


def test_smz_approves_a_proposal_creating_the_plg_with_the_proposer_as_lead(proposal, smz, lehrkraft_a):
    plg = services.approve_proposal(actor=smz, proposal=proposal)

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.plg_id) == (ProposalStatus.APPROVED, smz, plg.pk)
    plg = PlgPage.objects.get(pk=plg.pk)
    assert (plg.title, plg.kind, plg.visibility, plg.live) == (
        "Lernvideos mit Tablets",
        PlgKind.INNOVATION,
        Visibility.OPEN,
        True,
    )
    assert plg.goals == "<p>Videos drehen.</p><p>Gemeinsam &lt;auswerten&gt;.</p>"
    assert list(Membership.objects.filter(plg=plg).values_list("user", "role")) == [(lehrkraft_a.pk, MembershipRole.LEAD)]
    assert audit_event("plc.proposal.approved").data["plg"] == plg.pk
    [note] = notes("plc.proposal.approved")
    assert (note.recipient, note.text) == (
        lehrkraft_a,
        "Ihr Vorschlag „Lernvideos mit Tablets“ wurde genehmigt; Sie leiten die neue PLG.",
    )


def test_smz_rejects_a_proposal_with_a_reason_the_proposer_reads(proposal, smz, lehrkraft_a):
    services.reject_proposal(actor=smz, proposal=proposal, reason="Eine solche PLG gibt es schon.")

    proposal.refresh_from_db()
    assert (proposal.status, proposal.reason, proposal.plg) == (
        ProposalStatus.REJECTED,
        "Eine solche PLG gibt es schon.",
        None,
    )
    [note] = notes("plc.proposal.rejected")
    assert (note.recipient, note.text) == (
        lehrkraft_a,
        "Ihr Vorschlag „Lernvideos mit Tablets“ wurde nicht genehmigt: Eine solche PLG gibt es schon.",
    )


def test_rejecting_a_proposal_needs_a_reason(proposal, smz, assert_refused):
    assert_refused(
        services.reject_proposal,
        "Bitte geben Sie eine Begründung an; die vorschlagende Person sieht sie.",
        INVALID,
        actor=smz,
        proposal=proposal,
        reason=" ",
    )


def test_deciding_a_proposal_twice_is_refused(proposal, smz, assert_refused):
    services.approve_proposal(actor=smz, proposal=proposal)

    assert_refused(
        services.approve_proposal,
        "Über diesen Vorschlag wurde bereits entschieden.",
        CONFLICT,
        actor=smz,
        proposal=proposal,
    )
    assert_refused(
        services.reject_proposal,
        "Über diesen Vorschlag wurde bereits entschieden.",
        CONFLICT,
        actor=smz,
        proposal=proposal,
        reason="Zu spät.",
    )


def test_teacher_cannot_decide_on_proposals(proposal, plg_leitung, assert_refused):
    assert_refused(
        services.approve_proposal,
        "Nur das SMZ darf über Vorschläge entscheiden.",
        FORBIDDEN,
        actor=plg_leitung,
        proposal=proposal,
    )
    assert_refused(
        services.reject_proposal,
        "Nur das SMZ darf über Vorschläge entscheiden.",
        FORBIDDEN,
        actor=plg_leitung,
        proposal=proposal,
        reason="Nein.",
    )


# --- Featuring and status ---------------------------------------------------------------------------


def test_smz_features_a_plg(open_plg, smz, lehrkraft_b):
    services.set_featured(actor=smz, plg=open_plg, featured=True)

    assert PlgPage.objects.get(pk=open_plg.pk).featured
    assert audit_event("plc.plg.featured").data["plg"] == open_plg.pk
    assert selectors.featured_plgs_for(lehrkraft_b) == [open_plg]


def test_lead_cannot_feature_a_plg(open_plg, plg_leitung, assert_refused):
    assert_refused(
        services.set_featured,
        "Nur das SMZ kann PLGs hervorheben.",
        FORBIDDEN,
        actor=plg_leitung,
        plg=open_plg,
        featured=True,
    )


def test_smz_archives_a_plg(open_plg, smz):
    services.set_status(actor=smz, plg=open_plg, status=PlgStatus.ARCHIVED)

    assert PlgPage.objects.get(pk=open_plg.pk).status == PlgStatus.ARCHIVED
    event = audit_event("plc.plg.status_changed")
    assert (event.data["plg"], event.data["old"], event.data["new"]) == (open_plg.pk, "active", "archived")


def test_only_the_smz_archives(open_plg, plg_leitung, assert_refused):
    assert_refused(
        services.set_status,
        "Nur das SMZ kann PLGs archivieren.",
        FORBIDDEN,
        actor=plg_leitung,
        plg=open_plg,
        status=PlgStatus.ARCHIVED,
    )
    assert PlgPage.objects.get(pk=open_plg.pk).status == PlgStatus.ACTIVE


def test_lead_may_mark_the_plg_completed(open_plg, plg_leitung):
    services.set_status(actor=plg_leitung, plg=open_plg, status=PlgStatus.COMPLETED)

    assert PlgPage.objects.get(pk=open_plg.pk).status == PlgStatus.COMPLETED


def test_lead_cannot_bring_back_a_plg_the_smz_archived(open_plg, smz, plg_leitung, assert_refused):
    """Archiving is the SMZ's decision; a lead must not undo it by setting another status."""
    services.set_status(actor=smz, plg=open_plg, status=PlgStatus.ARCHIVED)
    open_plg = PlgPage.objects.get(pk=open_plg.pk)

    assert_refused(
        services.set_status,
        "Nur das SMZ kann PLGs archivieren.",
        FORBIDDEN,
        actor=plg_leitung,
        plg=open_plg,
        status=PlgStatus.ACTIVE,
    )
    assert PlgPage.objects.get(pk=open_plg.pk).status == PlgStatus.ARCHIVED


def test_archiving_survives_the_next_edit_in_the_wagtail_admin(open_plg, smz):
    """Wagtail's editor starts from the latest revision; a status written past the revisions is undone."""
    services.set_status(actor=smz, plg=open_plg, status=PlgStatus.ARCHIVED)

    # An editor fixes the goals in the Wagtail admin and publishes, as the admin's edit view does.
    draft = PlgPage.objects.get(pk=open_plg.pk).get_latest_revision_as_object()
    draft.goals = "<p>Gemeinsam Unterricht entwickeln und auswerten.</p>"
    draft.save_revision(user=smz).publish()

    assert PlgPage.objects.get(pk=open_plg.pk).status == PlgStatus.ARCHIVED, "publishing un-archived the PLG"


def test_member_cannot_change_the_status(open_plg, lehrkraft_a, assert_refused):
    assert_refused(
        services.set_status,
        "Nur die PLG-Leitung und das SMZ können den Status ändern.",
        FORBIDDEN,
        actor=lehrkraft_a,
        plg=open_plg,
        status=PlgStatus.COMPLETED,
    )


def test_unknown_status_is_refused(open_plg, smz, assert_refused):
    assert_refused(services.set_status, "Unbekannter Status.", INVALID, actor=smz, plg=open_plg, status="paused")


# --- Files ------------------------------------------------------------------------------------------


def test_member_shares_a_pdf_stored_in_the_plgs_collection(open_plg, lehrkraft_a):
    content = b"%PDF-1.4 Unterrichtsplanung"

    plg_file = services.upload_file(
        actor=lehrkraft_a, plg=open_plg, upload=pdf(content=content), title=" Stundenplanung Klasse 7 "
    )

    plg_file = PlgFile.objects.select_related("document").get(pk=plg_file.pk)
    assert (plg_file.plg_id, plg_file.added_by) == (open_plg.pk, lehrkraft_a)
    document = plg_file.document
    assert (document.title, document.collection, document.uploaded_by_user) == (
        "Stundenplanung Klasse 7",
        open_plg.collection,
        lehrkraft_a,
    )
    with document.file.open("rb") as stored:
        assert stored.read() == content
    event = audit_event("plc.file.added")
    assert (event.data["plg"], event.data["file"]) == (open_plg.pk, "Stundenplanung Klasse 7")


def test_file_without_title_is_named_after_the_file(open_plg, lehrkraft_a):
    plg_file = services.upload_file(actor=lehrkraft_a, plg=open_plg, upload=pdf("Elternbrief.PDF"))

    assert plg_file.document.title == "Elternbrief"


@pytest.mark.parametrize(("name", "extension"), [("setup.exe", "exe"), ("seite.html", "html"), ("plan.pdf.exe", "exe")])
def test_file_of_a_type_not_allowed_is_refused(open_plg, lehrkraft_a, assert_refused, name, extension):
    assert_refused(
        services.upload_file,
        f"Dateien vom Typ „{extension}“ können nicht geteilt werden. Erlaubt: {ALLOWED_TYPES}.",
        INVALID,
        actor=lehrkraft_a,
        plg=open_plg,
        upload=SimpleUploadedFile(name, b"MZ\x90\x00", content_type="application/octet-stream"),
    )


def test_empty_file_is_refused(open_plg, lehrkraft_a, assert_refused):
    assert_refused(
        services.upload_file,
        "Die Datei ist leer.",
        INVALID,
        actor=lehrkraft_a,
        plg=open_plg,
        upload=pdf(content=b""),
    )


def test_too_large_file_is_refused(open_plg, lehrkraft_a, assert_refused, monkeypatch):
    monkeypatch.setattr("plc.services.material.MAX_FILE_BYTES", 10)

    assert_refused(
        services.upload_file,
        "Die Datei ist größer als 10\xa0Bytes.",
        INVALID,
        actor=lehrkraft_a,
        plg=open_plg,
        upload=pdf(content=b"%PDF-1.4 elf"),
    )


def test_outsider_cannot_share_files_in_an_open_plg(open_plg, lehrkraft_b, assert_refused):
    assert_refused(
        services.upload_file,
        "Nur Mitglieder können hier Dateien teilen.",
        FORBIDDEN,
        actor=lehrkraft_b,
        plg=open_plg,
        upload=pdf(),
    )


def test_outsider_cannot_share_files_in_a_closed_plg_they_cannot_see(closed_plg, lehrkraft_b, assert_refused):
    assert_refused(
        services.upload_file, "Diese PLG gibt es nicht.", NOT_FOUND, actor=lehrkraft_b, plg=closed_plg, upload=pdf()
    )


def test_member_cannot_share_files_in_an_archived_plg(open_plg, smz, lehrkraft_a, assert_refused):
    services.set_status(actor=smz, plg=open_plg, status=PlgStatus.ARCHIVED)

    assert_refused(
        services.upload_file,
        "Nur Mitglieder können hier Dateien teilen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        plg=open_plg,
        upload=pdf(),
    )


def test_uploader_deletes_own_file(open_plg, lehrkraft_a):
    plg_file = services.upload_file(actor=lehrkraft_a, plg=open_plg, upload=pdf(), title="Entwurf")
    document_pk = plg_file.document.pk

    services.delete_file(actor=lehrkraft_a, plg_file=plg_file)

    assert not PlgFile.objects.filter(pk=plg_file.pk).exists()
    assert not Document.objects.filter(pk=document_pk).exists()
    event = audit_event("plc.file.deleted")
    assert (event.data["plg"], event.data["file"]) == (open_plg.pk, "Entwurf")


def test_member_cannot_delete_anothers_file(open_plg, plg_leitung, lehrkraft_a, assert_refused):
    plg_file = services.upload_file(actor=plg_leitung, plg=open_plg, upload=pdf())

    assert_refused(
        services.delete_file,
        "Dateien können nur die hochladende Person und die PLG-Leitung löschen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        plg_file=plg_file,
    )


def test_lead_deletes_a_members_file(open_plg, plg_leitung, lehrkraft_a):
    plg_file = services.upload_file(actor=lehrkraft_a, plg=open_plg, upload=pdf())

    services.delete_file(actor=plg_leitung, plg_file=plg_file)

    assert not PlgFile.objects.filter(pk=plg_file.pk).exists()
    assert audit_event("plc.file.deleted").actor == plg_leitung


# --- Links ------------------------------------------------------------------------------------------


def test_member_shares_a_link(open_plg, lehrkraft_a):
    link = services.add_link(
        actor=lehrkraft_a, plg=open_plg, title=" Medienkompetenzrahmen ", url=" https://medienkompetenzrahmen.nrw/ "
    )

    link.refresh_from_db()
    assert (link.plg_id, link.title, link.url, link.added_by) == (
        open_plg.pk,
        "Medienkompetenzrahmen",
        "https://medienkompetenzrahmen.nrw/",
        lehrkraft_a,
    )
    assert audit_event("plc.link.added").data["url"] == "https://medienkompetenzrahmen.nrw/"


def test_link_without_title_is_named_after_its_address(open_plg, lehrkraft_a):
    link = services.add_link(actor=lehrkraft_a, plg=open_plg, title="", url="http://example.org/material")

    assert link.title == "http://example.org/material"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/plan.pdf", "www.schulministerium.nrw", "data:text/html,x", ""]
)
def test_link_that_is_not_a_web_address_is_refused(open_plg, lehrkraft_a, assert_refused, url):
    assert_refused(
        services.add_link,
        "Bitte geben Sie eine Webadresse ein, die mit https:// oder http:// beginnt.",
        INVALID,
        actor=lehrkraft_a,
        plg=open_plg,
        title="Link",
        url=url,
    )


def test_outsider_cannot_share_links(open_plg, lehrkraft_b, assert_refused):
    assert_refused(
        services.add_link,
        "Nur Mitglieder können hier Links teilen.",
        FORBIDDEN,
        actor=lehrkraft_b,
        plg=open_plg,
        title="Werbung",
        url="https://example.org/",
    )


def test_author_deletes_own_link(open_plg, lehrkraft_a):
    link = services.add_link(actor=lehrkraft_a, plg=open_plg, title="Alt", url="https://example.org/alt")

    services.delete_link(actor=lehrkraft_a, link=link)

    assert not PlgLink.objects.filter(pk=link.pk).exists()
    assert audit_event("plc.link.deleted").data["url"] == "https://example.org/alt"


def test_member_cannot_delete_anothers_link(open_plg, plg_leitung, lehrkraft_a, assert_refused):
    link = services.add_link(actor=plg_leitung, plg=open_plg, title="Plan", url="https://example.org/plan")

    assert_refused(
        services.delete_link,
        "Links können nur die Person, die sie geteilt hat, und die PLG-Leitung löschen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        link=link,
    )


def test_lead_deletes_a_members_link(open_plg, plg_leitung, lehrkraft_a):
    link = services.add_link(actor=lehrkraft_a, plg=open_plg, title="Plan", url="https://example.org/plan")

    services.delete_link(actor=plg_leitung, link=link)

    assert not PlgLink.objects.filter(pk=link.pk).exists()


# --- Meetings ---------------------------------------------------------------------------------------


def schedule_meeting(actor, plg, **overrides):
    values = {
        "title": " Planungstreffen ",
        "starts_at": MEETING_START,
        "ends_at": MEETING_START + timedelta(minutes=90),
        "location": "Medienzentrum, Raum 2",
    }
    return services.schedule_meeting(actor=actor, plg=plg, **{**values, **overrides})


def test_lead_schedules_a_meeting_and_members_are_notified(
    open_plg, plg_leitung, lehrkraft_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule_meeting(plg_leitung, open_plg, video_url=" https://konferenz.duisburg.de/plg ")

    meeting = Meeting.objects.get(plg=open_plg)
    assert (meeting.title, meeting.location, meeting.video_url, meeting.created_by) == (
        "Planungstreffen",
        "Medienzentrum, Raum 2",
        "https://konferenz.duisburg.de/plg",
        plg_leitung,
    )
    assert (meeting.starts_at, meeting.ends_at) == (MEETING_START, MEETING_START + timedelta(minutes=90))
    assert audit_event("plc.meeting.scheduled").data["plg"] == open_plg.pk
    [note] = notes("plc.meeting.scheduled")
    assert note.recipient == lehrkraft_a
    assert note.text == f"Neuer Termin in „{OPEN_TITLE}“: Planungstreffen am 14.03.2030 16:00 Uhr."
    assert note.url == open_plg.url + "#termine"
    assert [message.to for message in mail.outbox] == [[lehrkraft_a.email]]


@pytest.mark.parametrize("minutes", [0, -30])
def test_meeting_that_does_not_end_after_it_starts_is_refused(open_plg, plg_leitung, assert_refused, minutes):
    assert_refused(
        schedule_meeting,
        "Der Termin muss nach seinem Beginn enden.",
        INVALID,
        actor=plg_leitung,
        plg=open_plg,
        ends_at=MEETING_START + timedelta(minutes=minutes),
    )


def test_meeting_without_place_or_video_link_is_refused(open_plg, plg_leitung, assert_refused):
    assert_refused(
        schedule_meeting,
        "Bitte geben Sie einen Ort oder einen Videolink an.",
        INVALID,
        actor=plg_leitung,
        plg=open_plg,
        location="  ",
        video_url="",
    )


def test_meeting_video_link_must_be_a_web_address(open_plg, plg_leitung, assert_refused):
    """The video link becomes a link on the PLG page and in mails; only http(s) may be stored (as for links)."""
    assert_refused(
        schedule_meeting,
        "Bitte geben Sie eine Webadresse ein, die mit https:// oder http:// beginnt.",
        INVALID,
        actor=plg_leitung,
        plg=open_plg,
        location="",
        video_url="javascript:alert(document.cookie)",
    )


def test_member_cannot_schedule_meetings(open_plg, lehrkraft_a, assert_refused):
    assert_refused(
        schedule_meeting,
        "Nur die PLG-Leitung und das SMZ können Termine ansetzen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        plg=open_plg,
    )


def test_no_meetings_are_scheduled_in_an_archived_plg(open_plg, smz, plg_leitung, assert_refused):
    services.set_status(actor=smz, plg=open_plg, status=PlgStatus.ARCHIVED)

    assert_refused(
        schedule_meeting,
        "Nur die PLG-Leitung und das SMZ können Termine ansetzen.",
        FORBIDDEN,
        actor=plg_leitung,
        plg=open_plg,
    )


def test_lead_cancels_a_meeting_and_members_are_notified(
    open_plg, plg_leitung, lehrkraft_a, django_capture_on_commit_callbacks
):
    meeting = schedule_meeting(plg_leitung, open_plg)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(actor=plg_leitung, meeting=meeting)

    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    event = audit_event("plc.meeting.cancelled")
    assert (event.data["plg"], event.data["title"]) == (open_plg.pk, "Planungstreffen")
    [note] = notes("plc.meeting.cancelled")
    assert (note.recipient, note.text) == (
        lehrkraft_a,
        f"Der Termin „Planungstreffen“ in „{OPEN_TITLE}“ wurde abgesagt.",
    )
    assert [message.to for message in mail.outbox] == [[lehrkraft_a.email]]


def test_member_cannot_cancel_meetings(open_plg, plg_leitung, lehrkraft_a, assert_refused):
    meeting = schedule_meeting(plg_leitung, open_plg)

    assert_refused(
        services.cancel_meeting,
        "Nur die PLG-Leitung und das SMZ können Termine absagen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        meeting=meeting,
    )


# --- Results ----------------------------------------------------------------------------------------


def test_lead_publishes_a_result_with_materials_of_the_plg(open_plg, plg_leitung, lehrkraft_a):
    material = services.upload_file(actor=lehrkraft_a, plg=open_plg, upload=pdf(), title="Arbeitsblatt")

    result = services.publish_result(
        actor=plg_leitung,
        plg=open_plg,
        title=" Bruchrechnung mit Tablets ",
        tried="Geogebra in Klasse 6.",
        worked="Kleingruppen mit einem Tablet je zwei Kinder.",
        materials=[material],
    )

    result = Result.objects.get(pk=result.pk)
    assert (result.plg_id, result.title, result.published_by) == (open_plg.pk, "Bruchrechnung mit Tablets", plg_leitung)
    assert list(result.materials.all()) == [material]
    event = audit_event("plc.result.published")
    assert (event.data["plg"], event.data["materials"]) == (open_plg.pk, [material.pk])


def test_materials_of_another_plg_are_refused(open_plg, request_plg, plg_leitung, assert_refused):
    foreign = services.upload_file(actor=plg_leitung, plg=request_plg, upload=pdf())

    assert_refused(
        services.publish_result,
        "Materialien müssen Dateien dieser PLG sein.",
        INVALID,
        actor=plg_leitung,
        plg=open_plg,
        title="Ergebnis",
        tried="Etwas",
        worked="Einiges",
        materials=[foreign],
    )


@pytest.mark.parametrize("empty", ["title", "tried", "worked"])
def test_result_with_an_empty_field_is_refused(open_plg, plg_leitung, assert_refused, empty):
    values = {"title": "Ergebnis", "tried": "Etwas", "worked": "Einiges", empty: "  "}

    assert_refused(
        services.publish_result,
        "Bitte füllen Sie Titel, „Was erprobt wurde“ und „Was sich bewährt hat“ aus.",
        INVALID,
        actor=plg_leitung,
        plg=open_plg,
        **values,
    )


def test_member_cannot_publish_results(open_plg, lehrkraft_a, assert_refused):
    assert_refused(
        services.publish_result,
        "Nur die PLG-Leitung und das SMZ können Ergebnisse veröffentlichen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        plg=open_plg,
        title="Ergebnis",
        tried="Etwas",
        worked="Einiges",
    )


def test_results_of_a_closed_plg_are_visible_to_the_whole_network_but_not_to_guests(
    closed_plg, plg_leitung, lehrkraft_b
):
    result = services.publish_result(
        actor=plg_leitung, plg=closed_plg, title="Leitungsrunde", tried="Austausch", worked="Regelmäßigkeit"
    )

    assert list(selectors.results_visible_to(lehrkraft_b)) == [result]
    assert list(selectors.results_visible_to(AnonymousUser())) == []


def test_leads_change_log_lists_the_plgs_events_newest_first(open_plg, request_plg, lehrkraft_b):
    services.join_plg(actor=lehrkraft_b, plg=open_plg)
    services.request_membership(actor=lehrkraft_b, plg=request_plg)
    services.leave_plg(actor=lehrkraft_b, plg=open_plg)

    log = list(selectors.change_log_for(open_plg))

    assert [event.action for event in log[:2]] == ["plc.membership.left", "plc.membership.joined"]
    assert all(event.data["plg"] == open_plg.pk for event in log)


# --- Selectors --------------------------------------------------------------------------------------


def test_outsider_sees_open_and_on_request_plgs_but_not_closed(open_plg, request_plg, closed_plg, lehrkraft_b):
    assert set(selectors.plgs_visible_to(lehrkraft_b)) == {open_plg, request_plg}


def test_member_sees_all_three_of_their_plgs(open_plg, request_plg, closed_plg, lehrkraft_a):
    assert set(selectors.plgs_visible_to(lehrkraft_a)) == {open_plg, request_plg, closed_plg}


def test_smz_sees_every_plg(open_plg, request_plg, closed_plg, smz):
    assert set(selectors.plgs_visible_to(smz)) == {open_plg, request_plg, closed_plg}


def test_guest_sees_no_plg(open_plg, request_plg, closed_plg):
    assert list(selectors.plgs_visible_to(AnonymousUser())) == []


def test_directory_lists_own_plgs_first(open_plg, request_plg, closed_plg, plg_leitung, smz, lehrkraft_a):
    # "Astronomie" sorts before all three, but lehrkraft_a is not a member of it.
    astronomy = make_plg(title="Astronomie mit Apps", visibility=Visibility.OPEN, lead=plg_leitung)
    services.set_featured(actor=smz, plg=request_plg, featured=True)

    directory = list(selectors.directory_for(lehrkraft_a))

    assert directory == [request_plg, closed_plg, open_plg, astronomy]  # own (featured first, then title), others
    assert [plg.is_mine for plg in directory] == [True, True, True, False]
    assert [plg.member_count for plg in directory] == [2, 2, 2, 1]


def _fill(plg, lead, size: int) -> None:
    """Give the PLG `size` members, files, links, upcoming meetings, results, requests and invitations."""
    for n in range(size):
        member = UserFactory()
        Membership.objects.create(plg=plg, user=member)
        document = Document.objects.create(
            title=f"Material {n}", file=ContentFile(b"%PDF-1.4", name=f"m{n}.pdf"), collection=plg.collection
        )
        plg_file = PlgFile.objects.create(plg=plg, document=document, added_by=member)
        PlgLink.objects.create(plg=plg, title=f"Link {n}", url=f"https://example.org/{n}", added_by=member)
        start = MEETING_START + timedelta(days=n)
        Meeting.objects.create(
            plg=plg, title=f"Treffen {n}", starts_at=start, ends_at=start + timedelta(hours=1), location="Raum 1"
        )
        result = Result.objects.create(plg=plg, title=f"Ergebnis {n}", tried="a", worked="b", published_by=lead)
        result.materials.add(plg_file)
        JoinRequest.objects.create(plg=plg, user=UserFactory())
        invitee = UserFactory()
        Invitation.objects.create(plg=plg, email=invitee.email, invitee=invitee, invited_by=lead)


def _read_like_the_page(detail) -> list:
    """Touch what the PLG page shows, so that lazy loads would count as queries."""
    return [
        [m.user.display_name for m in detail.members],
        [m.user.display_name for m in detail.leads],
        [(f.document.title, f.document.url, f.added_by.display_name) for f in detail.files],
        [(link.title, link.added_by.display_name) for link in detail.links],
        [meeting.title for meeting in detail.meetings],
        [(r.published_by.display_name, [m.document.title for m in r.materials.all()]) for r in detail.results],
        [jr.user.display_name for jr in detail.pending_requests],
        [inv.invitee.display_name for inv in detail.pending_invitations],
        detail.own_request,
        detail.own_invitation,
    ]


def test_plg_page_query_count_does_not_grow_with_the_plg(plg_leitung, django_assert_num_queries):
    small = make_plg(title="Kleine PLG", visibility=Visibility.OPEN, lead=plg_leitung)
    large = make_plg(title="Große PLG", visibility=Visibility.OPEN, lead=plg_leitung)
    _fill(small, plg_leitung, 3)
    _fill(large, plg_leitung, 30)

    with CaptureQueriesContext(connection) as small_queries:
        small_detail = selectors.plg_detail_for(plg_leitung, small, can_view_content=True, can_manage=True)
        _read_like_the_page(small_detail)
    with django_assert_num_queries(len(small_queries)):
        large_detail = selectors.plg_detail_for(plg_leitung, large, can_view_content=True, can_manage=True)
        _read_like_the_page(large_detail)

    assert (len(small_detail.members), len(large_detail.members)) == (4, 31)
    assert [len(getattr(large_detail, name)) for name in ("files", "links", "meetings", "results")] == [30] * 4
    assert (len(large_detail.pending_requests), len(large_detail.pending_invitations)) == (30, 30)

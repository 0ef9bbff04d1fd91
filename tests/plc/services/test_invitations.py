"""PLG invitations (plc/services/invitations.py): by account or by address, accepted, declined, revoked.

Each test acts as one persona through ``plc.services`` and checks what people would see: the database,
the change log (audit events), notifications, and mails (sent after commit, so mail-sending calls run
inside ``django_capture_on_commit_callbacks(execute=True)``). A refused call is checked with
``assert_refused`` (tests/conftest.py): exact German message, kind, and nothing written or sent.
"""

from __future__ import annotations

from django.conf import settings
from django.core import mail

from lernen25.models import Notification
from plc import permissions, selectors, services
from plc.models import InvitationStatus, Membership, MembershipRole, PlgStatus
from tests.factories import UserFactory, verified
from tests.plc.helpers import CONFLICT, FORBIDDEN, NOT_FOUND, OPEN_TITLE, audit_event, mails_to, notes

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

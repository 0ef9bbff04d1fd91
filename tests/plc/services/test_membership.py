"""PLG membership (plc/services/membership.py): joining, asking to join, withdrawing, deciding,
leaving, removing members, and leads appointed or stepping down.

Each test acts as one persona through ``plc.services`` and checks what people would see: the database,
the change log (audit events), notifications, and mails (sent after commit, so mail-sending calls run
inside ``django_capture_on_commit_callbacks(execute=True)``). A refused call is checked with
``assert_refused`` (tests/conftest.py): exact German message, kind, and nothing written or sent.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import mail

from plc import permissions, services
from plc.models import JoinRequest, Membership, MembershipRole, PlgStatus, RequestStatus
from tests.plc.helpers import (
    CONFLICT,
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    OPEN_TITLE,
    REQUEST_TITLE,
    audit_event,
    notes,
    recipients,
)


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

    assert list(Membership.objects.filter(plg=open_plg).values_list("user", "role")) == [
        (lehrkraft_a.pk, MembershipRole.LEAD)
    ]


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

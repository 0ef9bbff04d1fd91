"""PLG pages as people use them: what they see, what a refusal says, bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lernen25.models import Notification
from plc import services
from plc.models import Membership, PlgProposal, ProposalStatus, Visibility
from tests.factories import UserFactory, verified


def _grow(plg, lead, n):
    """Give the PLG n more members, files, links and meetings."""
    for i in range(n):
        user = verified(UserFactory())
        services.invite_member(actor=lead, plg=plg, user=user)
        services.accept_invitation(actor=user, invitation=plg.invitations.get(email=user.email))
        services.upload_file(
            actor=user, plg=plg, upload=SimpleUploadedFile(f"f{i}.pdf", b"%PDF-1.4", content_type="application/pdf")
        )
        services.add_link(actor=user, plg=plg, title=f"Link {i}", url=f"https://example.org/{i}")
        start = timezone.now() + timedelta(days=i + 1)
        services.schedule_meeting(
            actor=lead,
            plg=plg,
            title=f"Termin {i}",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="SMZ",
        )


def _queries_for_page(client, url):
    client.get(url)  # warm up: session tracking and content-type caches happen on the first request only
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_plg_page_queries_do_not_grow_with_members_files_and_meetings(client, open_plg, plg_leitung):
    client.force_login(plg_leitung)
    _grow(open_plg, plg_leitung, 2)
    small = _queries_for_page(client, open_plg.url)

    _grow(open_plg, plg_leitung, 20)
    large = _queries_for_page(client, open_plg.url)

    assert large == small
    assert large <= 45


def test_directory_queries_do_not_grow_with_the_number_of_plgs(client, plg_leitung, lehrkraft_a):
    from tests.plc.conftest import make_plg

    client.force_login(lehrkraft_a)
    make_plg(title="PLG 0", visibility=Visibility.OPEN, lead=plg_leitung)
    small = _queries_for_page(client, "/plg/")
    for i in range(1, 15):
        make_plg(title=f"PLG {i}", visibility=Visibility.OPEN, lead=plg_leitung)

    assert _queries_for_page(client, "/plg/") == small


def test_member_sees_content_and_outsider_of_on_request_plg_sees_only_the_door(
    client, request_plg, lehrkraft_a, lehrkraft_b
):
    client.force_login(lehrkraft_a)
    member_page = client.get(request_plg.url).content.decode()
    client.force_login(lehrkraft_b)
    outsider_page = client.get(request_plg.url).content.decode()

    assert "Diskussion" in member_page and "Termine" in member_page
    assert "Beitritt anfragen" not in member_page
    assert "Diskussion, Termine und Material dieser PLG sind nur für ihre Mitglieder sichtbar." in outsider_page
    assert "Beitritt anfragen" in outsider_page
    assert lehrkraft_a.display_name not in outsider_page  # the member list is for members


def test_refused_action_shows_the_german_reason_and_a_4xx(client, open_plg, plg_leitung):
    client.force_login(plg_leitung)

    response = client.post(f"/plg-raum/{open_plg.pk}/verlassen/")

    assert response.status_code == 409
    assert "Sie sind die einzige Leitung." in response.content.decode()
    assert Membership.objects.filter(plg=open_plg, user=plg_leitung).exists()


def test_invalid_upload_is_refused_with_a_field_error_and_nothing_stored(client, open_plg, lehrkraft_a):
    client.force_login(lehrkraft_a)

    response = client.post(
        f"/plg-raum/{open_plg.pk}/dateien/",
        {"file": SimpleUploadedFile("virus.exe", b"MZ...", content_type="application/octet-stream")},
    )

    assert response.status_code == 400
    assert "können nicht geteilt werden" in response.content.decode()
    assert not open_plg.files.exists()


def test_invitee_accepts_from_the_notifications_page(client, request_plg, plg_leitung, lehrkraft_b):
    services.invite_member(actor=plg_leitung, plg=request_plg, user=lehrkraft_b)
    invitation = request_plg.invitations.get(email=lehrkraft_b.email)
    client.force_login(lehrkraft_b)
    page = client.get("/benachrichtigungen/").content.decode()
    assert "lädt Sie" in page or request_plg.title in page

    response = client.post(f"/einladungen/{invitation.pk}/annehmen/")

    assert response.status_code == 302 and response["Location"] == request_plg.url
    assert Membership.objects.filter(plg=request_plg, user=lehrkraft_b).exists()
    # someone else cannot answer it: it is not among their pending invitations
    assert client.post(f"/einladungen/{invitation.pk}/annehmen/").status_code == 404


def test_other_people_cannot_answer_an_invitation(client, request_plg, plg_leitung, lehrkraft_b, medienbeauftragte_a):
    services.invite_member(actor=plg_leitung, plg=request_plg, user=lehrkraft_b)
    invitation = request_plg.invitations.get(email=lehrkraft_b.email)
    client.force_login(medienbeauftragte_a)

    assert client.post(f"/einladungen/{invitation.pk}/annehmen/").status_code == 404
    assert not Membership.objects.filter(plg=request_plg, user=medienbeauftragte_a).exists()


def test_smz_approves_a_proposal_through_the_page(client, lehrkraft_b, smz):
    proposal = services.propose_plg(
        actor=lehrkraft_b,
        title="Robotik in der Grundschule",
        kind="innovation",
        goals="Calliope testen",
        visibility=Visibility.OPEN,
    )
    client.force_login(lehrkraft_b)
    assert client.post(f"/plg-vorschlaege/{proposal.pk}/entscheiden/", {"decision": "approve"}).status_code == 403

    client.force_login(smz)
    assert proposal.title in client.get("/plg-vorschlaege/").content.decode()
    response = client.post(f"/plg-vorschlaege/{proposal.pk}/entscheiden/", {"decision": "approve"})

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert response.status_code == 302 and response["Location"] == proposal.plg.url
    assert Membership.objects.get(plg=proposal.plg, user=lehrkraft_b).role == "lead"


def test_smz_declines_a_proposal_with_a_reason_the_proposer_reads(client, lehrkraft_b, smz):
    proposal = services.propose_plg(
        actor=lehrkraft_b, title="Doppelt", kind="innovation", goals="…", visibility=Visibility.OPEN
    )
    client.force_login(smz)

    client.post(f"/plg-vorschlaege/{proposal.pk}/entscheiden/", {"decision": "reject", "reason": "Gibt es schon."})

    client.force_login(lehrkraft_b)
    page = client.get("/plg-vorschlaege/").content.decode()
    assert PlgProposal.objects.get(pk=proposal.pk).status == ProposalStatus.REJECTED
    assert "Gibt es schon." in page
    assert Notification.objects.filter(recipient=lehrkraft_b, verb="plc.proposal.rejected").exists()


def test_teacher_proposes_a_plg_with_a_form_error_first(client, lehrkraft_b):
    client.force_login(lehrkraft_b)

    invalid = client.post("/plg-vorschlaege/", {"title": "", "kind": "innovation", "visibility": "open", "goals": ""})
    valid = client.post(
        "/plg-vorschlaege/", {"title": "Robotik", "kind": "innovation", "visibility": "open", "goals": "Calliope"}
    )

    assert invalid.status_code == 400
    assert "Bitte prüfen Sie Ihre Eingaben." in invalid.content.decode()
    assert valid.status_code == 302
    assert PlgProposal.objects.filter(title="Robotik", proposed_by=lehrkraft_b).count() == 1


def test_meeting_calendar_is_valid_icalendar(client, open_plg, plg_leitung):
    from icalendar import Calendar

    start = timezone.now() + timedelta(days=1)
    meeting = services.schedule_meeting(
        actor=plg_leitung,
        plg=open_plg,
        title="Auftakt",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="SMZ Raum 2",
        video_url="https://meet.example.org/plg",
    )
    client.force_login(plg_leitung)

    response = client.get(f"/plg-raum/{open_plg.pk}/termine/{meeting.pk}.ics")

    assert response["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Auftakt"
    assert str(event["LOCATION"]) == "SMZ Raum 2"
    assert event["DTSTART"].dt == start.replace(microsecond=0) or event["DTSTART"].dt == start
    assert str(event["UID"]) == f"{meeting.uid}@lernen25"


def test_home_page_shows_my_plgs_meetings_and_featured(client, open_plg, lehrkraft_a, smz):
    services.set_featured(actor=smz, plg=open_plg, featured=True)
    client.force_login(lehrkraft_a)

    page = client.get("/").content.decode()

    assert "Meine PLGs" in page
    assert open_plg.title in page
    assert "Vom SMZ hervorgehoben" in page


@pytest.mark.django_db
def test_guest_is_sent_to_sign_in_for_the_directory(client):
    response = client.get("/plg/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

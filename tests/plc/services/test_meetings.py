"""PLG meetings and results (plc/services/meetings.py): scheduled, cancelled, published.

Each test acts as one persona through ``plc.services`` and checks what people would see: the database,
the change log (audit events), notifications, and mails (sent after commit, so mail-sending calls run
inside ``django_capture_on_commit_callbacks(execute=True)``). A refused call is checked with
``assert_refused`` (tests/conftest.py): exact German message, kind, and nothing written or sent.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from plc import services
from plc.models import Meeting, PlgStatus, Result
from tests.plc.helpers import FORBIDDEN, INVALID, MEETING_START, OPEN_TITLE, audit_event, notes, pdf

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

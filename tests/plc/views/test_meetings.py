"""Meeting pages (plc/views/meetings.py): the calendar file of a meeting."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from plc import services


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

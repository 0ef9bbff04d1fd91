"""Meetings as iCalendar (RFC 5545), built with the ``icalendar`` library."""

from __future__ import annotations

from django.utils import timezone
from icalendar import Calendar, Event

from plc.models import Meeting, PlgPage


def meetings_to_ical(plg: PlgPage, meetings: list[Meeting], *, base_url: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Lernen 25//PLG-Termine//DE")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"PLG: {plg.title}")
    for meeting in meetings:
        event = Event()
        event.add("uid", f"{meeting.uid}@lernen25")
        event.add("summary", meeting.title)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("dtstamp", timezone.now())
        if meeting.location:
            event.add("location", meeting.location)
        description = "\n\n".join(part for part in (meeting.notes, meeting.video_url) if part)
        if description:
            event.add("description", description)
        event.add("url", meeting.video_url or f"{base_url}{plg.url}")
        calendar.add_component(event)
    return calendar.to_ical()

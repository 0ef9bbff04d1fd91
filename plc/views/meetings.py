"""Meetings of a PLG (with iCalendar downloads), its results and its change log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lernen25.errors import Refused
from plc import calendar, permissions, selectors, services
from plc.forms import MeetingForm, ResultForm
from plc.models import Meeting
from plc.pages import PAGE_SIZE
from plc.views._common import confirmed, done, form_error, plg_action, plg_item, refused_in_form


@require_POST
@plg_action("plc.schedule_plg")
def add_meeting_view(request, plg):
    form = MeetingForm(request.POST)
    if not form.is_valid():
        return form_error(request, plg, "meeting_form", form)
    try:
        services.schedule_meeting(actor=request.user, plg=plg, **form.cleaned_data)
    except Refused as refusal:
        return refused_in_form(request, plg, "meeting_form", form, refusal)
    return done(request, plg, _("The meeting was added; the members are told."), "termine")


@plg_action("plc.cancel_meeting")
def cancel_meeting_view(request, plg, meeting_id):
    meeting = plg_item(request, plg, Meeting.objects.all(), pk=meeting_id)
    return confirmed(
        request,
        plg,
        title=_("Cancel “%(title)s”?") % {"title": meeting.title},
        text=_("The meeting is removed and every member is told."),
        button=_("Cancel meeting"),
        perform=lambda: services.cancel_meeting(actor=request.user, meeting=meeting),
        done_message=_("The meeting was cancelled."),
        anchor="termine",
    )


@require_GET
@plg_action("plc.download_calendar")
def calendar_view(request, plg, meeting_id=None):
    """The PLG's meetings (or one meeting) as iCalendar, for members (and everyone for open PLGs)."""
    meetings = Meeting.objects.filter(plg=plg)
    if meeting_id is not None:
        meetings = meetings.filter(pk=meeting_id)
        if not meetings:
            raise Http404
    body = calendar.meetings_to_ical(plg, list(meetings), base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    name = f"plg-{plg.pk}" + (f"-termin-{meeting_id}" if meeting_id else "")
    response["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    return response


@require_POST
@plg_action("plc.publish_result")
def publish_result_view(request, plg):
    form = ResultForm(request.POST, plg=plg)
    if not form.is_valid():
        return form_error(request, plg, "result_form", form)
    try:
        services.publish_result(actor=request.user, plg=plg, **form.cleaned_data)
    except Refused as refusal:
        return refused_in_form(request, plg, "result_form", form, refusal)
    return done(request, plg, _("The result is published to the whole network."), "ergebnisse")


@require_GET
@plg_action("plc.view_change_log")
def change_log_view(request, plg):
    return render(request, "plc/change_log.html", {"plg": plg, "events": selectors.change_log_for(plg)})


@login_required
@require_GET
def results_view(request):
    """Every published result of the network, newest first."""
    paginator = Paginator(permissions.results_visible_to(request.user), PAGE_SIZE)
    return render(request, "plc/results.html", {"page_obj": paginator.get_page(request.GET.get("seite"))})

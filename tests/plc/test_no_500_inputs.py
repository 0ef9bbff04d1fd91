"""No input answers 500: huge ids in URLs, huge primary keys in choice fields, dates at the calendar's edge.

The roots: every id in our URLs goes through the ``id`` converter (at most 18 digits, else no URL of
ours: 404); ``__in`` on integer columns leaves out what the column cannot hold
(``lernen25.lookups``); date fields refuse years outside 1900..2199 (``lernen25.fields``). Expected
refusals are logged as one line (``lernen25.logfilters``).
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lernen25.logfilters import ExpectedRefusalsAsOneLine
from plc.forms import MeetingForm
from plc.models import Meeting, Message, PlgFile, Result

GENERATED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _our_patterns(resolver=None, prefix=""):
    """(route, pattern) of every URL pattern of our apps (not Wagtail's, allauth's or Django's)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_module, "__name__", "")
            if module.startswith(("lernen25", "plc", "sso", "medienkonzepte", "software_catalog")):
                yield from _our_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "")
            if module.startswith(("lernen25", "plc", "sso", "medienkonzepte", "software_catalog")):
                yield route, entry


def test_no_url_of_ours_takes_an_unbounded_integer():
    unbounded = [route for route, _ in _our_patterns() if "<int:" in route]
    assert unbounded == [], "use <id:…> (at most 18 digits): " + ", ".join(unbounded)


@pytest.fixture
def member_client(client, lehrkraft_a, closed_plg):
    client.force_login(lehrkraft_a)
    return client


@GENERATED
@given(digits=st.integers(min_value=19, max_value=40))
def test_ids_beyond_the_database_are_404(member_client, closed_plg, digits):
    huge = "9" * digits
    for path in (
        f"/plg-raum/{huge}/themen/1/",
        f"/plg-raum/{closed_plg.pk}/themen/{huge}/",
        f"/plg-raum/{huge}/termine.ics",
        f"/plg-raum/{closed_plg.pk}/termine/{huge}.ics",
        f"/plg-raum/{huge}/beitreten/",
        f"/plg-raum/{closed_plg.pk}/beitraege/{huge}/bearbeiten/",
    ):
        assert member_client.get(path).status_code == 404, path
        assert member_client.post(path).status_code == 404, path


@pytest.mark.django_db
def test_in_lookups_leave_out_integers_the_column_cannot_hold(topic):
    first = topic.messages.first()
    assert list(Message.objects.filter(pk__in=[10**25, -(10**25)])) == []
    assert list(Message.objects.filter(pk__in=[10**25, first.pk])) == [first]
    assert list(Message.objects.filter(topic_id__in=[2**63])) == []


@GENERATED
@given(pk=st.one_of(st.integers(min_value=2**63), st.integers(max_value=-(2**63) - 1)))
def test_huge_primary_keys_in_a_multiple_choice_field_are_a_form_error(member_client, closed_plg, plg_leitung, pk):
    """The result form's materials (a ModelMultipleChoiceField): a choice that cannot exist, not a 500."""
    member_client.force_login(plg_leitung)
    before = (Result.objects.count(), PlgFile.objects.count())
    response = member_client.post(
        reverse("plc:publish_result", kwargs={"pk": closed_plg.pk}),
        {"title": "Ergebnis", "tried": "Etwas", "worked": "Gut", "materials": [str(pk)]},
    )
    assert response.status_code == 400
    assert f"Bitte eine gültige Auswahl treffen. {pk} ist keine gültige Auswahl." in response.content.decode()
    assert (Result.objects.count(), PlgFile.objects.count()) == before


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "0001-01-01 00:00", "9999-12-31T23:59", "1899-12-31T23:59"])
def test_dates_outside_the_years_a_school_plans_are_form_errors(value):
    form = MeetingForm({"title": "Treffen", "starts_at": value, "ends_at": value})
    assert not form.is_valid()
    assert form.errors["starts_at"] == ["Bitte geben Sie ein Datum zwischen den Jahren 1900 und 2199 ein."]


@GENERATED
@given(
    moment=st.one_of(
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
        st.sampled_from([datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59)]),
    )
)
def test_a_meeting_at_any_date_is_saved_or_refused_never_a_500(member_client, closed_plg, plg_leitung, moment):
    member_client.force_login(plg_leitung)
    before = Meeting.objects.count()
    text = moment.strftime("%Y-%m-%dT%H:%M").rjust(16, "0")
    response = member_client.post(
        reverse("plc:add_meeting", kwargs={"pk": closed_plg.pk}),
        {"title": "Treffen", "starts_at": text, "ends_at": text},
    )
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert Meeting.objects.count() == before


def test_expected_refusals_are_logged_as_one_line(client, lehrkraft_a, closed_plg, caplog):
    """A 403 is logged with Django's exception attached; the site's console handler drops the traceback."""
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, ExpectedRefusalsAsOneLine) for f in h.filters)
    )
    client.force_login(lehrkraft_a)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("plc:change_log", kwargs={"pk": closed_plg.pk}))
    assert response.status_code in (403, 404)
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records
    for record in records:
        assert handler.filter(record)
        line = handler.format(record)
        assert "\n" not in line and "Traceback" not in line, line


def test_server_errors_keep_their_traceback():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: /x", (), None)
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    record.status_code = 500
    assert ExpectedRefusalsAsOneLine().filter(record)
    assert record.exc_info is not None


@pytest.mark.parametrize("form", ["topic", "proposals", "create"])
def test_an_empty_post_shows_what_is_missing(client, lehrkraft_a, smz, open_plg, topic, form):
    """An empty POST is a submitted form with every field missing, not a page view (found by generated posts)."""
    client.force_login(smz if form == "create" else lehrkraft_a)
    url = {
        "topic": reverse("plc:topic", kwargs={"pk": open_plg.pk, "topic_id": topic.pk}),
        "proposals": reverse("plc:proposals"),
        "create": reverse("plc:create"),
    }[form]
    before = Message.objects.count()
    response = client.post(url, {})
    assert response.status_code == 400
    assert "kern-error" in response.content.decode()
    assert Message.objects.count() == before

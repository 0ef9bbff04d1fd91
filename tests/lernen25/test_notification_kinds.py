"""Notifications are a kind with parameters, rendered when read, in the reader's language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from lernen25 import services
from lernen25.models import Notification
from lernen25.notifications import notify


def test_a_notification_reads_in_the_language_of_whoever_reads_it(signed_up, schulleitung_a, school_a):
    request = services.request_confirmation(actor=signed_up, school=school_a)
    services.decide_confirmation(actor=schulleitung_a, confirmation=request, accept=False)
    note = Notification.objects.get(recipient=signed_up, kind="lernen25.confirmation.declined")

    assert note.params == {"school": school_a.name}
    with translation.override("de"):
        assert note.text == f"Die Schule {school_a.name} hat Sie nicht als Lehrkraft bestätigt."
    with translation.override("en"):
        assert note.text == f"{school_a.name} has not confirmed you as a teacher."


def test_a_function_name_is_translated_when_read(schulleitung_a, signed_up, school_a):
    services.grant_function(actor=schulleitung_a, user=signed_up, school=school_a, function="medienbeauftragte")
    note = Notification.objects.get(recipient=signed_up, kind="lernen25.affiliation.granted")

    assert note.params["function"] == "medienbeauftragte"
    with translation.override("en"):
        assert "Media coordinator" in note.text
    with translation.override("de"):
        assert "Medienbeauftragte" in note.text


def test_unknown_kind_or_missing_parameter_fails_in_the_service(signed_up):
    with pytest.raises(ImproperlyConfigured):
        notify([signed_up], kind="lernen25.made_up", params={})
    with pytest.raises(KeyError):
        notify([signed_up], kind="lernen25.confirmation.declined", params={})
    assert not Notification.objects.exists()


def test_rows_from_before_kinds_keep_their_text(signed_up):
    old = Notification.objects.create(recipient=signed_up, kind="lernen25.old_verb", stored_text="Alter Text")

    assert old.text == "Alter Text"

"""Notifications and mails in the reader's language: ``Profile.language`` (German unless chosen).

A teacher who chose English in the profile gets English mails (ours and allauth's) and, since the
choice is the interface's language too, an English notification list; German by default. Rows from
before kinds (migration 0012) are read back into parameters where their text allows it.
"""

from __future__ import annotations

import importlib

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from lernen25 import services
from lernen25.models import Notification
from lernen25.notifications import notify
from tests.factories import SIGN_UP_NILS, TEST_PASSWORD

migration_0012 = importlib.import_module("lernen25.migrations.0012_notification_params_from_text")
params_from_text = migration_0012.params_from_text


def choose_language(client, user, language: str):
    """The person picks a language in the profile form, as in the browser."""
    client.force_login(user)
    return client.post(
        reverse("profile"),
        {"display_name": "", "email_notifications": "on", "mention_digest": "on", "language": language},
    )


def test_a_profile_speaks_german_until_english_is_chosen(client, lehrkraft_a):
    assert lehrkraft_a.profile.language == "de"
    client.force_login(lehrkraft_a)
    page = client.get(reverse("profile")).content.decode()
    assert 'name="language" value="de" id="id_language_0" checked' in page

    response = choose_language(client, lehrkraft_a, "en")

    assert response.status_code == 302
    lehrkraft_a.profile.refresh_from_db()
    assert lehrkraft_a.profile.language == "en"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"  # the interface follows


def test_an_unknown_language_is_refused_by_the_form(client, lehrkraft_a):
    response = choose_language(client, lehrkraft_a, "fr")

    assert response.status_code == 400
    lehrkraft_a.profile.refresh_from_db()
    assert lehrkraft_a.profile.language == "de"


def test_notification_list_and_mail_are_english_for_who_chose_english(
    client, signed_up, schulleitung_a, school_a, django_capture_on_commit_callbacks
):
    choose_language(client, schulleitung_a, "en")
    request = services.request_confirmation(actor=signed_up, school=school_a)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.decide_confirmation(actor=schulleitung_a, confirmation=request, accept=False)
    # The declined person (German by default) gets German; the principal chose English.
    page = client.get(reverse("notifications")).content.decode()

    assert f"Nora Neumann asks to be confirmed as a teacher at {school_a.name}." in page
    (declined,) = mail.outbox
    assert declined.to == [signed_up.email]
    assert f"Die Schule {school_a.name} hat Sie nicht als Lehrkraft bestätigt." in declined.body
    assert declined.body.startswith("Guten Tag Nora Neumann,")


def test_each_recipient_of_one_notification_reads_their_own_language(
    client, lehrkraft_a, lehrkraft_b, signed_up, django_capture_on_commit_callbacks
):
    choose_language(client, lehrkraft_b, "en")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [lehrkraft_a, lehrkraft_b],
            actor=signed_up,
            kind="lernen25.confirmation.declined",
            params={"school": "Gesamtschule Meiderich"},
            url=reverse("profile"),
        )

    by_recipient = {message.to[0]: message for message in mail.outbox}
    german, english = by_recipient[lehrkraft_a.email], by_recipient[lehrkraft_b.email]
    assert german.subject == "[Lernen 25] Die Schule Gesamtschule Meiderich hat Sie nicht als Lehrkraft bestätigt."
    assert german.body.startswith("Guten Tag Anna Lehmann,")
    assert "Mit freundlichen Grüßen" in german.alternatives[0][0]
    assert english.subject == "[Lernen 25] Gesamtschule Meiderich has not confirmed you as a teacher."
    assert english.body.startswith("Hello Bernd Becker,")
    assert "Kind regards" in english.body and "Kind regards" in english.alternatives[0][0]
    assert '<html lang="en"' in english.alternatives[0][0]
    assert "Sie" not in english.body


def test_the_notification_list_is_german_by_default(client, signed_up, schulleitung_a, school_a):
    services.request_confirmation(actor=signed_up, school=school_a)
    client.force_login(schulleitung_a)

    page = client.get(reverse("notifications")).content.decode()

    assert f"Nora Neumann bittet um Bestätigung als Lehrkraft an der Schule {school_a.name}." in page


def test_allauth_mails_follow_the_profile_not_the_page(client, lehrkraft_a):
    lehrkraft_a.profile.language = "en"
    lehrkraft_a.profile.save(update_fields=["language"])

    client.post("/accounts/password/reset/", {"email": lehrkraft_a.email})  # from a German page

    (message,) = mail.outbox
    assert message.subject == "[Lernen 25] Reset your password"
    assert message.body.startswith("Hello Anna Lehmann,")
    assert "Your Lernen 25 team" in message.alternatives[0][0]


def test_signing_up_on_the_english_page_keeps_english(client, roles):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(
        "/accounts/signup/",
        SIGN_UP_NILS,
    )

    (message,) = mail.outbox
    assert message.subject == "[Lernen 25] Please confirm your e-mail address"
    assert message.body.startswith("Hello Nils Neu,")
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(email="nils.neu@schule-a.de").profile.language == "en"


def test_signing_in_on_a_fresh_browser_takes_the_profiles_language(client, lehrkraft_a):
    lehrkraft_a.profile.language = "en"
    lehrkraft_a.profile.save(update_fields=["language"])

    response = client.post("/accounts/login/", {"login": lehrkraft_a.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(reverse("notifications"))
    assert page.headers["Content-Language"] == "en"


def test_signing_in_keeps_a_language_chosen_on_this_browser(client, lehrkraft_a):
    lehrkraft_a.profile.language = "en"
    lehrkraft_a.profile.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    response = client.post("/accounts/login/", {"login": lehrkraft_a.email, "password": TEST_PASSWORD})

    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


# --- Rows from before kinds (migration 0012) -------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "params"),
    [
        (
            "lernen25.confirmation.declined",
            "Die Schule Gesamtschule Meiderich hat Sie nicht als Lehrkraft bestätigt.",
            {"school": "Gesamtschule Meiderich"},
        ),
        (
            "lernen25.confirmation.declined",
            "Gesamtschule Meiderich has not confirmed you as a teacher.",
            {"school": "Gesamtschule Meiderich"},
        ),
        (
            "lernen25.affiliation.granted",
            "You are now confirmed as Media coordinator at Gesamtschule Meiderich.",
            {"function": "medienbeauftragte", "school": "Gesamtschule Meiderich"},
        ),
        ("plc.lead.assigned", "You lead the new PLC “Geometrie”.", {"title": "Geometrie", "new": True}),
        ("plc.lead.assigned", "You now lead the PLC “Geometrie”.", {"title": "Geometrie", "new": False}),
        ("plc.mention", "Someone wrote something else.", None),
        ("lernen25.old_verb", "Alter Text", None),
    ],
)
def test_old_texts_are_read_back_into_parameters(kind, text, params, db):
    assert params_from_text(kind, text) == params


def test_a_german_row_from_before_kinds_reads_in_english_after_the_migration(signed_up):
    with translation.override("de"):
        stored = translation.gettext("You are now confirmed as %(function)s at %(school)s.") % {
            "function": translation.gettext("Principal"),
            "school": "Grundschule Walsum",
        }
    row = Notification.objects.create(recipient=signed_up, kind="lernen25.affiliation.granted", stored_text=stored)
    assert row.text == stored  # no parameters: shown as written, not an error

    row.params = params_from_text(row.kind, row.stored_text)
    row.save(update_fields=["params"])

    with translation.override("en"):
        assert row.text == "You are now confirmed as Principal at Grundschule Walsum."


def test_the_migration_fills_only_rows_whose_text_it_can_read(signed_up):
    from django.apps import apps

    readable = Notification.objects.create(
        recipient=signed_up,
        kind="lernen25.confirmation.declined",
        stored_text="Die Schule Grundschule Walsum hat Sie nicht als Lehrkraft bestätigt.",
    )
    unreadable = Notification.objects.create(recipient=signed_up, kind="plc.mention", stored_text="Irgendetwas")
    new = Notification.objects.create(recipient=signed_up, kind="plc.mention", params={"name": "A", "topic": "B"})

    migration_0012.forwards(apps, None)

    for row in (readable, unreadable, new):
        row.refresh_from_db()
    assert readable.params == {"school": "Grundschule Walsum"}
    assert unreadable.params == {} and unreadable.text == "Irgendetwas"
    assert new.params == {"name": "A", "topic": "B"}

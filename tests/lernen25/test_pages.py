"""The pages of the foundation as a person sees them: German first, strict CSP, accessible skeleton."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from lernen25.models import AuditEvent, Subject
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
HOME_QUERIES = 27  # a signed-in home page with every panel: 25 before, +1 "waiting for your decision", +1 unread topics


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"])
def test_public_pages_are_german_with_landmarks_and_a_skip_link(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="de"' in page
    assert 'href="#main">Zum Inhalt springen</a>' in page
    assert '<main id="main"' in page and "<header" in page and "<footer" in page
    assert 'aria-label="Hauptnavigation"' in page


@pytest.mark.django_db
def test_guest_home_explains_the_network(client):
    page = client.get("/").content.decode()

    assert "Lernen 25 – das Schulnetzwerk Duisburg" in page
    assert "Konto anlegen" in page
    assert "Was das Netzwerk bietet" in page


def test_teacher_home_shows_what_is_new_for_them(client, lehrkraft_a, school_a):
    colleague = UserFactory(first_name="Carla", last_name="Kollegin", schools=[school_a])
    UserFactory(first_name="Fremd", last_name="Person")  # another school: not news for Anna
    client.force_login(lehrkraft_a)

    page = client.get("/").content.decode()

    assert "Willkommen, Anna Lehmann" in page
    assert f"{colleague.display_name} ist am" in page
    assert "Fremd Person" not in page
    assert "Gesamtschule Meiderich" in page


def test_home_tells_a_guest_to_ask_a_school_for_confirmation(client, signed_up, lehrkraft_a, smz):
    client.force_login(signed_up)
    assert "Noch von keiner Schule bestätigt" in client.get("/").content.decode()

    for confirmed in (lehrkraft_a, smz):  # a school's teacher, or a city-wide role: no such hint
        client.force_login(confirmed)
        assert "Noch von keiner Schule bestätigt" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_site_pages_send_a_strict_nonce_policy_and_no_inline_code(client):
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy
    assert "style-src 'self';" in policy or policy.endswith("style-src 'self'")
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    page = response.content.decode()
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all(f'nonce="{nonce}"' in tag and "src=" in tag for tag in scripts)
    assert " style=" not in page and "hx-on" not in page


def test_admin_gets_its_own_relaxed_policy_and_loads_nothing_from_third_parties(client, smz):
    client.force_login(smz)

    response = client.get("/admin/")
    policy = response["Content-Security-Policy"]
    assert "gravatar" not in response.content.decode()

    assert "script-src 'self' 'unsafe-inline'" in policy
    assert "nonce-" not in policy


@pytest.mark.django_db
def test_language_switch_turns_the_site_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302

    english = client.get("/accounts/login/").content.decode()
    assert '<html lang="en"' in english
    assert "Skip to content" in english

    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert '<html lang="de"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_every_german_translation_is_filled_and_compiled():
    po = (ROOT / "locale/de/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    mo = ROOT / "locale/de/LC_MESSAGES/django.mo"
    entries = po.split("\n\n")[1:]

    untranslated = [e for e in entries if re.search(r'^msgstr ""\n?$', e, re.M) and 'msgstr ""\n"' not in e]
    assert untranslated == []
    assert "#, fuzzy" not in po
    assert mo.stat().st_mtime >= (ROOT / "locale/de/LC_MESSAGES/django.po").stat().st_mtime - 1
    with translation.override("de"):
        assert translation.gettext("Skip to content") == "Zum Inhalt springen"
        assert translation.gettext("Save profile") == "Profil speichern"


def test_profile_is_saved_and_audited(client, lehrkraft_a, school_b):
    client.force_login(lehrkraft_a)
    deutsch = Subject.objects.get(name="Deutsch")

    response = client.post(
        "/profil/",
        {"display_name": "Frau Lehmann", "schools": [school_b.pk], "subjects": [deutsch.pk], "email_notifications": ""},
    )

    assert response.status_code == 302
    lehrkraft_a.refresh_from_db()
    assert lehrkraft_a.display_name == "Frau Lehmann"
    # a school cannot be chosen in the profile: the functions stay what the schools granted
    assert [a.school.number for a in lehrkraft_a.affiliations.all()] == ["165432"]
    assert list(lehrkraft_a.profile.subjects.all()) == [deutsch]
    assert lehrkraft_a.profile.email_notifications is False
    assert "Ihr Profil wurde gespeichert." in client.get("/profil/").content.decode()
    assert AuditEvent.objects.filter(action="lernen25.profile.updated", actor=lehrkraft_a).exists()


def test_profile_with_an_unknown_subject_shows_an_error_and_changes_nothing(client, lehrkraft_a, school_a):
    client.force_login(lehrkraft_a)

    response = client.post("/profil/", {"display_name": "X", "subjects": ["999999"], "email_notifications": "on"})

    assert response.status_code == 400
    assert "Bitte prüfen Sie Ihre Eingaben." in response.content.decode()
    lehrkraft_a.refresh_from_db()
    assert lehrkraft_a.profile.display_name == ""
    assert list(lehrkraft_a.affiliations.values_list("school", flat=True)) == [school_a.pk]


def test_profile_needs_sign_in(client, db):
    response = client.get("/profil/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_unknown_page_is_a_german_404(client):
    response = client.get("/gibt-es-nicht/")

    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()
    assert "URLconf" not in response.content.decode()  # never Django's debug page (DEBUG off, as in `make run`)


def queries_of_home(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_teacher_home_page_needs_a_bounded_number_of_queries(client, lehrkraft_a, school_a):
    UserFactory(schools=[school_a])
    client.force_login(lehrkraft_a)
    queries_of_home(client)  # the first request fills the site and page caches

    assert len(queries_of_home(client)) <= HOME_QUERIES


@pytest.mark.needs_app("plc")
def test_home_page_queries_do_not_grow_with_plgs_meetings_and_invitations(client, lehrkraft_a, plg_leitung, smz):
    from datetime import timedelta

    from django.utils import timezone

    from plc import services as plc_services
    from plc.models import PlgKind, Visibility

    def add_plg(number: int) -> None:
        plg = plc_services.create_plg(
            actor=None,
            system=True,
            title=f"PLG {number}",
            kind=PlgKind.LESSON_DEVELOPMENT,
            visibility=Visibility.OPEN,
            leads=[plg_leitung],
            notify_leads=False,
        )
        plc_services.join_plg(actor=lehrkraft_a, plg=plg)
        plc_services.set_featured(actor=smz, plg=plg, featured=True)
        start = timezone.now() + timedelta(days=number)
        plc_services.schedule_meeting(
            actor=plg_leitung, plg=plg, title=f"Treffen {number}", starts_at=start, ends_at=start + timedelta(hours=1),
            location="SMZ",
        )  # fmt: skip
        closed = plc_services.create_plg(
            actor=None,
            system=True,
            title=f"Geschlossen {number}",
            kind=PlgKind.LESSON_DEVELOPMENT,
            visibility=Visibility.CLOSED,
            leads=[plg_leitung],
            notify_leads=False,
        )
        plc_services.invite_member(actor=plg_leitung, plg=closed, user=lehrkraft_a)

    add_plg(1)
    client.force_login(lehrkraft_a)
    queries_of_home(client)
    one = queries_of_home(client)
    for number in range(2, 6):
        add_plg(number)
    page = client.get("/").content.decode()
    five = queries_of_home(client)

    assert "Sie haben 5 Einladungen in PLGs." in page or "5 Einladungen" in page
    assert "Treffen 5" in page and "Vom SMZ hervorgehoben" in page
    assert len(five) == len(one) <= HOME_QUERIES

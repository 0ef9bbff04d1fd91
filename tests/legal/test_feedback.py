"""The accessibility statement's feedback form: anyone reports a barrier, the SMZ hears of it."""

from __future__ import annotations

import pytest
from django.core import mail

from legal.models import BarrierReport
from lernen25.models import AuditEvent, Notification

FORM = "/barrierefreiheit/barriere-melden/"
SENT = "/barrierefreiheit/barriere-melden/gesendet/"
VALID = {
    "page_address": "/plg/",
    "description": "Der Knopf „Beitreten“ ist mit dem Screenreader nicht erreichbar.",
    "name": "Petra Prüfer",
    "email": "petra@example.org",
}

pytestmark = pytest.mark.django_db


def test_the_form_is_open_to_everyone_and_in_german(client, lehrkraft_a):
    for signed_in in (False, True):
        if signed_in:
            client.force_login(lehrkraft_a)
        response = client.get(FORM)

        assert response.status_code == 200
        page = response.content.decode()
        assert '<html lang="de"' in page and "Barriere melden" in page
        assert "Worin besteht die Barriere?" in page and "Meldung senden" in page
        assert 'href="/datenschutz/">Mehr dazu in der Datenschutzerklärung</a>' in page


def test_a_link_may_name_the_page_of_the_barrier(client):
    page = client.get(FORM, {"seite": "/plg-ergebnisse/"}).content.decode()

    assert 'value="/plg-ergebnisse/"' in page


def test_a_report_reaches_the_smz_and_the_sender_sees_a_confirmation(
    client, smz, lehrkraft_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM, VALID)

    assert response.status_code == 302 and response["Location"] == SENT
    report = BarrierReport.objects.get()
    assert report.description == VALID["description"] and report.email == "petra@example.org"
    assert report.reporter is None
    note = Notification.objects.get(kind="legal.barrier_report.created")
    assert note.recipient == smz
    assert note.text == f"Neue Barrieremeldung zu „/plg/“: {VALID['description']}"
    assert note.url == f"/admin/barrier_reports/inspect/{report.pk}/"
    assert not Notification.objects.filter(recipient=lehrkraft_a).exists()  # the SMZ only
    assert [message.to for message in mail.outbox] == [[smz.email]]
    assert "Neue Barrieremeldung" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="legal.barrier_report.created").exists()

    confirmation = client.get(SENT)
    assert confirmation.status_code == 200
    assert "Vielen Dank für Ihre Meldung" in confirmation.content.decode()
    assert "Ihre Meldung ist beim Schulmedienzentrum (SMZ) eingegangen." in confirmation.content.decode()


def test_a_signed_in_sender_is_linked_to_the_report(client, lehrkraft_a, smz):
    client.force_login(lehrkraft_a)

    response = client.post(FORM, {"description": "Kontrast der Hinweise ist zu gering."})

    assert response.status_code == 302
    report = BarrierReport.objects.get()
    assert report.reporter == lehrkraft_a and report.email == "" and report.page_address == ""
    assert Notification.objects.get(recipient=smz).text == "Neue Barrieremeldung: Kontrast der Hinweise ist zu gering."


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"description": ""}, "Bitte beschreiben Sie die Barriere."),
        ({"description": "   "}, "Bitte beschreiben Sie die Barriere."),
        (
            {"description": "Fehler", "email": "keine-adresse"},
            "Bitte geben Sie eine gültige E-Mail-Adresse ein oder lassen Sie das Feld leer.",
        ),
        ({"description": "x" * 5001}, "höchstens 5000 Zeichen"),
        ({"description": "Fehler", "name": "n" * 151}, "höchstens 150 Zeichen"),
    ],
)
def test_an_invalid_report_shows_a_german_error_and_sends_nothing(
    client, smz, data, error, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(FORM, data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Bitte prüfen Sie Ihre Eingaben." in page
    assert error in page
    assert not BarrierReport.objects.exists() and not Notification.objects.exists()
    assert callbacks == [] and mail.outbox == []


def test_a_filled_honeypot_is_answered_like_a_person_and_sends_nothing(client, smz):
    response = client.post(FORM, {**VALID, "website": "https://spam.example/"})

    assert response.status_code == 302 and response["Location"] == SENT
    assert not BarrierReport.objects.exists() and not Notification.objects.exists()


def test_reports_are_rate_limited_per_address_for_the_signed_out(client, smz):
    for _ in range(5):
        assert client.post(FORM, VALID).status_code == 302

    refused = client.post(FORM, VALID)

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Sie haben in kurzer Zeit mehrere Meldungen gesendet" in refused.content.decode()
    assert BarrierReport.objects.count() == 5
    # Another network address has its own budget.
    assert client.post(FORM, VALID, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_a_signed_in_sender_is_counted_by_account(client, lehrkraft_a, smz):
    client.force_login(lehrkraft_a)
    for _ in range(5):
        assert client.post(FORM, VALID).status_code == 302

    assert client.post(FORM, VALID, REMOTE_ADDR="198.51.100.7").status_code == 429


def test_only_the_accessibility_statement_has_the_form(client):
    assert client.get("/impressum/barriere-melden/").status_code == 404
    assert client.get("/datenschutz/barriere-melden/gesendet/").status_code == 404


def test_other_methods_are_refused(client):
    assert client.put(FORM).status_code == 405


def test_the_smz_reads_the_reports_in_the_admin_and_nobody_else(client, smz, lehrkraft_a, datenschutz):
    client.post(FORM, VALID)
    report = BarrierReport.objects.get()

    client.force_login(smz)
    listing = client.get("/admin/barrier_reports/")
    assert listing.status_code == 200 and "Barrieremeldungen" in listing.content.decode()
    detail = client.get(f"/admin/barrier_reports/inspect/{report.pk}/")
    assert detail.status_code == 200 and "petra@example.org" in detail.content.decode()
    assert client.get(f"/admin/barrier_reports/edit/{report.pk}/").status_code == 302  # nobody edits

    client.force_login(datenschutz)  # admin access for other work
    response = client.get("/admin/barrier_reports/")
    assert response.status_code == 302 and response["Location"] == "/admin/"

    client.force_login(lehrkraft_a)
    assert client.get("/admin/barrier_reports/").status_code == 403


def test_the_report_reads_as_a_sentence_in_the_audit_log(client, lehrkraft_a):
    from django.utils import translation

    from lernen25 import audit

    client.force_login(lehrkraft_a)
    client.post(FORM, {"description": "Kontrast zu gering"})
    event = AuditEvent.objects.get(action="legal.barrier_report.created")

    with translation.override("de"):
        assert audit.sentence(event) == "Anna Lehmann hat eine Barriere gemeldet: „Kontrast zu gering“."

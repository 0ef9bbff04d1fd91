"""PLG material (plc/services/material.py): files in the PLG's collection, and links.

Each test acts as one persona through ``plc.services`` and checks what people would see: the database,
the change log (audit events), notifications, and mails (sent after commit, so mail-sending calls run
inside ``django_capture_on_commit_callbacks(execute=True)``). A refused call is checked with
``assert_refused`` (tests/conftest.py): exact German message, kind, and nothing written or sent.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model

from plc import services
from plc.models import PlgFile, PlgLink, PlgStatus
from tests.plc.helpers import FORBIDDEN, INVALID, NOT_FOUND, audit_event, pdf

ALLOWED_TYPES = "csv, docx, jpeg, jpg, odp, ods, odt, pdf, png, pptx, txt, xlsx"
Document = get_document_model()


# --- Files ------------------------------------------------------------------------------------------


def test_member_shares_a_pdf_stored_in_the_plgs_collection(open_plg, lehrkraft_a):
    content = b"%PDF-1.4 Unterrichtsplanung"

    plg_file = services.upload_file(
        actor=lehrkraft_a, plg=open_plg, upload=pdf(content=content), title=" Stundenplanung Klasse 7 "
    )

    plg_file = PlgFile.objects.select_related("document").get(pk=plg_file.pk)
    assert (plg_file.plg_id, plg_file.added_by) == (open_plg.pk, lehrkraft_a)
    document = plg_file.document
    assert (document.title, document.collection, document.uploaded_by_user) == (
        "Stundenplanung Klasse 7",
        open_plg.collection,
        lehrkraft_a,
    )
    with document.file.open("rb") as stored:
        assert stored.read() == content
    event = audit_event("plc.file.added")
    assert (event.data["plg"], event.data["file"]) == (open_plg.pk, "Stundenplanung Klasse 7")


def test_file_without_title_is_named_after_the_file(open_plg, lehrkraft_a):
    plg_file = services.upload_file(actor=lehrkraft_a, plg=open_plg, upload=pdf("Elternbrief.PDF"))

    assert plg_file.document.title == "Elternbrief"


@pytest.mark.parametrize(("name", "extension"), [("setup.exe", "exe"), ("seite.html", "html"), ("plan.pdf.exe", "exe")])
def test_file_of_a_type_not_allowed_is_refused(open_plg, lehrkraft_a, assert_refused, name, extension):
    assert_refused(
        services.upload_file,
        f"Dateien vom Typ „{extension}“ können nicht geteilt werden. Erlaubt: {ALLOWED_TYPES}.",
        INVALID,
        actor=lehrkraft_a,
        plg=open_plg,
        upload=SimpleUploadedFile(name, b"MZ\x90\x00", content_type="application/octet-stream"),
    )


def test_empty_file_is_refused(open_plg, lehrkraft_a, assert_refused):
    assert_refused(
        services.upload_file,
        "Die Datei ist leer.",
        INVALID,
        actor=lehrkraft_a,
        plg=open_plg,
        upload=pdf(content=b""),
    )


def test_too_large_file_is_refused(open_plg, lehrkraft_a, assert_refused, monkeypatch):
    monkeypatch.setattr("plc.services.material.MAX_FILE_BYTES", 10)

    assert_refused(
        services.upload_file,
        "Die Datei ist größer als 10\xa0Bytes.",
        INVALID,
        actor=lehrkraft_a,
        plg=open_plg,
        upload=pdf(content=b"%PDF-1.4 elf"),
    )


def test_outsider_cannot_share_files_in_an_open_plg(open_plg, lehrkraft_b, assert_refused):
    assert_refused(
        services.upload_file,
        "Nur Mitglieder können hier Dateien teilen.",
        FORBIDDEN,
        actor=lehrkraft_b,
        plg=open_plg,
        upload=pdf(),
    )


def test_outsider_cannot_share_files_in_a_closed_plg_they_cannot_see(closed_plg, lehrkraft_b, assert_refused):
    assert_refused(
        services.upload_file, "Diese PLG gibt es nicht.", NOT_FOUND, actor=lehrkraft_b, plg=closed_plg, upload=pdf()
    )


def test_member_cannot_share_files_in_an_archived_plg(open_plg, smz, lehrkraft_a, assert_refused):
    services.set_status(actor=smz, plg=open_plg, status=PlgStatus.ARCHIVED)

    assert_refused(
        services.upload_file,
        "Nur Mitglieder können hier Dateien teilen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        plg=open_plg,
        upload=pdf(),
    )


def test_uploader_deletes_own_file(open_plg, lehrkraft_a):
    plg_file = services.upload_file(actor=lehrkraft_a, plg=open_plg, upload=pdf(), title="Entwurf")
    document_pk = plg_file.document.pk

    services.delete_file(actor=lehrkraft_a, plg_file=plg_file)

    assert not PlgFile.objects.filter(pk=plg_file.pk).exists()
    assert not Document.objects.filter(pk=document_pk).exists()
    event = audit_event("plc.file.deleted")
    assert (event.data["plg"], event.data["file"]) == (open_plg.pk, "Entwurf")


def test_member_cannot_delete_anothers_file(open_plg, plg_leitung, lehrkraft_a, assert_refused):
    plg_file = services.upload_file(actor=plg_leitung, plg=open_plg, upload=pdf())

    assert_refused(
        services.delete_file,
        "Dateien können nur die hochladende Person und die PLG-Leitung löschen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        plg_file=plg_file,
    )


def test_lead_deletes_a_members_file(open_plg, plg_leitung, lehrkraft_a):
    plg_file = services.upload_file(actor=lehrkraft_a, plg=open_plg, upload=pdf())

    services.delete_file(actor=plg_leitung, plg_file=plg_file)

    assert not PlgFile.objects.filter(pk=plg_file.pk).exists()
    assert audit_event("plc.file.deleted").actor == plg_leitung


# --- Links ------------------------------------------------------------------------------------------


def test_member_shares_a_link(open_plg, lehrkraft_a):
    link = services.add_link(
        actor=lehrkraft_a, plg=open_plg, title=" Medienkompetenzrahmen ", url=" https://medienkompetenzrahmen.nrw/ "
    )

    link.refresh_from_db()
    assert (link.plg_id, link.title, link.url, link.added_by) == (
        open_plg.pk,
        "Medienkompetenzrahmen",
        "https://medienkompetenzrahmen.nrw/",
        lehrkraft_a,
    )
    assert audit_event("plc.link.added").data["url"] == "https://medienkompetenzrahmen.nrw/"


def test_link_without_title_is_named_after_its_address(open_plg, lehrkraft_a):
    link = services.add_link(actor=lehrkraft_a, plg=open_plg, title="", url="https://example.org/material")

    assert link.title == "https://example.org/material"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/plan.pdf", "www.schulministerium.nrw", "data:text/html,x", ""]
)
def test_link_that_is_not_a_web_address_is_refused(open_plg, lehrkraft_a, assert_refused, url):
    assert_refused(
        services.add_link,
        "Bitte geben Sie eine Webadresse ein, die mit https:// beginnt.",
        INVALID,
        actor=lehrkraft_a,
        plg=open_plg,
        title="Link",
        url=url,
    )


def test_outsider_cannot_share_links(open_plg, lehrkraft_b, assert_refused):
    assert_refused(
        services.add_link,
        "Nur Mitglieder können hier Links teilen.",
        FORBIDDEN,
        actor=lehrkraft_b,
        plg=open_plg,
        title="Werbung",
        url="https://example.org/",
    )


def test_author_deletes_own_link(open_plg, lehrkraft_a):
    link = services.add_link(actor=lehrkraft_a, plg=open_plg, title="Alt", url="https://example.org/alt")

    services.delete_link(actor=lehrkraft_a, link=link)

    assert not PlgLink.objects.filter(pk=link.pk).exists()
    assert audit_event("plc.link.deleted").data["url"] == "https://example.org/alt"


def test_member_cannot_delete_anothers_link(open_plg, plg_leitung, lehrkraft_a, assert_refused):
    link = services.add_link(actor=plg_leitung, plg=open_plg, title="Plan", url="https://example.org/plan")

    assert_refused(
        services.delete_link,
        "Links können nur die Person, die sie geteilt hat, und die PLG-Leitung löschen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        link=link,
    )


def test_lead_deletes_a_members_link(open_plg, plg_leitung, lehrkraft_a):
    link = services.add_link(actor=lehrkraft_a, plg=open_plg, title="Plan", url="https://example.org/plan")

    services.delete_link(actor=plg_leitung, link=link)

    assert not PlgLink.objects.filter(pk=link.pk).exists()

"""The legal pages: seeded on every database, German, in every footer, edited by the SMZ only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from legal.models import LegalKind, LegalPage
from legal.seed import seed_legal_pages
from lernen25.setup import setup_roles

PAGES = {
    "/impressum/": "Impressum",
    "/datenschutz/": "Datenschutzerklärung",
    "/barrierefreiheit/": "Erklärung zur Barrierefreiheit",
}
FOOTER_LINKS = [
    '<a class="kern-link kern-link--small" href="/impressum/">Impressum</a>',
    '<a class="kern-link kern-link--small" href="/datenschutz/">Datenschutz</a>',
    '<a class="kern-link kern-link--small" href="/barrierefreiheit/">Barrierefreiheit</a>',
]
TO_CONFIRM = "Noch vom SMZ oder juristisch zu bestätigen"

pytestmark = pytest.mark.django_db


def footer_of(page: str) -> str:
    return page[page.index("<footer") : page.index("</footer>")]


@pytest.mark.django_db
def test_the_pages_exist_after_migrate_without_any_seeding():
    # post_migrate made them when the test database was created (legal/seed.py).
    pages = LegalPage.objects.live().public()

    assert sorted(pages.values_list("kind", flat=True)) == sorted(LegalKind.values)
    assert {page.url for page in pages} == set(PAGES)
    assert all(page.get_parent().specific_class.__name__ == "HomePage" for page in pages)
    assert all(page.get_latest_revision() is not None for page in pages)


@pytest.mark.django_db
def test_seeding_again_creates_nothing_and_keeps_the_smz_edits():
    imprint = LegalPage.objects.get(kind=LegalKind.IMPRINT)
    imprint.title = "Impressum (geprüft)"
    imprint.save_revision().publish()

    assert seed_legal_pages().created == []
    assert LegalPage.objects.count() == 3
    assert LegalPage.objects.get(kind=LegalKind.IMPRINT).title == "Impressum (geprüft)"


@pytest.mark.django_db
def test_a_missing_page_is_seeded_again_and_nothing_else():
    LegalPage.objects.get(kind=LegalKind.PRIVACY).delete()

    assert seed_legal_pages().created == [LegalKind.PRIVACY]
    assert LegalPage.objects.get(kind=LegalKind.PRIVACY).url == "/datenschutz/"
    assert LegalPage.objects.count() == 3


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_answers_guest_and_teacher_in_german(client, lehrkraft_a, path):
    for signed_in in (False, True):
        if signed_in:
            client.force_login(lehrkraft_a)
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

        assert response.status_code == 200
        page = response.content.decode()
        assert '<html lang="de"' in page
        assert f'<h1 class="kern-heading-large" id="legal-title">{PAGES[path]}</h1>' in page
        assert "Stand: " in page and "Inhalt" in page
        assert "Stadt Duisburg" in page and "Schulmedienzentrum" in page
        # What only the city can know is marked in a visible warning box.
        assert 'class="kern-alert kern-alert--warning l25-legal-to-confirm"' in page and TO_CONFIRM in page


def test_the_texts_describe_this_platform(client):
    privacy = client.get("/datenschutz/").content.decode()
    statement = client.get("/barrierefreiheit/").content.decode()

    for fact in ("Ihr Konto", "Funktionen an Schulen", "Professionelle Lerngemeinschaften", "Dateien", "Cookies"):
        assert fact in privacy
    assert "Art. 15 DSGVO" in privacy and "Hosting" in privacy
    assert "<b>teilweise barrierefrei</b>" in statement
    for fact in ("BITV 2.0", "EN 301 549", "Nicht barrierefreie Inhalte", "Durchsetzungsverfahren", "Ombudsstelle"):
        assert fact in statement
    assert "Diese Erklärung wurde am " in statement
    # The feedback mechanism is always there, whatever the SMZ writes.
    assert 'href="/barrierefreiheit/barriere-melden/"' in statement and "Barriere melden" in statement


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/gibt-es-nicht/", "/accounts/login/"])
def test_the_footer_links_the_legal_pages_and_not_the_health_check(client, path):
    page = client.get(path).content.decode()

    footer = footer_of(page)
    assert all(link in footer for link in FOOTER_LINKS)
    assert 'aria-label="Rechtliche Informationen"' in footer
    assert "/healthz" not in page and "Systemstatus" not in page


def test_the_footer_marks_the_current_legal_page(client):
    footer = footer_of(client.get("/impressum/").content.decode())

    assert 'href="/impressum/" aria-current="page">Impressum</a>' in footer


def test_the_footer_asks_the_database_nothing_once_cached(client, lehrkraft_a):
    client.force_login(lehrkraft_a)
    client.get("/")  # fills the caches

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()

    assert all(link in footer_of(page) for link in FOOTER_LINKS)
    assert not [query["sql"] for query in queries if "legal_legalpage" in query["sql"]]


@pytest.mark.django_db
def test_the_footer_follows_unpublishing_and_a_new_address(client):
    client.get("/")
    imprint = LegalPage.objects.get(kind=LegalKind.IMPRINT)
    imprint.unpublish()
    assert "Impressum" not in footer_of(client.get("/").content.decode())

    privacy = LegalPage.objects.get(kind=LegalKind.PRIVACY)
    privacy.slug = "datenschutzerklaerung"
    privacy.save_revision().publish()
    footer = footer_of(client.get("/").content.decode())
    assert 'href="/datenschutzerklaerung/">Datenschutz</a>' in footer


def test_without_the_app_the_footer_renders_without_links(rf, monkeypatch):
    # The core-only settings (tests/settings_core.py) may run without the app: the context
    # processor then adds nothing, and the footer renders without the list.
    from django.apps import apps

    from legal.context_processors import legal_links

    monkeypatch.setattr(apps, "is_installed", lambda label: label != "legal")
    request = rf.get("/")
    assert legal_links(request) == {}
    footer = render_to_string("includes/_footer.html", {"request": request})
    assert "<footer" in footer and "kern-list" not in footer


def test_smz_may_edit_and_publish_the_pages_in_the_admin(client, smz):
    from wagtail.models import GroupPagePermission

    for page in LegalPage.objects.all():
        granted = set(
            GroupPagePermission.objects.filter(group__name="SMZ-Moderation", page=page).values_list(
                "permission__codename", flat=True
            )
        )
        assert granted == {"change_page", "publish_page"}
        tester = page.permissions_for_user(smz)
        assert tester.can_edit() and tester.can_publish()
        # The pages must stay: no deleting, unpublishing, moving or copying (legal.models).
        assert not (tester.can_delete() or tester.can_unpublish() or tester.can_move() or tester.can_copy())
        assert not tester.can_add_subpage()

    client.force_login(smz)
    for page in LegalPage.objects.all():  # the seeded rich text opens in the editor
        assert client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200
    assert setup_roles().changed is False


def test_a_teacher_may_not_edit_the_pages(client, lehrkraft_a, datenschutz):
    statement = LegalPage.objects.get(kind=LegalKind.ACCESSIBILITY)
    assert not statement.permissions_for_user(lehrkraft_a).can_edit()

    client.force_login(lehrkraft_a)
    assert client.get(f"/admin/pages/{statement.pk}/edit/").status_code == 403

    # Admin access for other work (data protection) is no right to edit the legal pages.
    assert not statement.permissions_for_user(datenschutz).can_edit()
    client.force_login(datenschutz)
    response = client.get(f"/admin/pages/{statement.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == "/admin/"

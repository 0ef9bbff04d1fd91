"""The admin in the platform's look, who may enter it, and who manages documents and images there.

- Branding: Wagtail's documented blocks (frontend/templates/wagtailadmin/) and colour variables
  (frontend/static/css/admin.css, loaded by the ``insert_global_admin_css`` hook).
- A signed-in person without admin access gets the site's 403 (``lernen25.admin_access``), never a
  second sign-in form; a guest goes to the site's sign-in.
- ``setup_roles`` grants the roles' document and image permissions on the root collection, where
  Wagtail looks for them (``GroupCollectionPermission``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model
from wagtail.models import Collection, GroupCollectionPermission

from lernen25.admin_access import admin_roles
from lernen25.mfa import setup_url
from lernen25.roles import GROUP_NAMES, ROLE_COLLECTION_PERMISSIONS, Role, forget_grants
from lernen25.setup import setup_roles

pytestmark = pytest.mark.django_db

FORBIDDEN = "Keine Berechtigung"
NO_ACCESS = "Ihr Konto hat keinen Zugang zur Verwaltung."
WHO_MAY = "Sie steht nur diesen Rollen offen: SMZ-Moderation, Datenschutzbeauftragte, Schulträger und Administration."
HOME_LINK = '<a class="kern-link" href="/">Zur Startseite</a>'
TOTP_REQUIRED = "Zwei-Faktor-Anmeldung erforderlich"
DOCUMENTS_MENU = '"url": "/admin/documents/"'
IMAGES_MENU = '"url": "/admin/images/"'


def title_of(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


# --- Branding ------------------------------------------------------------------------------------


def test_the_dashboard_is_titled_overview_of_lernen_25(client, smz):
    client.force_login(smz)

    response = client.get("/admin/")

    assert response.status_code == 200
    # Wagtail's skeleton joins the page's title and the branding title with " - ".
    assert title_of(response) == "Übersicht - Lernen 25"
    assert re.search(r"<h1[^>]*>\s*Verwaltung von Lernen 25\s*</h1>", response.content.decode())


@pytest.mark.parametrize("path", ["/admin/", "/admin/audit/", "/admin/schools/", "/admin/documents/"])
def test_every_admin_page_carries_the_platforms_name_logo_favicon_and_colours(client, smz, path):
    client.force_login(smz)

    response = client.get(path)

    assert response.status_code == 200, path
    page = response.content.decode()
    assert title_of(response).endswith(" - Lernen 25")
    assert "Wagtail" not in title_of(response)
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    assert "wagtailadmin/images/favicon.ico" not in page
    assert '<link rel="stylesheet" href="/static/css/admin.css">' in page
    assert '<link rel="stylesheet" href="/static/vendor/kern/fonts/fira-sans.css">' in page
    logo = re.search(r"<template data-wagtail-sidebar-branding-logo>(.*?)</template>", page, re.S).group(1)
    assert 'src="/static/img/lernen25-wordmark-light.svg"' in logo
    assert 'src="/static/img/lernen25-mark-light.svg"' in logo


def test_the_admin_css_replaces_wagtails_purple_and_teal_with_kerns_blues():
    css = Path(finders.find("css/admin.css")).read_text(encoding="utf-8")

    assert "--w-color-primary: #0b2a6f;" in css
    assert "--w-color-secondary: #2044aa;" in css  # KERN's action colour (darkblue-700)
    assert "--w-color-focus: #4d7fd6;" in css
    for name in ("img/lernen25-wordmark-light.svg", "img/lernen25-mark-light.svg", "img/favicon.svg"):
        assert finders.find(name), name


def test_the_admins_404_page_shows_the_wordmark(client, smz):
    client.force_login(smz)

    response = client.get("/admin/gibt-es-nicht/")

    assert response.status_code == 404
    page = response.content.decode()
    assert '<img class="l25-admin-404-logo" src="/static/img/lernen25-wordmark-light.svg" alt="Lernen 25"' in page
    assert "Lernen 25" in title_of(response)


# --- Who may enter -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lehrkraft_a", "plg_leitung", "medienbeauftragte_a", "signed_up"])
@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/", "/admin/documents/", "/admin/login/"])
def test_a_signed_in_person_without_admin_access_gets_the_sites_403(request, client, name, path):
    client.force_login(request.getfixturevalue(name))

    response = client.get(path)

    assert response.status_code == 403
    page = response.content.decode()
    assert title_of(response) == f"{FORBIDDEN} – Lernen 25"
    assert f">{FORBIDDEN}</h1>" in page
    assert NO_ACCESS in page
    assert WHO_MAY in page
    assert HOME_LINK in page
    assert 'class="l25-header"' in page  # the site's layout, not Wagtail's
    assert 'id="wagtail"' not in page
    assert 'type="password"' not in page and "<form" not in page.split('class="l25-main"')[1].split("</main>")[0]
    assert TOTP_REQUIRED not in page


def test_wagtails_xhr_requests_get_the_same_403(client, lehrkraft_a):
    client.force_login(lehrkraft_a)

    response = client.get("/admin/api/main/pages/", headers={"x-requested-with": "XMLHttpRequest"})

    assert response.status_code == 403
    assert NO_ACCESS in response.content.decode()


def test_djangos_admin_says_it_is_for_the_administrators(client, lehrkraft_a):
    client.force_login(lehrkraft_a)

    response = client.get("/django-admin/")

    assert response.status_code == 403
    page = response.content.decode()
    assert (
        "Ihr Konto hat keinen Zugang zur Verwaltung. Dieser Teil ist nur für die Administration von Lernen 25 da."
        in page
    )
    assert HOME_LINK in page


def test_a_principal_still_without_second_factor_is_told_both(client, schulleitung_a):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=schulleitung_a).delete()
    forget_grants(schulleitung_a)
    client.force_login(schulleitung_a)

    response = client.get("/admin/")

    assert response.status_code == 403
    page = response.content.decode()
    assert WHO_MAY in page  # principals have no admin access, with or without a second factor
    assert TOTP_REQUIRED in page
    assert f'href="{setup_url()}"' in page


@pytest.mark.parametrize("path", ["/admin/", "/admin/documents/", "/admin/images/"])
def test_a_guest_is_sent_to_the_sites_sign_in(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_the_refusal_names_exactly_the_roles_with_admin_access():
    assert admin_roles() == [
        GROUP_NAMES[Role.SMZ_MODERATION],
        GROUP_NAMES[Role.DATENSCHUTZ],
        GROUP_NAMES[Role.SCHULTRAEGER],
        GROUP_NAMES[Role.ADMINISTRATION],
    ]


# --- Documents and images ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "documents", "images"),
    [
        ("smz", True, True),
        ("admin_user", True, True),
        ("datenschutz", True, False),
        ("schultraeger", False, False),
    ],
)
def test_the_menus_show_documents_and_images_to_the_roles_that_manage_them(request, client, name, documents, images):
    client.force_login(request.getfixturevalue(name))

    dashboard = client.get("/admin/").content.decode()

    assert (DOCUMENTS_MENU in dashboard) is documents
    assert (IMAGES_MENU in dashboard) is images
    assert client.get("/admin/documents/").status_code == (200 if documents else 302)
    assert client.get("/admin/images/").status_code == (200 if images else 302)


def test_the_smz_uploads_a_document_in_the_admin(client, smz):
    client.force_login(smz)
    root = Collection.get_first_root_node()

    response = client.post(
        "/admin/documents/add/",
        {
            "title": "Medienkompetenzrahmen NRW",
            "file": SimpleUploadedFile("mkr.txt", b"Bedienen und Anwenden", content_type="text/plain"),
            "collection": root.pk,
        },
    )

    assert response.status_code == 302
    assert get_document_model().objects.filter(title="Medienkompetenzrahmen NRW", uploaded_by_user=smz).exists()


def test_setup_roles_grants_the_collection_permissions_on_the_root(roles):
    root = Collection.get_first_root_node()
    for role, name in GROUP_NAMES.items():
        granted = {
            (row.collection_id, f"{row.permission.content_type.app_label}.{row.permission.codename}")
            for row in GroupCollectionPermission.objects.filter(group__name=name).select_related(
                "permission__content_type"
            )
        }
        assert granted == {(root.pk, dotted) for dotted in ROLE_COLLECTION_PERMISSIONS[role]}, role
    assert ROLE_COLLECTION_PERMISSIONS[Role.PLG_LEITUNG] == []
    assert ROLE_COLLECTION_PERMISSIONS[Role.SCHULTRAEGER] == []


def test_setup_roles_keeps_collection_permissions_idempotent_and_removes_hand_made_ones(roles):
    assert not setup_roles().changed

    plg_collection = Collection.get_first_root_node().add_child(name="PLG: Tablets im Matheunterricht")
    GroupCollectionPermission.objects.create(
        group=Group.objects.get(name=GROUP_NAMES[Role.SCHULTRAEGER]),
        collection=plg_collection,
        permission=Permission.objects.get(content_type__app_label="wagtaildocs", codename="add_document"),
    )

    report = setup_roles()

    assert report.changed_groups == [GROUP_NAMES[Role.SCHULTRAEGER]]
    assert not GroupCollectionPermission.objects.filter(group__name=GROUP_NAMES[Role.SCHULTRAEGER]).exists()
    assert not setup_roles().changed

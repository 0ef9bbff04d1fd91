"""``lernen25.registry``: how apps contribute to the core's pages and commands without the core importing them."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template import engines
from django.urls import reverse

from lernen25 import registry
from lernen25.registry import NavigationEntry, Panel, Registry
from lernen25.roles import ROLE_MODEL_PERMISSIONS, ROLE_PAGE_PERMISSIONS

FEATURE_APPS = ("plc", "sso", "medienkonzepte", "software_catalog")


def partial(source: str):
    """A panel template without a file: ``{% include %}`` renders a template object as it is."""
    return engines["django"].from_string(source).template


def panel(name: str, text: str, *, order: int = 100, seen: list | None = None, show: bool = True) -> Panel:
    def context(user):
        if seen is not None:
            seen.append(user)
        return {"text": text} if show else None

    return Panel(name, partial('<p class="test-panel">{{ panel.text }}</p>'), context, order=order)


# --- The registry itself --------------------------------------------------------------------------


def test_entries_come_in_their_order_then_by_name():
    entries = Registry("thing")
    for name, order in [("b.late", 50), ("a.early", 10), ("c.late", 50)]:
        entries.register(panel(name, name, order=order))

    assert entries.names() == ["a.early", "b.late", "c.late"]
    assert len(entries) == 3 and "a.early" in entries


def test_another_entry_under_a_taken_name_is_refused_but_the_same_entry_again_is_ignored():
    entries = Registry("thing")
    first = entries.register(panel("plc.my_plgs", "one"))

    entries.register(first)  # AppConfig.ready() may run twice
    with pytest.raises(ImproperlyConfigured, match=r"plc\.my_plgs"):
        entries.register(panel("plc.my_plgs", "two"))
    assert entries.names() == ["plc.my_plgs"]


def test_override_shows_only_its_entries_and_restores_the_registered_ones():
    before = registry.home_panels.names()

    with registry.home_panels.override(panel("test.only", "x")):
        assert registry.home_panels.names() == ["test.only"]

    assert registry.home_panels.names() == before


# --- Home page and notifications page -------------------------------------------------------------


def test_home_page_renders_the_panels_in_order_for_the_person_who_asks(client, lehrkraft_a):
    seen = []
    client.force_login(lehrkraft_a)

    with registry.home_panels.override(
        panel("test.second", "Zweites Panel", order=50, seen=seen),
        panel("test.first", "Erstes Panel", order=10),
        panel("test.nothing", "Leeres Panel", show=False),
    ):
        page = client.get("/").content.decode()

    assert page.index("Willkommen, Anna Lehmann") < page.index("Erstes Panel") < page.index("Zweites Panel")
    assert page.index("Zweites Panel") < page.index("Neu für Sie")  # the core's own news come after the panels
    assert "Leeres Panel" not in page
    assert seen == [lehrkraft_a]


@pytest.mark.django_db
def test_guest_home_asks_no_panel(client):
    seen = []

    with registry.home_panels.override(panel("test.panel", "Panel", seen=seen)):
        page = client.get("/").content.decode()

    assert "test-panel" not in page  # the guests' page shows the introduction only
    assert seen == []


def test_notifications_page_renders_the_panels_above_the_list(client, lehrkraft_a):
    client.force_login(lehrkraft_a)

    with registry.notification_panels.override(panel("test.notice", "Offene Sache")):
        page = client.get(reverse("notifications")).content.decode()

    assert page.index("Offene Sache") < page.index("Alle Benachrichtigungen")


def test_navigation_shows_the_registered_entries_and_marks_the_current_one(client, lehrkraft_a):
    client.force_login(lehrkraft_a)
    entries = (
        NavigationEntry("test.by_name", "Nach Name", "notifications", order=10),
        NavigationEntry("test.by_path", "Nach Pfad", "/schulen/", order=20, current_prefixes=("/schulen/",)),
    )

    with registry.navigation.override(*entries):
        page = client.get(reverse("notifications")).content.decode()

    assert '<a class="l25-nav__link" href="/benachrichtigungen/" aria-current="page">Nach Name</a>' in page
    assert '<a class="l25-nav__link" href="/schulen/" >Nach Pfad</a>' in page
    assert page.index("Nach Name") < page.index("Nach Pfad") < page.index("Mein Profil")


def test_core_pages_work_without_any_contribution(client, lehrkraft_a):
    client.force_login(lehrkraft_a)

    with (
        registry.home_panels.override(),
        registry.notification_panels.override(),
        registry.navigation.override(),
    ):
        home = client.get("/")
        notifications = client.get(reverse("notifications"))

    assert home.status_code == notifications.status_code == 200
    assert "Meine PLGs" not in home.content.decode()
    assert "invitations-heading" not in notifications.content.decode()


# --- What the installed apps contribute ----------------------------------------------------------


@pytest.mark.needs_app("plc")
def test_plc_contributes_panels_navigation_search_sources_and_demo_data():
    assert registry.home_panels.names() == [
        "plc.to_decide",
        "plc.invitations",
        "plc.unread",
        "plc.my_plgs",
        "plc.featured",
    ]
    assert registry.notification_panels.names() == ["plc.invitations"]
    assert registry.navigation.names() == ["plc.directory", "plc.results"]
    assert registry.search_sources.names() == ["plc.plgs", "plc.results"]
    assert registry.demo_seeders.names() == ["plc"]


@pytest.mark.django_db
@pytest.mark.needs_app("plc")
def test_a_search_source_returns_what_it_would_index():
    from plc.models import PlgPage

    plgs = next(source for source in registry.search_sources if source.name == "plc.plgs")

    assert set(plgs.items()) == set(PlgPage.objects.live())


@pytest.mark.needs_app(*FEATURE_APPS)
def test_the_role_table_names_only_installed_apps():
    # Without an app its permissions are skipped (lernen25.setup); with all of them, none may be unknown.
    labels = {dotted.split(".")[0] for names in ROLE_MODEL_PERMISSIONS.values() for dotted in names}
    labels |= {label.split(".")[0] for pages in ROLE_PAGE_PERMISSIONS.values() for label, _types in pages}
    assert labels <= set(apps.app_configs)


def test_no_feature_app_is_installed_under_the_core_settings_or_all_are():
    installed = [app for app in FEATURE_APPS if apps.is_installed(app)]

    if settings.SETTINGS_MODULE == "tests.settings_core":
        assert installed == []
        assert registry.home_panels.names() == registry.demo_seeders.names() == []
    else:
        assert installed == list(FEATURE_APPS)

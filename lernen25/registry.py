"""Where feature apps plug into the core, so that the core imports none of them.

The core (``lernen25``: settings, schools, people, roles, notifications, audit, home page) knows
no feature app (``plc``, ``sso``, ``medienkonzepte``, ``software_catalog``); an import-linter
contract in ``pyproject.toml`` holds it to that. What an app adds to the core's pages and
commands it registers here, **from its ``AppConfig.ready()``** (app-config style, not Wagtail's
hook functions: one place per app lists everything it contributes, the entries are typed, and an
app that is not installed contributes nothing)::

    class PlcConfig(AppConfig):
        def ready(self):
            from lernen25 import registry
            from plc import panels

            registry.home_panels.register(panels.MY_PLGS)

The registries:

- ``home_panels``: sections of the signed-in home page, between the greeting and the core's
  own news;
- ``notification_panels``: sections of the notifications page above the list;
- ``navigation``: entries of the main navigation for signed-in people;
- ``demo_seeders``: what ``seed_demo`` writes after the core's schools, teachers and accounts;
- ``search_sources``: what each app offers to the search index (used by the search issue).

A panel's context function is a selector: it takes the person who asks, reads only what they
may see and returns the partial's context, or ``None`` to leave the panel out. Entries are kept
in ``order`` (then name); names are unique, dotted with the app label (``plc.my_plgs``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

if TYPE_CHECKING:
    from django.http import HttpRequest

    from lernen25.demo import DemoContext


class _Named(Protocol):
    name: str


Entry = TypeVar("Entry", bound=_Named)


class Registry(Generic[Entry]):
    """Named entries, iterated in ``order`` (0 for entries without one), then by name."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def register(self, entry: Entry) -> Entry:
        """Add ``entry``. The same entry again is ignored (``ready()`` may run twice); another
        entry under a taken name is a mistake and raises ``ImproperlyConfigured``."""
        existing = self._entries.get(entry.name)
        if existing is not None and existing != entry:
            raise ImproperlyConfigured(f"A {self.kind} named {entry.name!r} is registered already.")
        self._entries[entry.name] = entry
        return entry

    def unregister(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[Entry]:
        return iter(sorted(self._entries.values(), key=lambda entry: (getattr(entry, "order", 0), entry.name)))

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def names(self) -> list[str]:
        return [entry.name for entry in self]

    @contextmanager
    def override(self, *entries: Entry) -> Iterator[Registry[Entry]]:
        """Only ``entries`` while the block runs (tests: the page without any app, or with a fake one)."""
        saved = self._entries
        self._entries = {}
        try:
            for entry in entries:
                self.register(entry)
            yield self
        finally:
            self._entries = saved


# --- Page panels (home page, notifications page) --------------------------------------------


@dataclass(frozen=True)
class Panel:
    """A section an app adds to a core page."""

    name: str  # unique, dotted: "plc.my_plgs"
    template: str  # a partial; it reads what ``context`` returned as ``panel`` (and the page's context)
    context: Callable[[Any], dict | None]  # a selector: (user) -> the partial's context, or None: not shown
    order: int = 100


@dataclass(frozen=True)
class ShownPanel:
    """A panel with its context for one person: what the page's template loops over."""

    name: str
    template: str
    context: dict


class PanelRegistry(Registry[Panel]):
    def for_user(self, user) -> list[ShownPanel]:
        """The panels ``user`` gets, in order, each with the context its selector returned."""
        shown = []
        for panel in self:
            context = panel.context(user)
            if context is not None:
                shown.append(ShownPanel(panel.name, panel.template, context))
        return shown


# --- Main navigation ----------------------------------------------------------------------


@dataclass(frozen=True)
class NavigationEntry:
    """A link in the main navigation of signed-in people, after "Home" and before "My profile"."""

    name: str
    label: Any  # a lazy translation
    url: str  # a path ("/plg/") or a URL name ("plc:results")
    order: int = 100
    # Marked current under these paths (each ends in "/", so "/plg/" never claims "/plg-ergebnisse/");
    # otherwise when the URL name matches.
    current_prefixes: tuple[str, ...] = ()

    def __post_init__(self):
        if any(not prefix.endswith("/") for prefix in self.current_prefixes):
            raise ValueError(f"navigation entry {self.name}: every current prefix must end in '/'")


@dataclass(frozen=True)
class ShownEntry:
    label: Any
    url: str
    current: bool


class NavigationRegistry(Registry[NavigationEntry]):
    def for_request(self, request: HttpRequest | None) -> list[ShownEntry]:
        path = getattr(request, "path", "")
        match = getattr(request, "resolver_match", None)
        shown = []
        for entry in self:
            url = entry.url if entry.url.startswith("/") else reverse(entry.url)
            if entry.current_prefixes:
                current = path.startswith(entry.current_prefixes)
            else:
                current = match is not None and match.view_name == entry.url
            shown.append(ShownEntry(entry.label, url, current))
        return shown


# --- Demo data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSeeder:
    """An app's part of ``seed_demo``.

    ``seed`` runs inside the seed's transaction, after the core wrote schools, teachers and demo
    accounts, and only when it did (a second run writes nothing). It gets a
    ``lernen25.demo.DemoContext`` and returns counts for the audit event and the printed summary,
    e.g. ``{"plgs": 4}``; the names must not clash with the core's or another app's counts.
    """

    name: str  # the app label: "plc"
    seed: Callable[[DemoContext], dict[str, int]]
    order: int = 100


# --- Search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchSource:
    """What an app offers to the search index (the search issue builds the index and the contract).

    ``items`` returns everything the source would index (typically a QuerySet of live objects).
    Who may see a hit is not decided here: the search contract filters every result through the
    app's selectors.
    """

    name: str  # dotted: "plc.plgs"
    label: Any  # a lazy translation, e.g. for a facet
    items: Callable[[], Iterable]


@dataclass(frozen=True)
class SignInArea:
    """A part of the site only for signed-in people: a guest is sent to sign in for *every* URL in it.

    Pages there send guests to sign in; without this, a URL that does not exist would answer 404 and
    tell a guest which closed PLGs and files do exist (``lernen25.errorviews.page_not_found``).
    ``prefix()`` returns the path prefix (or None while the area has no page yet).
    """

    name: str
    prefix: Callable[[], str | None]


home_panels = PanelRegistry("home page panel")
notification_panels = PanelRegistry("notifications page panel")
navigation = NavigationRegistry("navigation entry")
demo_seeders: Registry[DemoSeeder] = Registry("demo seeder")
search_sources: Registry[SearchSource] = Registry("search source")
sign_in_areas: Registry[SignInArea] = Registry("sign-in area")

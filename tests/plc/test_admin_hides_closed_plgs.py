"""The Wagtail admin shows nobody what the site hides (issue #18).

A closed PLG is known only to its members and the SMZ (``plc.permissions``); its title, its file
and its document collection ("PLG: <title>") must not appear in any admin view to anyone else
with admin access. Every view that lists or shows pages or documents is requested over HTTP as

- **outsiders**: ``datenschutz`` (admin access by role, Django permissions on documents, no page
  permissions) and ``editor`` (the school board office, put into Wagtail's "Moderators" group by
  an administrator: page permissions on the whole tree, documents in every collection). Neither
  may find the closed PLG, its file or its slug anywhere in the body (nor get a 500); where the
  view lists things, the editor still finds the open PLG or its file there (``editor_sees``), so
  the filter hides exactly the closed PLG, not the whole listing;
- **insiders**: the SMZ, the administrator and ``lead`` — who has exactly the editor's Wagtail
  permissions (Datenschutz role, Moderators group) and leads the closed PLG. They get 200 and
  find it (``shows``). A view Wagtail itself does not open to a person (the SMZ has no document
  or lock permissions) leaves them out of ``insiders``.

Three views no hook or policy of Wagtail 8 reaches (the page chooser's "chosen" step, the site
history, the page types usage report) are narrowed subclasses in ``plc.admin_views``, routed by
``plc.urls`` at Wagtail's paths.

``plgs_hidden_from`` and ``collections_hidden_from``, the querysets the admin filters on, agree
with the rule for every persona (as ``test_visibility_agrees.py`` checks the site's querysets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.log_actions import log
from wagtail.models import Collection, Page, PageLogEntry

from lernen25.models import Subject
from lernen25.roles import Role
from lernen25.services import assign_role
from plc import admin_views, services
from plc.models import PlgPage, Visibility
from plc.permissions import collections_hidden_from, is_curator, is_listed, is_member, plgs_hidden_from
from tests.factories import UserFactory, verified, with_totp
from tests.plc.helpers import CLOSED_TITLE, OPEN_TITLE, REQUEST_TITLE, make_plg, pdf

FILE_TITLE = "Protokoll der Geheimrunde"
OPEN_FILE_TITLE = "Offene Materialliste"
PAGE_QUERY = "Schulleitung"  # autocompletes the closed PLG's title; the full title is not echoed
FILE_QUERY = "Protokoll"

OUTSIDERS = ("datenschutz", "editor")
INSIDERS = ("smz", "admin_user", "lead")


# --- The world: an open and a closed PLG, worked on in the admin ---------------------------------


def _admin_person(email, *roles_):
    user = verified(UserFactory(email=email))
    for role in roles_:
        assign_role(actor=None, user=user, role=role)
    user.groups.add(Group.objects.get(name="Moderators"))
    return with_totp(user)


@dataclass
class World:
    directory: Page
    open: PlgPage
    closed: PlgPage
    open_file: object  # PlgFile
    closed_file: object
    workflow_state: object
    people: dict

    @cached_property
    def secrets(self) -> list[str]:
        """What an outsider must not find: the closed PLG's title (also in its collection's name),
        its address, its file's title and file name."""
        document = self.closed_file.document
        return [CLOSED_TITLE, self.closed.slug, FILE_TITLE, document.filename]


@pytest.fixture
def world(roles, school_a, plg_leitung, lehrkraft_a, smz, admin_user, datenschutz, schultraeger) -> World:
    editor = schultraeger
    editor.groups.add(Group.objects.get(name="Moderators"))
    lead = _admin_person("dora.dsb@duisburg.de", Role.DATENSCHUTZ, Role.PLG_LEITUNG)

    open_plg = make_plg(title=OPEN_TITLE, visibility=Visibility.OPEN, lead=plg_leitung, member=lehrkraft_a)
    open_file = services.upload_file(actor=plg_leitung, plg=open_plg, upload=pdf("liste.pdf"), title=OPEN_FILE_TITLE)
    closed = make_plg(
        title=CLOSED_TITLE,
        visibility=Visibility.CLOSED,
        lead=lead,
        member=lehrkraft_a,
        schools=[school_a],
        subjects=[Subject.objects.first()],
    )
    closed_file = services.upload_file(actor=lead, plg=closed, upload=pdf("protokoll.pdf"), title=FILE_TITLE)

    # The SMZ edits the closed PLG in the admin: its goals link to the open PLG and its file (usage),
    # a published revision (history, aging pages, recent edits), a draft in moderation (workflow
    # reports, the moderators' dashboard), a lock (locked pages).
    closed.goals = (
        f'<p><a linktype="page" id="{open_plg.pk}">Tablets</a> '
        f'<a linktype="document" id="{open_file.document.pk}">Liste</a></p>'
    )
    closed.save_revision(user=smz).publish(user=smz)
    closed = PlgPage.objects.get(pk=closed.pk)
    closed.save_revision(user=smz)
    workflow = closed.get_workflow()
    assert workflow is not None, "Wagtail's default workflow (Moderators approval) is assigned to the root"
    workflow_state = workflow.start(closed, smz)
    Page.objects.filter(pk=closed.pk).update(locked=True, locked_by=smz, locked_at=timezone.now())

    return World(
        directory=closed.get_parent(),
        open=open_plg,
        closed=PlgPage.objects.get(pk=closed.pk),
        open_file=open_file,
        closed_file=closed_file,
        workflow_state=workflow_state,
        people={
            "datenschutz": datenschutz,
            "editor": editor,
            "smz": smz,
            "admin_user": admin_user,
            "lead": lead,
        },
    )


def _smz_edits_the_file_in_the_admin(w: World):
    log(instance=w.closed_file.document, action="wagtail.edit", user=w.people["smz"])


# --- The views -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    name: str
    path: Callable[[World], str]
    shows: str | None = "title"  # what insiders find: "title", "file", or None (nothing to check)
    insiders: tuple[str, ...] = INSIDERS
    insider_status: int = 200
    editor_sees: Callable[[World], str] | None = None  # the open counterpart the editor finds
    prepare: Callable[[World], None] | None = None


def _open_title(w):
    return OPEN_TITLE


def _open_file(w):
    return OPEN_FILE_TITLE


NO_SMZ = ("admin_user", "lead")  # the SMZ has no document, lock or whole-tree permissions in Wagtail

VIEWS = [
    # The page explorer and its search.
    View("explorer: the PLG directory", lambda w: f"/admin/pages/{w.directory.pk}/", editor_sees=_open_title),
    View("explorer: search in the directory", lambda w: f"/admin/pages/{w.directory.pk}/?q={PAGE_QUERY}"),
    View(
        "explorer: search the whole tree",
        lambda w: f"/admin/pages/{Page.get_first_root_node().pk}/?q={PAGE_QUERY}&search_all=1",
        insiders=NO_SMZ,
    ),
    View("explorer: the closed PLG as parent", lambda w: f"/admin/pages/{w.closed.pk}/"),
    View("page search", lambda w: f"/admin/pages/search/?q={PAGE_QUERY}"),
    View("page search: results", lambda w: f"/admin/pages/search/results/?q={PAGE_QUERY}"),
    View("page search: everything", lambda w: "/admin/pages/search/?q=", editor_sees=_open_title),
    View("pages of a type", lambda w: "/admin/pages/usage/plc/plgpage/", editor_sees=_open_title),
    View("pages of a type: results", lambda w: "/admin/pages/usage/plc/plgpage/results/", editor_sees=_open_title),
    # The views of one page (Wagtail routes them by page type: ``PlgPageViewSet``).
    View("page: edit", lambda w: f"/admin/pages/{w.closed.pk}/edit/"),
    View("page: history", lambda w: f"/admin/pages/{w.closed.pk}/history/"),
    View("page: history results", lambda w: f"/admin/pages/{w.closed.pk}/history/results/", shows=None),
    View("page: usage", lambda w: f"/admin/pages/{w.closed.pk}/usage/"),
    View("page: revisions", lambda w: f"/admin/pages/{w.closed.pk}/revisions/compare/earliest...latest/"),
    View("page: workflow history", lambda w: f"/admin/pages/{w.closed.pk}/workflow_history/"),
    View(
        "page: workflow history detail",
        lambda w: f"/admin/pages/{w.closed.pk}/workflow_history/detail/{w.workflow_state.pk}/",
    ),
    View(
        "page: workflow preview",
        lambda w: f"/admin/pages/workflow/preview/{w.closed.pk}/{w.workflow_state.current_task_state.task_id}/",
        shows=None,
        insiders=NO_SMZ,  # the reviewers of the task: the Moderators group
    ),
    View("page: view draft", lambda w: f"/admin/pages/{w.closed.pk}/view_draft/"),
    View("page: move", lambda w: f"/admin/pages/{w.closed.pk}/move/"),
    View("page: copy", lambda w: f"/admin/pages/{w.closed.pk}/copy/"),
    View("page: delete", lambda w: f"/admin/pages/{w.closed.pk}/delete/"),
    View("page: unpublish", lambda w: f"/admin/pages/{w.closed.pk}/unpublish/", insiders=("smz",)),  # locked by the SMZ
    View("page: privacy", lambda w: f"/admin/pages/{w.closed.pk}/privacy/", shows=None),
    View("usage of the open PLG (linked from the closed one)", lambda w: f"/admin/pages/{w.open.pk}/usage/"),
    # Bulk actions list every page or document named by id.
    View("bulk: delete pages", lambda w: f"/admin/bulk/wagtailcore/page/delete/?id={w.closed.pk}"),
    View(
        "bulk: delete pages, open and closed",
        lambda w: f"/admin/bulk/wagtailcore/page/delete/?id={w.closed.pk}&id={w.open.pk}",
        editor_sees=_open_title,
    ),
    View("bulk: publish pages", lambda w: f"/admin/bulk/wagtailcore/page/publish/?id={w.closed.pk}"),
    View("bulk: unpublish pages", lambda w: f"/admin/bulk/wagtailcore/page/unpublish/?id={w.closed.pk}"),
    View("bulk: move pages", lambda w: f"/admin/bulk/wagtailcore/page/move/?id={w.closed.pk}"),
    View(
        "bulk: delete documents",
        lambda w: f"/admin/bulk/wagtaildocs/document/delete/?id={w.closed_file.document.pk}",
        shows="file",
    ),
    View(
        "bulk: documents to a collection",
        lambda w: f"/admin/bulk/wagtaildocs/document/add_to_collection/?id={w.closed_file.document.pk}",
        shows="file",
    ),
    View(
        "bulk: tag documents",
        lambda w: f"/admin/bulk/wagtaildocs/document/add_tags/?id={w.closed_file.document.pk}",
        shows="file",
    ),
    # The page chooser, every mode.
    View("page chooser: the directory", lambda w: f"/admin/choose-page/{w.directory.pk}/", editor_sees=_open_title),
    View(
        "page chooser: PLGs only",
        lambda w: f"/admin/choose-page/{w.directory.pk}/?page_type=plc.plgpage",
        editor_sees=_open_title,
    ),
    View(
        "page chooser: several",
        lambda w: f"/admin/choose-page/{w.directory.pk}/?multiple=1",
        editor_sees=_open_title,
    ),
    View("page chooser: PLGs from the start", lambda w: "/admin/choose-page/?page_type=plc.plgpage"),
    View("page chooser: the closed PLG as parent", lambda w: f"/admin/choose-page/{w.closed.pk}/"),
    View("page chooser: search", lambda w: f"/admin/choose-page/search/?q={PAGE_QUERY}"),
    View("page chooser: search PLGs", lambda w: f"/admin/choose-page/search/?q={PAGE_QUERY}&page_type=plc.plgpage"),
    View(
        "page chooser: chosen by id",
        lambda w: f"/admin/choose-page/chosen-multiple/?id={w.closed.pk}",
    ),
    # Documents: the listing, its search and filters, the forms, the single-document views.
    View("documents", lambda w: "/admin/documents/", shows="file", insiders=NO_SMZ, editor_sees=_open_file),
    View("documents: results", lambda w: "/admin/documents/results/", shows="file", insiders=NO_SMZ),
    View("documents: search", lambda w: f"/admin/documents/?q={FILE_QUERY}", shows="file", insiders=NO_SMZ),
    View(
        "documents: the PLG's collection",
        lambda w: f"/admin/documents/?collection_id={w.closed.collection_id}",
        shows="file",
        insiders=NO_SMZ,
    ),
    View("documents: upload form (collections)", lambda w: "/admin/documents/add/", insiders=NO_SMZ),
    View("documents: multiple upload (collections)", lambda w: "/admin/documents/multiple/add/", insiders=NO_SMZ),
    View(
        "document: edit",
        lambda w: f"/admin/documents/edit/{w.closed_file.document.pk}/",
        shows="file",
        insiders=NO_SMZ,
    ),
    View(
        "document: delete",
        lambda w: f"/admin/documents/delete/{w.closed_file.document.pk}/",
        shows="file",
        insiders=NO_SMZ,
    ),
    View(
        "document: usage",
        lambda w: f"/admin/documents/usage/{w.closed_file.document.pk}/",
        shows="file",
        insiders=NO_SMZ,
    ),
    View(
        "usage of the open file (linked from the closed PLG)",
        lambda w: f"/admin/documents/usage/{w.open_file.document.pk}/",
        insiders=NO_SMZ,
    ),
    # The document chooser.
    View(
        "document chooser", lambda w: "/admin/documents/chooser/", shows="file", insiders=NO_SMZ, editor_sees=_open_file
    ),
    View(
        "document chooser: search",
        lambda w: f"/admin/documents/chooser/results/?q={FILE_QUERY}",
        shows="file",
        insiders=NO_SMZ,
    ),
    View(
        "document chooser: chosen",
        lambda w: f"/admin/documents/chooser/chosen/{w.closed_file.document.pk}/",
        shows="file",
        insiders=NO_SMZ,
    ),
    View(
        "document chooser: chosen by id",
        lambda w: f"/admin/documents/chooser/chosen-multiple/?id={w.closed_file.document.pk}",
        shows="file",
        insiders=NO_SMZ,
    ),
    # The admin API (JSON).
    View("API: pages", lambda w: "/admin/api/main/pages/"),
    View("API: PLG pages", lambda w: f"/admin/api/main/pages/?child_of={w.directory.pk}&fields=title"),
    View("API: page search", lambda w: "/admin/api/main/pages/?search=Schulleitungsrunde"),
    View("API: page", lambda w: f"/admin/api/main/pages/{w.closed.pk}/"),
    View(
        "API: find page",
        lambda w: f"/admin/api/main/pages/find/?html_path={w.closed.url}",
        shows=None,
        insider_status=302,  # to the page's API address
    ),
    View("API: documents", lambda w: "/admin/api/main/documents/", shows="file"),
    View("API: document search", lambda w: "/admin/api/main/documents/?search=Geheimrunde", shows="file"),
    View("API: document", lambda w: f"/admin/api/main/documents/{w.closed_file.document.pk}/", shows="file"),
    # Reports (and their spreadsheet exports).
    View("report: locked pages", lambda w: "/admin/reports/locked/", insiders=NO_SMZ),
    View("report: locked pages (CSV)", lambda w: "/admin/reports/locked/?export=csv", insiders=NO_SMZ),
    View("report: aging pages", lambda w: "/admin/reports/aging-pages/"),
    View("report: aging pages (CSV)", lambda w: "/admin/reports/aging-pages/?export=csv"),
    View("report: site history", lambda w: "/admin/reports/site-history/"),
    View("report: site history (CSV)", lambda w: "/admin/reports/site-history/?export=csv"),
    View("report: site history results", lambda w: "/admin/reports/site-history/results/"),
    View(
        "report: site history, a PLG file edited in the admin",
        lambda w: "/admin/reports/site-history/",
        shows="file",
        prepare=_smz_edits_the_file_in_the_admin,
    ),
    View(
        "report: site history (CSV), a PLG file edited in the admin",
        lambda w: "/admin/reports/site-history/?export=csv",
        shows="file",
        prepare=_smz_edits_the_file_in_the_admin,
    ),
    View(
        "report: site history (XLSX), a PLG file edited in the admin",
        lambda w: "/admin/reports/site-history/?export=xlsx",
        shows=None,  # a zip archive: nothing legible to look for
        prepare=_smz_edits_the_file_in_the_admin,
    ),
    View("report: workflows", lambda w: "/admin/reports/workflow/"),
    View("report: workflows (CSV)", lambda w: "/admin/reports/workflow/?export=csv"),
    View("report: workflow tasks", lambda w: "/admin/reports/workflow_tasks/"),
    View(
        "report: page types usage",
        lambda w: "/admin/reports/page-types-usage/",
    ),
    View("report: page types usage results", lambda w: "/admin/reports/page-types-usage/results/"),
    View("report: page types usage (CSV)", lambda w: "/admin/reports/page-types-usage/?export=csv", shows=None),
    # The dashboard: recent edits (the SMZ's), pages in moderation, locked pages.
    View("dashboard", lambda w: "/admin/"),
    # Administrators only (curators): the closed PLG's collection and workflow usage.
    View("collections", lambda w: "/admin/collections/", insiders=("admin_user",)),
    View(
        "workflow usage",
        lambda w: f"/admin/workflows/usage/{w.workflow_state.workflow_id}/",
        insiders=("admin_user",),
    ),
]


def _params():
    return [pytest.param(view, id=view.name) for view in VIEWS]


def _get(client: Client, user, path: str):
    client.force_login(user)
    response = client.get(path)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, content.decode(errors="replace")


@pytest.mark.parametrize("view", _params())
def test_admin_view_hides_the_closed_plg_from_outsiders_only(world, view):
    if view.prepare:
        view.prepare(world)
    client = Client(raise_request_exception=False)  # a 500 is a finding here, not an exception
    path = view.path(world)
    findings = []

    for name in OUTSIDERS:
        status, body = _get(client, world.people[name], path)
        leaked = [secret for secret in world.secrets if secret in body]
        if status >= 500 or leaked:
            findings.append(f"{name}: {status}, shows {leaked}")
        if name == "editor" and view.editor_sees and view.editor_sees(world) not in body:
            findings.append(f"editor: {status}, does not show {view.editor_sees(world)!r}")

    expected = {"title": CLOSED_TITLE, "file": FILE_TITLE}.get(view.shows)
    for name in view.insiders:
        status, body = _get(client, world.people[name], path)
        if status != view.insider_status or (expected and expected not in body):
            findings.append(f"{name}: {status}, does not show {expected!r}")

    assert not findings, f"{view.name} ({path}):\n" + "\n".join(findings)


def test_site_history_still_lists_the_open_plg_for_the_editor(world):
    """The site history is filtered, not emptied: the editor sees the open PLG's creation."""
    log(instance=world.open, action="wagtail.edit", user=world.people["smz"])
    assert PageLogEntry.objects.filter(page=world.open).exists()

    status, body = _get(Client(), world.people["editor"], "/admin/reports/site-history/")

    assert status == 200 and OPEN_TITLE in body and CLOSED_TITLE not in body


@pytest.mark.parametrize(
    ("wagtail_name", "view"),
    [
        ("wagtailadmin_choose_page_chosen_multiple", "chosen_multiple_view"),
        ("wagtailadmin_reports:site_history", "site_history_view"),
        ("wagtailadmin_reports:site_history_results", "site_history_results_view"),
        ("wagtailadmin_reports:page_types_usage", "page_types_usage_view"),
        ("wagtailadmin_reports:page_types_usage_results", "page_types_usage_results_view"),
    ],
)
def test_wagtails_url_names_lead_to_the_narrowed_views(wagtail_name, view):
    """Wagtail's links (``reverse`` of its own names) reach the shadowing views of ``plc.urls``."""
    match = resolve(reverse(wagtail_name))

    assert match.namespace == "plc"
    assert match.func is getattr(admin_views, view)


def test_page_types_usage_shows_the_last_edited_page_the_editor_may_know_of(world):
    """The closed PLG was edited last; the editor finds the open PLG as the last edited PLG."""
    status, body = _get(Client(), world.people["editor"], "/admin/reports/page-types-usage/")

    assert status == 200 and OPEN_TITLE in body and CLOSED_TITLE not in body


def test_site_history_leaves_out_a_deleted_plg_but_for_curators(world):
    """A deleted PLG's entries keep its title, but not whom it was visible to: curators only."""
    closed = world.closed
    log(instance=closed, action="wagtail.delete", user=world.people["admin_user"], deleted=True)
    Page.objects.filter(pk=closed.pk).delete()
    assert PageLogEntry.objects.filter(page_id=closed.pk, label=CLOSED_TITLE).exists()
    client = Client()

    for name in ("editor", "lead"):
        status, body = _get(client, world.people[name], "/admin/reports/site-history/")
        assert (name, status, CLOSED_TITLE in body) == (name, 200, False)
    status, body = _get(client, world.people["admin_user"], "/admin/reports/site-history/")
    assert status == 200 and CLOSED_TITLE in body


def test_outsiders_cannot_act_on_the_closed_plg_in_bulk(world):
    """The bulk action does not act on what it does not list: the closed PLG stays published."""
    client = Client()
    client.force_login(world.people["editor"])

    response = client.post(f"/admin/bulk/wagtailcore/page/unpublish/?id={world.closed.pk}", {})

    assert response.status_code == 404
    assert PlgPage.objects.get(pk=world.closed.pk).live


# --- The querysets the admin filters on agree with the rule ------------------------------------

PERSONAS = (
    "guest",
    "signed_up",
    "lehrkraft_a",
    "lehrkraft_b",
    "plg_leitung",
    "medienbeauftragte_a",
    "schulleitung_a",
    "smz",
    "datenschutz",
    "schultraeger",
    "admin_user",
)

# Who may know of a PLG at all, drafts included (``plc.view_plg`` without ``is_live``).
may_know_of = is_member | is_curator | is_listed


@pytest.fixture
def plgs(open_plg, request_plg, closed_plg, plg_leitung, lehrkraft_a):
    draft = make_plg(title="Entwurf einer PLG", visibility=Visibility.CLOSED, lead=plg_leitung, member=lehrkraft_a)
    draft.unpublish()
    return [PlgPage.objects.get(pk=plg.pk) for plg in (open_plg, request_plg, closed_plg, draft)]


def _cast(request):
    return {name: AnonymousUser() if name == "guest" else request.getfixturevalue(name) for name in PERSONAS}


def test_hidden_plgs_are_exactly_those_the_rule_hides(request, plgs):
    assert {plg.title for plg in plgs} >= {OPEN_TITLE, REQUEST_TITLE, CLOSED_TITLE}
    for persona, user in _cast(request).items():
        by_rule = {plg.title for plg in plgs if not may_know_of(user, plg)}
        by_query = set(plgs_hidden_from(user).values_list("title", flat=True))

        assert (persona, by_query) == (persona, by_rule)


def test_hidden_collections_are_exactly_those_of_the_hidden_plgs(request, plgs):
    assert all(plg.collection_id for plg in plgs)
    for persona, user in _cast(request).items():
        by_rule = {plg.collection_id for plg in plgs if not may_know_of(user, plg)}
        by_query = set(collections_hidden_from(user).values_list("pk", flat=True))

        assert (persona, by_query) == (persona, by_rule)


def test_admin_work_on_what_people_may_see_goes_on(world):
    """The narrowed policies leave the rest alone: the editor uploads a document, the lead renames
    the closed PLG's file and edits the PLG."""
    client = Client()
    client.force_login(world.people["editor"])
    response = client.post(
        "/admin/documents/add/",
        {"title": "Elternbrief", "file": pdf("brief.pdf"), "collection": Collection.get_first_root_node().pk},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert get_document_model().objects.filter(title="Elternbrief").exists()

    client.force_login(world.people["lead"])
    document = world.closed_file.document
    response = client.post(
        f"/admin/documents/edit/{document.pk}/",
        {"title": "Protokoll (neu)", "collection": document.collection_id},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    document.refresh_from_db()
    assert document.title == "Protokoll (neu)"
    assert client.get(f"/admin/pages/{world.closed.pk}/edit/").status_code == 200

"""Audit events read as sentences (``lernen25.audit``), never as raw codes.

The first test walks every ``record(...)`` call in the project's code (its syntax tree, not the
running code), so a new audit action without a sentence fails here, in German and in English.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from lernen25 import audit
from lernen25.models import AuditEvent
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = ["lernen25", "plc", "sso", "medienkonzepte", "software_catalog", "legal"]
# ``record`` functions that add data of their own and pass their ``action`` on to ``audit.record``.
WRAPPERS = {"plc.services._common": ("plg", "plg_title")}
WRAPPER_FILES = {"plc/services/_common.py"}


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments (``AUDIT_ACTION = "lernen25.signin.failed"``)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _record_origins(tree: ast.Module) -> dict[str, str]:
    """Where a bare ``record`` of this module comes from: ``{"record": "plc.services._common"}``."""
    return {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
        if alias.name == "record"
    }


def _actions(node: ast.expr, constants: dict[str, str]) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):  # "plc.plg.featured" if featured else "plc.plg.unfeatured"
        body, orelse = _actions(node.body, constants), _actions(node.orelse, constants)
        return None if body is None or orelse is None else body + orelse
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    return None


def recorded_actions() -> dict[str, set[str]]:
    """Every audit action the code records, with the data keys its call sites pass by name."""
    found: dict[str, set[str]] = {}
    unresolved = []
    for app_dir in APP_DIRS:
        for path in sorted((ROOT / app_dir).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants, origins = _constants(tree), _record_origins(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "record":
                    if not (isinstance(func.value, ast.Name) and func.value.id == "audit"):
                        continue
                    extra: tuple[str, ...] = ()
                elif isinstance(func, ast.Name) and func.id in origins:
                    extra = WRAPPERS.get(origins[func.id], ())
                else:
                    continue
                actions = _actions(node.args[0], constants)
                relative = path.relative_to(ROOT).as_posix()
                if actions is None:
                    if relative not in WRAPPER_FILES:
                        unresolved.append(f"{relative}:{node.lineno}")
                    continue
                keys = {keyword.arg for keyword in node.keywords if keyword.arg} | set(extra)
                for action in actions:
                    found.setdefault(action, set()).update(keys - {"actor", "target", "plg"} | set(extra))
    assert not unresolved, f"audit actions this test cannot read (use a string literal): {unresolved}"
    return found


def _installed(action: str) -> bool:
    return apps.is_installed(action.split(".")[0])


RECORDED = recorded_actions()


def test_the_walk_finds_the_code_s_audit_actions():
    # a few known ones, from the core, a wrapper, a conditional and a module constant
    assert {
        "lernen25.profile.updated",
        "plc.membership.joined",
        "plc.plg.featured",
        "plc.plg.unfeatured",
        "lernen25.signin.failed",
        "sso.signon.changed",
    } <= set(RECORDED)
    assert {"plg", "plg_title", "user"} <= RECORDED["plc.membership.promoted"]


@pytest.mark.parametrize("action", sorted(RECORDED))
def test_every_recorded_action_reads_as_a_sentence_in_german_and_english(db, action):
    if not _installed(action):
        pytest.skip(f"{action.split('.')[0]} is not installed")
    assert action in audit.registered_sentences(), f"{action} is recorded but has no sentence (register_sentence)"
    actor = UserFactory(first_name="Lena", last_name="Leitner")
    person = UserFactory(first_name="Max", last_name="Muster")
    data = {key: f"Wert {key}" for key in RECORDED[action]}
    for key in ("user", "leads"):
        if key in data:
            data[key] = person.pk if key == "user" else [person.pk]
    event = AuditEvent(action=action, actor=actor, target_repr="Beispielziel", data=data)

    sentences = {}
    for language in ("de", "en"):
        with translation.override(language):
            sentences[language] = audit.sentence(event)
            neutral = str(audit.NEUTRAL_WITH_TARGET) % {"actor": "Lena Leitner", "target": "Beispielziel"}
        assert sentences[language].strip(), (language, action)
        assert action not in sentences[language]
        assert sentences[language] != neutral, f"{action} fell back to the neutral sentence in {language}"
        assert "%(" not in sentences[language]
    assert sentences["de"] != sentences["en"], f"{action} is not translated: {sentences['en']}"


def test_every_sentence_belongs_to_an_action_the_code_records():
    registered = set(audit.registered_sentences())
    assert registered - set(RECORDED) == set()


def test_an_unknown_action_reads_neutrally_and_never_as_its_code(db):
    actor = UserFactory(first_name="Lena", last_name="Leitner")
    with_target = AuditEvent(action="plc.gadget.frobnicated", actor=actor, target_repr="Roboter", data={})
    without = AuditEvent(action="plc.gadget.frobnicated", data={})

    with translation.override("de"):
        assert audit.sentence(with_target) == "Lena Leitner hat „Roboter“ geändert."
        assert audit.sentence(without) == "Jemand hat eine Änderung vorgenommen."
    with translation.override("en"):
        assert audit.sentence(with_target) == "Lena Leitner changed “Roboter”."


def test_an_older_event_without_a_value_its_sentence_needs_reads_neutrally(db):
    actor = UserFactory(first_name="Lena", last_name="Leitner")
    event = AuditEvent(action="plc.membership.promoted", actor=actor, target_repr="PLG", data={})

    with translation.override("de"):
        assert audit.sentence(event) == "Lena Leitner hat „PLG“ geändert."


# --- With the real services and pages ---------------------------------------------------------


def _plg(visibility: str, lead, member):
    """A PLG as the SMZ makes one (``tests.plc.helpers``; the core's tests have no PLG fixtures)."""
    from tests.plc.helpers import make_plg

    return make_plg(title="Tablets im Mathematikunterricht", visibility=visibility, lead=lead, member=member)


@pytest.mark.needs_app("plc")
def test_change_log_says_who_did_what_in_german(client, plg_leitung, lehrkraft_a, lehrkraft_b):
    from plc import services

    open_plg = _plg("open", plg_leitung, lehrkraft_a)
    services.join_plg(actor=lehrkraft_b, plg=open_plg)
    services.promote_to_lead(actor=plg_leitung, plg=open_plg, user=lehrkraft_a)
    client.force_login(plg_leitung)

    response = client.get(reverse("plc:change_log", kwargs={"pk": open_plg.pk}))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Bernd Becker ist der PLG beigetreten." in html
    assert "Lena Leitner hat Anna Lehmann zur Leitung gemacht." in html
    assert "Lena Leitner hat anna.lehrerin@schule-a.de in die PLG eingeladen." in html
    assert "Anna Lehmann hat die Einladung angenommen und ist der PLG beigetreten." in html
    assert "plc.membership" not in html and "plc.invitation" not in html


@pytest.mark.needs_app("plc")
def test_change_log_names_whose_request_was_declined(client, plg_leitung, lehrkraft_a, lehrkraft_b):
    from plc import services

    request_plg = _plg("on_request", plg_leitung, lehrkraft_a)
    join_request = services.request_membership(actor=lehrkraft_b, plg=request_plg)
    services.decide_request(actor=plg_leitung, join_request=join_request, accept=False, reason="Voll belegt.")
    client.force_login(plg_leitung)

    response = client.get(reverse("plc:change_log", kwargs={"pk": request_plg.pk}))

    assert "Lena Leitner hat die Beitrittsanfrage von Bernd Becker abgelehnt: Voll belegt." in response.content.decode()


@pytest.mark.needs_app("plc")
def test_describing_a_list_reads_the_people_at_once(
    django_assert_max_num_queries, unlimited, plg_leitung, lehrkraft_a, school_a
):
    from plc import services

    open_plg = _plg("open", plg_leitung, lehrkraft_a)
    people = [UserFactory(schools=[school_a]) for _ in range(5)]
    for person in people:
        services.join_plg(actor=person, plg=open_plg)
        services.promote_to_lead(actor=plg_leitung, plg=open_plg, user=person)
    events = list(AuditEvent.objects.filter(action__startswith="plc."))
    assert len(events) >= 10

    # the people (actors and those named in the data) in one query
    with django_assert_max_num_queries(1):
        described = audit.describe(events)
    assert len(described) == len(events)


def test_admin_audit_log_lists_sentences_not_codes(client, admin_user, lehrkraft_a):
    from lernen25 import services

    services.update_profile(
        actor=lehrkraft_a,
        profile=lehrkraft_a.profile,
        display_name="Frau Lehmann",
        subjects=[],
        email_notifications=True,
    )
    client.force_login(admin_user)

    listing = client.get(reverse("audit:index"))
    event = AuditEvent.objects.get(action="lernen25.profile.updated")
    details = client.get(reverse("audit:inspect", args=[event.pk]))

    assert listing.status_code == 200
    assert "Frau Lehmann hat das eigene Profil geändert." in listing.content.decode()
    assert "Frau Lehmann hat das eigene Profil geändert." in details.content.decode()

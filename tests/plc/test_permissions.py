"""The PLG policy layer as data: persona × action × PLG visibility → may they?

Every row is (persona, action, expected for the open, on-request and closed PLG). The three PLGs come
from ``tests/plc/conftest.py``: each is led by ``plg_leitung`` with ``lehrkraft_a`` as member;
``lehrkraft_b`` is the outsider of all three. ``user_can`` answers through ``rules`` (``plc.<action>_plg``).
"""

from __future__ import annotations

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from lernen25.permissions import UnknownAction
from plc import permissions, services
from plc.models import PlgStatus
from plc.permissions import user_can

T, F = True, False
PLGS = ("open", "on_request", "closed")
ACTIONS = ("view", "view_content", "manage", "contribute", "schedule", "join", "request", "leave", "moderate", "curate")
PERSONAS = ("guest", "lehrkraft_b", "lehrkraft_a", "plg_leitung", "smz", "admin_user", "datenschutz")

#   persona          action          open  on_req closed
MATRIX = [
    # guest: nobody signed in sees no PLG at all
    ("guest", "view", (F, F, F)),
    # guest: no content either, not even of the open PLG
    ("guest", "view_content", (F, F, F)),
    # guest: manages nothing
    ("guest", "manage", (F, F, F)),
    # guest: shares nothing
    ("guest", "contribute", (F, F, F)),
    # guest: schedules nothing
    ("guest", "schedule", (F, F, F)),
    # guest: must sign in before joining
    ("guest", "join", (F, F, F)),
    # guest: must sign in before asking
    ("guest", "request", (F, F, F)),
    # guest: is in no PLG to leave
    ("guest", "leave", (F, F, F)),
    # guest: moderates nothing
    ("guest", "moderate", (F, F, F)),
    # guest: curates nothing
    ("guest", "curate", (F, F, F)),
    # outsider teacher: sees listed PLGs; the closed one does not exist for them
    ("lehrkraft_b", "view", (T, T, F)),
    # outsider teacher: reads the content of the open PLG only
    ("lehrkraft_b", "view_content", (T, F, F)),
    # outsider teacher: manages nothing
    ("lehrkraft_b", "manage", (F, F, F)),
    # outsider teacher: shares only after joining
    ("lehrkraft_b", "contribute", (F, F, F)),
    # outsider teacher: schedules nothing
    ("lehrkraft_b", "schedule", (F, F, F)),
    # outsider teacher: joins the open PLG at once
    ("lehrkraft_b", "join", (T, F, F)),
    # outsider teacher: asks to join the on-request PLG; the closed one only invites
    ("lehrkraft_b", "request", (F, T, F)),
    # outsider teacher: has nothing to leave
    ("lehrkraft_b", "leave", (F, F, F)),
    # outsider teacher: moderates nothing
    ("lehrkraft_b", "moderate", (F, F, F)),
    # outsider teacher: curation is the SMZ's
    ("lehrkraft_b", "curate", (F, F, F)),
    # member: sees all three of their PLGs, the closed one too
    ("lehrkraft_a", "view", (T, T, T)),
    # member: reads the content of all three
    ("lehrkraft_a", "view_content", (T, T, T)),
    # member: is not a lead
    ("lehrkraft_a", "manage", (F, F, F)),
    # member: shares files and links in all three
    ("lehrkraft_a", "contribute", (T, T, T)),
    # member: meetings are the leads'
    ("lehrkraft_a", "schedule", (F, F, F)),
    # member: is in already
    ("lehrkraft_a", "join", (F, F, F)),
    # member: is in already
    ("lehrkraft_a", "request", (F, F, F)),
    # member: may leave each
    ("lehrkraft_a", "leave", (T, T, T)),
    # member: moderation is for leads and the SMZ
    ("lehrkraft_a", "moderate", (F, F, F)),
    # member: curation is the SMZ's
    ("lehrkraft_a", "curate", (F, F, F)),
    # lead: sees all three
    ("plg_leitung", "view", (T, T, T)),
    # lead: reads all three
    ("plg_leitung", "view_content", (T, T, T)),
    # lead: decides requests, invites, removes in all three
    ("plg_leitung", "manage", (T, T, T)),
    # lead: shares in all three
    ("plg_leitung", "contribute", (T, T, T)),
    # lead: schedules meetings in all three
    ("plg_leitung", "schedule", (T, T, T)),
    # lead: is in already
    ("plg_leitung", "join", (F, F, F)),
    # lead: is in already
    ("plg_leitung", "request", (F, F, F)),
    # lead: may leave by the rule (the service refuses the only lead)
    ("plg_leitung", "leave", (T, T, T)),
    # lead: moderates the discussion of their PLGs
    ("plg_leitung", "moderate", (T, T, T)),
    # lead: may not feature or archive, not even their own PLGs
    ("plg_leitung", "curate", (F, F, F)),
    # SMZ: sees every PLG, closed ones too
    ("smz", "view", (T, T, T)),
    # SMZ: reads every PLG's content
    ("smz", "view_content", (T, T, T)),
    # SMZ: curates every PLG without being a member
    ("smz", "manage", (T, T, T)),
    # SMZ: may share in every PLG
    ("smz", "contribute", (T, T, T)),
    # SMZ: may schedule in every PLG
    ("smz", "schedule", (T, T, T)),
    # SMZ: is a teacher too and may join the open PLG
    ("smz", "join", (T, F, F)),
    # SMZ: may ask to join the on-request PLG; the closed one only invites
    ("smz", "request", (F, T, F)),
    # SMZ: is a member of none
    ("smz", "leave", (F, F, F)),
    # SMZ: moderates every discussion
    ("smz", "moderate", (T, T, T)),
    # SMZ: features and archives every PLG
    ("smz", "curate", (T, T, T)),
    # admin (superuser): sees every PLG (the PLG_CURATE capability, not Django's superuser shortcut)
    ("admin_user", "view", (T, T, T)),
    # admin (superuser): reads everything
    ("admin_user", "view_content", (T, T, T)),
    # admin (superuser): manages everything, like the SMZ
    ("admin_user", "manage", (T, T, T)),
    # admin (superuser): may share everywhere
    ("admin_user", "contribute", (T, T, T)),
    # admin (superuser): may schedule everywhere
    ("admin_user", "schedule", (T, T, T)),
    # admin (superuser): joins only what anyone may join, the open PLG
    ("admin_user", "join", (T, F, F)),
    # admin (superuser): asks only where asking makes sense, the on-request PLG
    ("admin_user", "request", (F, T, F)),
    # admin (superuser): is a member of none, so has nothing to leave
    ("admin_user", "leave", (F, F, F)),
    # admin (superuser): moderates everything
    ("admin_user", "moderate", (T, T, T)),
    # admin (superuser): curates everything
    ("admin_user", "curate", (T, T, T)),
    # data-protection officer: signed in, sees listed PLGs like everyone
    ("datenschutz", "view", (T, T, F)),
    # data-protection officer: reads the open PLG's content like everyone
    ("datenschutz", "view_content", (T, F, F)),
    # data-protection officer: manages nothing
    ("datenschutz", "manage", (F, F, F)),
    # data-protection officer: shares nothing
    ("datenschutz", "contribute", (F, F, F)),
    # data-protection officer: schedules nothing
    ("datenschutz", "schedule", (F, F, F)),
    # data-protection officer: the role has no PLG_JOIN, so no joining even the open PLG
    ("datenschutz", "join", (F, F, F)),
    # data-protection officer: no PLG_JOIN, so no asking either
    ("datenschutz", "request", (F, F, F)),
    # data-protection officer: is in no PLG
    ("datenschutz", "leave", (F, F, F)),
    # data-protection officer: the role does not moderate PLGs
    ("datenschutz", "moderate", (F, F, F)),
    # data-protection officer: curation is the SMZ's
    ("datenschutz", "curate", (F, F, F)),
]


def person(request, persona: str):
    return AnonymousUser() if persona == "guest" else request.getfixturevalue(persona)


def assert_policy(people: dict, plgs: dict, rows) -> None:
    """Check every row; report all mismatches at once, each naming persona, action and PLG."""
    wrong = []
    for persona, action, expected in rows:
        for visibility, want in zip(PLGS, expected, strict=True):
            got = user_can(people[persona], action, plgs[visibility])
            if got != want:
                wrong.append(f"{persona} {action} {visibility} PLG: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)


@pytest.fixture
def plgs(open_plg, request_plg, closed_plg):
    return {"open": open_plg, "on_request": request_plg, "closed": closed_plg}


def test_matrix_covers_every_persona_and_every_registered_action_once():
    # A new action in plc.permissions without rows here fails this test.
    assert set(ACTIONS) == permissions.PLG_ACTIONS
    assert sorted((p, a) for p, a, _ in MATRIX) == sorted((p, a) for p in PERSONAS for a in ACTIONS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(request, plgs, persona):
    people = {persona: person(request, persona)}

    assert_policy(people, plgs, [row for row in MATRIX if row[0] == persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_made_up_action_is_refused_to_everyone(request, plgs, persona):
    user = person(request, persona)

    for visibility, plg in plgs.items():
        # The rules registry knows no such rule: no for everyone, the superuser included.
        assert rules.has_perm("plc.frobnicate_plg", user, plg) is False, f"{persona} frobnicate {visibility} PLG"
        # Django's has_perm says yes to any name for an active superuser, no to everyone else.
        expected = persona == "admin_user"
        assert user.has_perm("plc.frobnicate_plg", plg) is expected, f"{persona} has_perm frobnicate {visibility} PLG"
        # Asked through user_can, a made-up action fails loudly rather than answering quietly.
        with pytest.raises(UnknownAction):
            user_can(user, "frobnicate", plg)


@pytest.mark.parametrize("status", [PlgStatus.ARCHIVED, PlgStatus.COMPLETED])
def test_read_only_plg_can_be_seen_but_not_joined_or_changed(plgs, smz, lehrkraft_a, lehrkraft_b, plg_leitung, status):
    for plg in plgs.values():
        services.set_status(actor=smz, plg=plg, status=status)
    people = {"lehrkraft_a": lehrkraft_a, "lehrkraft_b": lehrkraft_b, "plg_leitung": plg_leitung, "smz": smz}

    assert_policy(
        people,
        plgs,
        [
            # member: still sees and reads everything, may leave, but shares nothing any more
            ("lehrkraft_a", "view", (T, T, T)),
            ("lehrkraft_a", "view_content", (T, T, T)),
            ("lehrkraft_a", "contribute", (F, F, F)),
            ("lehrkraft_a", "leave", (T, T, T)),
            # lead: still manages (e.g. publishes results), but shares and schedules nothing
            ("plg_leitung", "view", (T, T, T)),
            ("plg_leitung", "manage", (T, T, T)),
            ("plg_leitung", "contribute", (F, F, F)),
            ("plg_leitung", "schedule", (F, F, F)),
            # outsider: still sees the listed PLGs, but can neither join nor ask
            ("lehrkraft_b", "view", (T, T, F)),
            ("lehrkraft_b", "view_content", (T, F, F)),
            ("lehrkraft_b", "join", (F, F, F)),
            ("lehrkraft_b", "request", (F, F, F)),
            # SMZ: sees everything, changes no content either
            ("smz", "view", (T, T, T)),
            ("smz", "contribute", (F, F, F)),
            ("smz", "schedule", (F, F, F)),
            ("smz", "join", (F, F, F)),
        ],
    )


def test_permissions_follow_membership_changes_of_the_same_user(open_plg, lehrkraft_b):
    """Memberships are cached per user object; a service that changes them must drop that cache."""
    assert user_can(lehrkraft_b, "join", open_plg)

    services.join_plg(actor=lehrkraft_b, plg=open_plg)

    assert not user_can(lehrkraft_b, "join", open_plg)
    assert user_can(lehrkraft_b, "contribute", open_plg)
    services.leave_plg(actor=lehrkraft_b, plg=open_plg)
    assert not user_can(lehrkraft_b, "contribute", open_plg)
    assert user_can(lehrkraft_b, "join", open_plg)


def test_deactivated_member_may_do_nothing(plgs, lehrkraft_a):
    lehrkraft_a.is_active = False
    lehrkraft_a.save()

    assert_policy({"lehrkraft_a": lehrkraft_a}, plgs, [("lehrkraft_a", action, (F, F, F)) for action in ACTIONS])


# --- The visibility querysets (lists, search, the action views' loader) ---------------------------


def test_results_of_a_closed_plg_are_visible_to_the_whole_network_but_not_to_guests(
    closed_plg, plg_leitung, lehrkraft_b
):
    result = services.publish_result(
        actor=plg_leitung, plg=closed_plg, title="Leitungsrunde", tried="Austausch", worked="Regelmäßigkeit"
    )

    assert list(permissions.results_visible_to(lehrkraft_b)) == [result]
    assert list(permissions.results_visible_to(AnonymousUser())) == []


def test_outsider_sees_open_and_on_request_plgs_but_not_closed(open_plg, request_plg, closed_plg, lehrkraft_b):
    assert set(permissions.plgs_visible_to(lehrkraft_b)) == {open_plg, request_plg}


def test_member_sees_all_three_of_their_plgs(open_plg, request_plg, closed_plg, lehrkraft_a):
    assert set(permissions.plgs_visible_to(lehrkraft_a)) == {open_plg, request_plg, closed_plg}


def test_smz_sees_every_plg(open_plg, request_plg, closed_plg, smz):
    assert set(permissions.plgs_visible_to(smz)) == {open_plg, request_plg, closed_plg}


def test_guest_sees_no_plg(open_plg, request_plg, closed_plg):
    assert list(permissions.plgs_visible_to(AnonymousUser())) == []

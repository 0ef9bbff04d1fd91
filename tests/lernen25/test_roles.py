"""Roles: the groups `setup_roles` makes, and the persona × capability matrix."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command

from lernen25.errors import RefusalKind
from lernen25.models import AuditEvent
from lernen25.roles import (
    GROUP_NAMES,
    ROLE_CAPABILITIES,
    ROLE_MODEL_PERMISSIONS,
    SCHOOL_CAPABILITIES,
    Capability,
    Role,
    SchoolRequired,
    UnknownCapability,
    has_capability,
)
from lernen25.services import assign_role, revoke_role
from lernen25.setup import setup_roles
from tests.factories import UserFactory

C = Capability


@pytest.mark.django_db
def test_setup_roles_creates_one_group_per_role_with_its_permissions():
    report = setup_roles()

    assert sorted(report.created_groups) == sorted(GROUP_NAMES.values())
    for role, name in GROUP_NAMES.items():
        group = Group.objects.get(name=name)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        # Under tests.settings_core the feature apps' permissions are left out (lernen25.setup).
        expected = {dotted for dotted in ROLE_MODEL_PERMISSIONS[role] if dotted.split(".")[0] in apps.app_configs}
        assert granted == expected, role


@pytest.mark.django_db
def test_setup_roles_twice_changes_nothing(capsys):
    call_command("setup_roles")
    before = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}

    call_command("setup_roles")

    after = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    assert before == after
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.django_db
def test_setup_roles_removes_a_permission_added_by_hand():
    setup_roles()
    group = Group.objects.get(name="PLG-Leitung")
    from django.contrib.auth.models import Permission

    group.permissions.add(Permission.objects.get(codename="delete_school"))

    report = setup_roles()

    assert report.changed_groups == ["PLG-Leitung"]
    assert not group.permissions.filter(codename="delete_school").exists()


# persona -> (capabilities everywhere, school-bound capabilities at school A); every other
# capability must be refused, and every school-bound one at school B (the outsider school).
_NETWORK = {C.NETWORK_VIEW, C.PLG_JOIN, C.PLG_PROPOSE, C.SOFTWARE_PROPOSE}
EXPECTED = {
    # a signed-up person no school has confirmed: a guest of the network, no capability at all
    "signed_up": (set(), set()),
    # a teacher joins and proposes, nothing more
    "lehrkraft_a": (_NETWORK, set()),
    # a PLG lead is a teacher who may lead
    "plg_leitung": (_NETWORK | {C.PLG_LEAD}, set()),
    # the SMZ curates and moderates the network, keeps the school list, appoints principals
    "smz": (
        _NETWORK
        | {
            C.PLG_LEAD,
            C.PLG_CURATE,
            C.PLG_MODERATE,
            C.SCHOOLS_MANAGE,
            C.PRINCIPALS_APPOINT,
            C.ADMIN_ACCESS,
        },
        set(),
    ),
    # the media coordinator writes her school's concept and reflection, for her school only
    "medienbeauftragte_a": (_NETWORK, {C.CONCEPT_EDIT, C.REFLECTION_FILL}),
    # the principal also approves them and manages the school's people
    "schulleitung_a": (
        _NETWORK,
        {C.CONCEPT_EDIT, C.CONCEPT_APPROVE, C.REFLECTION_FILL, C.REFLECTION_APPROVE, C.STAFF_MANAGE},
    ),
    # the data-protection officer vets software and nothing else
    "datenschutz": ({C.NETWORK_VIEW, C.ADMIN_ACCESS, C.SOFTWARE_REVIEW}, set()),
    # the school board opens campaigns and reads the planning of every school
    "schultraeger": ({C.NETWORK_VIEW, C.ADMIN_ACCESS, C.REFLECTION_CAMPAIGN, C.PLANNING_READ}, set()),
    # a superuser may everything, at every school
    "admin_user": (set(Capability) - SCHOOL_CAPABILITIES, set(SCHOOL_CAPABILITIES)),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_capability_matrix(persona, request, school_a, school_b):
    user = request.getfixturevalue(persona)
    network, at_school_a = EXPECTED[persona]
    for capability in Capability:
        if capability in SCHOOL_CAPABILITIES:
            expected_a = capability in at_school_a
            expected_b = persona == "admin_user"
            assert has_capability(user, capability, school=school_a) is expected_a, f"{persona} × {capability} at A"
            assert has_capability(user, capability, school=school_b) is expected_b, f"{persona} × {capability} at B"
            assert user.has_perm(str(capability), school_a) is expected_a, f"{persona} × {capability} via rules"
            assert user.has_perm(str(capability), school_b) is expected_b, f"{persona} × {capability} B via rules"
            if not user.is_superuser:
                # without a school the rule cannot mean "at some school"
                assert user.has_perm(str(capability)) is False
        else:
            expected = capability in network
            assert has_capability(user, capability) is expected, f"{persona} × {capability}"
            assert user.has_perm(str(capability)) is expected, f"{persona} × {capability} via rules"


@pytest.mark.parametrize("capability", sorted(SCHOOL_CAPABILITIES))
def test_school_bound_capability_asked_without_a_school_raises(capability, schulleitung_a):
    with pytest.raises(SchoolRequired):
        has_capability(schulleitung_a, capability)


def test_no_city_wide_role_holds_a_school_bound_capability_except_administration():
    for role, capabilities in ROLE_CAPABILITIES.items():
        if role != Role.ADMINISTRATION:
            assert not capabilities & SCHOOL_CAPABILITIES, role


@pytest.mark.django_db
def test_guest_has_no_capability():
    from django.contrib.auth.models import AnonymousUser

    assert not any(has_capability(AnonymousUser(), capability, school=1) for capability in Capability)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [*sorted(EXPECTED), "guest"])
def test_made_up_capability_raises_for_everyone(persona, request):
    user = request.getfixturevalue(persona) if persona != "guest" else None
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    with pytest.raises(UnknownCapability):
        has_capability(user, "plc.frobnicate")
    # Django's has_perm answers True for any name to an active superuser; code therefore
    # checks capabilities with has_capability, which fails closed for everyone.
    if not getattr(user, "is_superuser", False):
        assert user.has_perm("plc.frobnicate") is False


def test_deactivated_account_loses_every_capability(smz, schulleitung_a, school_a):
    for user in (smz, schulleitung_a):
        user.is_active = False
        user.save()

        assert not any(has_capability(user, capability, school=school_a) for capability in Capability)


def test_revoking_a_role_takes_effect_at_once(smz):
    assert has_capability(smz, C.PLG_CURATE)

    revoke_role(actor=None, user=smz, role=Role.SMZ_MODERATION)

    assert not has_capability(smz, C.PLG_CURATE)
    assert AuditEvent.objects.filter(action="lernen25.role.revoked", target_id=str(smz.pk)).exists()


def test_teacher_may_not_assign_roles(lehrkraft_a, lehrkraft_b, assert_refused):
    assert_refused(
        assign_role,
        "Sie dürfen keine Rollen vergeben.",
        RefusalKind.FORBIDDEN,
        actor=lehrkraft_a,
        user=lehrkraft_b,
        role=Role.SMZ_MODERATION,
    )

    assert not has_capability(lehrkraft_b, C.PLG_CURATE)
    assert not AuditEvent.objects.filter(action="lernen25.role.assigned", actor=lehrkraft_a).exists()


@pytest.mark.django_db
def test_new_account_gets_a_profile():
    user = UserFactory()

    assert user.profile.pk is not None


@pytest.mark.django_db
@pytest.mark.needs_app("plc")
def test_smz_may_edit_and_publish_plg_pages_in_the_admin(client, smz):
    from wagtail.models import GroupPagePermission

    from plc.models import PlgIndexPage

    directory = PlgIndexPage.objects.get()
    granted = set(
        GroupPagePermission.objects.filter(group__name="SMZ-Moderation", page=directory).values_list(
            "permission__codename", flat=True
        )
    )
    assert granted == {"add_page", "change_page", "publish_page"}
    client.force_login(smz)
    assert client.get(f"/admin/pages/{directory.pk}/").status_code == 200
    assert setup_roles().changed is False

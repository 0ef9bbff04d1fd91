"""Roles: the groups `setup_roles` makes, and the persona × capability matrix."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from lernen25.models import AuditEvent
from lernen25.roles import GROUP_NAMES, ROLE_MODEL_PERMISSIONS, Capability, Role, UnknownCapability, has_capability
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
        assert granted == set(ROLE_MODEL_PERMISSIONS[role]), role


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
    group = Group.objects.get(name="Lehrkraft")
    from django.contrib.auth.models import Permission

    group.permissions.add(Permission.objects.get(codename="delete_school"))

    report = setup_roles()

    assert report.changed_groups == ["Lehrkraft"]
    assert not group.permissions.filter(codename="delete_school").exists()


# persona -> the capabilities it must have; every other capability must be refused.
EXPECTED = {
    # a teacher joins and proposes, nothing more
    "lehrkraft_a": {C.PLG_JOIN, C.PLG_PROPOSE, C.SOFTWARE_PROPOSE},
    # a PLG lead is a teacher who may lead
    "plg_leitung": {C.PLG_JOIN, C.PLG_PROPOSE, C.SOFTWARE_PROPOSE, C.PLG_LEAD},
    # the SMZ curates and moderates the network and keeps the school list
    "smz": {
        C.PLG_JOIN,
        C.PLG_PROPOSE,
        C.SOFTWARE_PROPOSE,
        C.PLG_LEAD,
        C.PLG_CURATE,
        C.PLG_MODERATE,
        C.SCHOOLS_MANAGE,
        C.ADMIN_ACCESS,
    },
    # the media coordinator writes the school's concept and reflection
    "medienbeauftragte_a": {
        C.PLG_JOIN,
        C.PLG_PROPOSE,
        C.SOFTWARE_PROPOSE,
        C.ADMIN_ACCESS,
        C.CONCEPT_EDIT,
        C.REFLECTION_FILL,
    },
    # the principal may also approve them
    "schulleitung_a": {
        C.PLG_JOIN,
        C.PLG_PROPOSE,
        C.SOFTWARE_PROPOSE,
        C.ADMIN_ACCESS,
        C.CONCEPT_EDIT,
        C.CONCEPT_APPROVE,
        C.REFLECTION_FILL,
        C.REFLECTION_APPROVE,
    },
    # the data-protection officer vets software and nothing else
    "datenschutz": {C.ADMIN_ACCESS, C.SOFTWARE_REVIEW},
    # the school board opens campaigns and reads the planning
    "schultraeger": {C.ADMIN_ACCESS, C.REFLECTION_CAMPAIGN, C.PLANNING_READ},
    # a superuser may everything
    "admin_user": set(Capability),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_capability_matrix(persona, request):
    user = request.getfixturevalue(persona)
    for capability in Capability:
        expected = capability in EXPECTED[persona]
        assert has_capability(user, capability) is expected, f"{persona} × {capability}"
        assert user.has_perm(str(capability)) is expected, f"{persona} × {capability} via rules"


@pytest.mark.django_db
def test_guest_has_no_capability():
    from django.contrib.auth.models import AnonymousUser

    assert not any(has_capability(AnonymousUser(), capability) for capability in Capability)


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


def test_deactivated_account_loses_every_capability(smz):
    smz.is_active = False
    smz.save()

    assert not any(has_capability(smz, capability) for capability in Capability)


def test_revoking_a_role_takes_effect_at_once(smz):
    assert has_capability(smz, C.PLG_CURATE)

    revoke_role(actor=None, user=smz, role=Role.SMZ_MODERATION)

    assert not has_capability(smz, C.PLG_CURATE)
    assert AuditEvent.objects.filter(action="lernen25.role.revoked", target_id=str(smz.pk)).exists()


def test_teacher_may_not_assign_roles(lehrkraft_a, lehrkraft_b):
    from lernen25.errors import Refused

    with pytest.raises(Refused) as refusal:
        assign_role(actor=lehrkraft_a, user=lehrkraft_b, role=Role.SMZ_MODERATION)

    assert str(refusal.value.message) == "Sie dürfen keine Rollen vergeben."
    assert not has_capability(lehrkraft_b, C.PLG_CURATE)
    assert not AuditEvent.objects.filter(action="lernen25.role.assigned", actor=lehrkraft_a).exists()


@pytest.mark.django_db
def test_new_account_gets_a_profile():
    user = UserFactory()

    assert user.profile.pk is not None


@pytest.mark.django_db
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

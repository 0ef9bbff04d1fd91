"""Setting up the role groups with their permissions (used by ``setup_roles`` and tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from lernen25.roles import (
    GROUP_NAMES,
    ROLE_COLLECTION_PERMISSIONS,
    ROLE_MODEL_PERMISSIONS,
    ROLE_PAGE_PERMISSIONS,
    Role,
)


@dataclass
class RoleSetupReport:
    created_groups: list[str] = field(default_factory=list)
    changed_groups: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created_groups or self.changed_groups)


def _installed(dotted: str) -> bool:
    """Whether the app of ``"sso.view_schoolsignon"`` / ``"plc.PlgIndexPage"`` is installed.

    The role table names the apps' permissions by string, like the settings; without the app (the
    core-only settings, tests/settings_core.py) there is nothing to grant. A test checks that every
    app label in the table is installed under the full settings, so a typo cannot hide here.
    """
    from django.apps import apps

    return dotted.split(".", 1)[0] in apps.app_configs


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist:
        raise LookupError(f"Permission {dotted!r} does not exist; did the migrations run?") from None


@transaction.atomic
def setup_roles() -> RoleSetupReport:
    """Create one group per role with exactly its permissions. Idempotent.

    Permissions added to a group by hand that the role does not define are removed, so
    that the code is the one place that says what a role may do.
    """
    report = RoleSetupReport()
    for role in Role:
        group, created = Group.objects.get_or_create(name=GROUP_NAMES[role])
        wanted = {_permission(dotted).pk for dotted in ROLE_MODEL_PERMISSIONS[role] if _installed(dotted)}
        current = set(group.permissions.values_list("pk", flat=True))
        if created:
            report.created_groups.append(group.name)
        elif wanted != current:
            report.changed_groups.append(group.name)
        if wanted != current:
            group.permissions.set(wanted)
        wagtail_changed = _set_page_permissions(group, role)
        wagtail_changed = _set_collection_permissions(group, role) or wagtail_changed
        if wagtail_changed and not created and group.name not in report.changed_groups:
            report.changed_groups.append(group.name)
    return report


def _set_page_permissions(group: Group, role: Role) -> bool:
    """Give the group exactly its page permissions on the pages named in ROLE_PAGE_PERMISSIONS."""
    from django.apps import apps
    from wagtail.models import GroupPagePermission, Page

    wanted = set()
    for label, types in ROLE_PAGE_PERMISSIONS.get(role, []):
        if not _installed(label):
            continue
        model = apps.get_model(label)
        for page in model.objects.all():
            for permission_type in types:
                wanted.add((page.pk, _permission(f"wagtailcore.{permission_type}_page").pk))
    current = set(GroupPagePermission.objects.filter(group=group).values_list("page_id", "permission_id"))
    if wanted == current:
        return False
    GroupPagePermission.objects.filter(group=group).delete()
    GroupPagePermission.objects.bulk_create(
        [GroupPagePermission(group=group, page=Page(pk=page), permission_id=perm) for page, perm in wanted]
    )
    return True


def _set_collection_permissions(group: Group, role: Role) -> bool:
    """Give the group exactly its document and image permissions (ROLE_COLLECTION_PERMISSIONS) on
    the root collection, which Wagtail applies to every collection below it."""
    from wagtail.models import Collection, GroupCollectionPermission

    root = Collection.get_first_root_node()
    wanted = set()
    if root is not None:  # Wagtail's migrations make it; a flushed test database may lack it
        for dotted in ROLE_COLLECTION_PERMISSIONS.get(role, []):
            if _installed(dotted):
                wanted.add((root.pk, _permission(dotted).pk))
    current = set(GroupCollectionPermission.objects.filter(group=group).values_list("collection_id", "permission_id"))
    if wanted == current:
        return False
    GroupCollectionPermission.objects.filter(group=group).delete()
    GroupCollectionPermission.objects.bulk_create(
        [
            GroupCollectionPermission(group=group, collection_id=collection, permission_id=permission)
            for collection, permission in wanted
        ]
    )
    return True

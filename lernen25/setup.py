"""Setting up the role groups with their permissions (used by ``setup_roles`` and tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from lernen25.roles import GROUP_NAMES, ROLE_MODEL_PERMISSIONS, Role


@dataclass
class RoleSetupReport:
    created_groups: list[str] = field(default_factory=list)
    changed_groups: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created_groups or self.changed_groups)


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
        wanted = {_permission(dotted).pk for dotted in ROLE_MODEL_PERMISSIONS[role]}
        current = set(group.permissions.values_list("pk", flat=True))
        if created:
            report.created_groups.append(group.name)
        elif wanted != current:
            report.changed_groups.append(group.name)
        if wanted != current:
            group.permissions.set(wanted)
    return report

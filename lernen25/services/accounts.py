"""Accounts: city-wide roles and the person's own profile."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from lernen25 import audit
from lernen25.errors import RefusalKind, Refused
from lernen25.models import Profile
from lernen25.roles import GROUP_NAMES, Capability, Role, forget_grants, has_capability

# --- Roles ---------------------------------------------------------------------------------


def assign_role(*, actor, user, role: Role) -> None:
    """Give ``user`` a role. Only people who manage roles (or a command, actor=None) may."""
    if actor is not None and not has_capability(actor, Capability.ROLES_MANAGE):
        raise Refused(_("You may not assign roles."), RefusalKind.FORBIDDEN)
    group = Group.objects.get(name=GROUP_NAMES[Role(role)])
    with transaction.atomic():
        user.groups.add(group)
        audit.record("lernen25.role.assigned", actor=actor, target=user, role=str(role))
    forget_grants(user)


def revoke_role(*, actor, user, role: Role) -> None:
    if actor is not None and not has_capability(actor, Capability.ROLES_MANAGE):
        raise Refused(_("You may not revoke roles."), RefusalKind.FORBIDDEN)
    group = Group.objects.get(name=GROUP_NAMES[Role(role)])
    with transaction.atomic():
        user.groups.remove(group)
        audit.record("lernen25.role.revoked", actor=actor, target=user, role=str(role))
    forget_grants(user)


# --- Profiles ------------------------------------------------------------------------------


def update_profile(
    *,
    actor,
    profile: Profile,
    display_name: str,
    subjects,
    email_notifications: bool,
    mention_digest: bool = True,
    language: str | None = None,
) -> Profile:
    """Change a profile. Only its owner may.

    A person's schools are not part of it: they are functions a school grants (``affiliations``).
    """
    if actor.pk != profile.user_id:
        raise Refused(_("You can only edit your own profile."), RefusalKind.FORBIDDEN)
    with transaction.atomic():
        profile.display_name = display_name.strip()
        profile.email_notifications = email_notifications
        profile.mention_digest = mention_digest
        if language is not None:  # the language of the person's mails and notifications
            profile.language = language
        profile.full_clean(exclude=["user"])
        profile.save(update_fields=["display_name", "email_notifications", "mention_digest", "language"])
        profile.subjects.set(subjects)
        audit.record(
            "lernen25.profile.updated",
            actor=actor,
            target=profile,
        )
    return profile

"""Roles are data; code checks capabilities.

Each role is a Django group (its German name is the group's name, as teachers and the SMZ
say it). ``ROLE_CAPABILITIES`` says what each role may do; views, templates, consumers and
services ask ``has_capability(user, Capability.X)``, never "is the user in group Y".
``ROLE_MODEL_PERMISSIONS`` lists the Django/Wagtail permissions a role's group gets, so the
Wagtail admin shows each role what it may manage. ``manage.py setup_roles`` applies both.
"""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEHRKRAFT = "lehrkraft", _("Teacher")
    PLG_LEITUNG = "plg_leitung", _("PLC lead")
    SMZ_MODERATION = "smz_moderation", _("SMZ moderation")
    MEDIENBEAUFTRAGTE = "medienbeauftragte", _("Media coordinator")
    SCHULLEITUNG = "schulleitung", _("Principal")
    DATENSCHUTZ = "datenschutz", _("Data-protection officer")
    SCHULTRAEGER = "schultraeger", _("School board")
    ADMINISTRATION = "administration", _("Administration")


# The group names are fixed German words (not translated): they are data in the database.
GROUP_NAMES: dict[Role, str] = {
    Role.LEHRKRAFT: "Lehrkraft",
    Role.PLG_LEITUNG: "PLG-Leitung",
    Role.SMZ_MODERATION: "SMZ-Moderation",
    Role.MEDIENBEAUFTRAGTE: "Medienbeauftragte",
    Role.SCHULLEITUNG: "Schulleitung",
    Role.DATENSCHUTZ: "Datenschutzbeauftragte",
    Role.SCHULTRAEGER: "Schulträger",
    Role.ADMINISTRATION: "Administration",
}


class Capability(enum.StrEnum):
    """What a person may do, independent of a single object."""

    ADMIN_ACCESS = "lernen25.access_admin"  # open the Wagtail admin
    SCHOOLS_MANAGE = "lernen25.manage_schools"  # edit and import schools
    ROLES_MANAGE = "lernen25.manage_roles"  # give and take roles
    PLG_JOIN = "plc.join"  # join or request to join a PLG
    PLG_PROPOSE = "plc.propose"  # propose a new PLG to the SMZ
    PLG_LEAD = "plc.lead"  # may be made lead of a PLG
    PLG_CURATE = "plc.curate"  # create, feature, archive PLGs; see all of them
    PLG_MODERATE = "plc.moderate"  # hide messages, lock topics in any PLG
    CONCEPT_EDIT = "medienkonzepte.edit"  # write the school's media concept
    CONCEPT_APPROVE = "medienkonzepte.approve"  # approve it for publication
    SOFTWARE_PROPOSE = "software_catalog.propose"  # propose an app for the register
    SOFTWARE_REVIEW = "software_catalog.review"  # vet apps (data protection)
    REFLECTION_FILL = "reflection.fill"  # fill in the school's annual reflection
    REFLECTION_APPROVE = "reflection.approve"  # approve it before it goes out
    REFLECTION_CAMPAIGN = "reflection.open_campaign"  # open the yearly campaign
    PLANNING_READ = "reflection.read_planning"  # read the equipment planning


class UnknownCapability(LookupError):
    """Raised for a capability name that no role defines: checks fail closed, loudly."""


_TEACHER = {Capability.PLG_JOIN, Capability.PLG_PROPOSE, Capability.SOFTWARE_PROPOSE}

ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.LEHRKRAFT: frozenset(_TEACHER),
    Role.PLG_LEITUNG: frozenset(_TEACHER | {Capability.PLG_LEAD}),
    Role.SMZ_MODERATION: frozenset(
        _TEACHER
        | {
            Capability.ADMIN_ACCESS,
            Capability.PLG_LEAD,
            Capability.PLG_CURATE,
            Capability.PLG_MODERATE,
            Capability.SCHOOLS_MANAGE,
        }
    ),
    Role.MEDIENBEAUFTRAGTE: frozenset(
        _TEACHER | {Capability.ADMIN_ACCESS, Capability.CONCEPT_EDIT, Capability.REFLECTION_FILL}
    ),
    Role.SCHULLEITUNG: frozenset(
        _TEACHER
        | {
            Capability.ADMIN_ACCESS,
            Capability.CONCEPT_EDIT,
            Capability.CONCEPT_APPROVE,
            Capability.REFLECTION_FILL,
            Capability.REFLECTION_APPROVE,
        }
    ),
    Role.DATENSCHUTZ: frozenset({Capability.ADMIN_ACCESS, Capability.SOFTWARE_REVIEW}),
    Role.SCHULTRAEGER: frozenset({Capability.ADMIN_ACCESS, Capability.REFLECTION_CAMPAIGN, Capability.PLANNING_READ}),
    Role.ADMINISTRATION: frozenset(Capability),
}

# Django/Wagtail model permissions per role, as "app_label.codename".
_ADMIN = ["wagtailadmin.access_admin"]
_SCHOOLS = ["lernen25.view_school", "lernen25.add_school", "lernen25.change_school"]
_DOCS = ["wagtaildocs.add_document", "wagtaildocs.change_document", "wagtaildocs.choose_document"]
_IMAGES = ["wagtailimages.add_image", "wagtailimages.change_image", "wagtailimages.choose_image"]

ROLE_MODEL_PERMISSIONS: dict[Role, list[str]] = {
    Role.LEHRKRAFT: [],
    Role.PLG_LEITUNG: [],
    Role.SMZ_MODERATION: [*_ADMIN, *_SCHOOLS, *_DOCS, *_IMAGES, "lernen25.view_auditevent"],
    Role.MEDIENBEAUFTRAGTE: [*_ADMIN, *_DOCS, *_IMAGES, "lernen25.view_school"],
    Role.SCHULLEITUNG: [*_ADMIN, *_DOCS, *_IMAGES, "lernen25.view_school"],
    Role.DATENSCHUTZ: [*_ADMIN, *_DOCS],
    Role.SCHULTRAEGER: [*_ADMIN, "lernen25.view_school"],
    Role.ADMINISTRATION: [
        *_ADMIN,
        *_SCHOOLS,
        "lernen25.delete_school",
        *_DOCS,
        "wagtaildocs.delete_document",
        *_IMAGES,
        "wagtailimages.delete_image",
        "lernen25.view_auditevent",
        "lernen25.view_subject",
        "lernen25.add_subject",
        "lernen25.change_subject",
        "lernen25.view_user",
        "lernen25.add_user",
        "lernen25.change_user",
        "auth.view_group",
        "auth.change_group",
    ],
}

# Wagtail page permissions: role -> (page model label, permission types) on every page of that type.
# The SMZ edits PLG pages (titles, goals, taxonomies) in the admin; membership stays on the site.
ROLE_PAGE_PERMISSIONS: dict[Role, list[tuple[str, tuple[str, ...]]]] = {
    Role.SMZ_MODERATION: [("plc.PlgIndexPage", ("add", "change", "publish"))],
    Role.ADMINISTRATION: [("plc.PlgIndexPage", ("add", "change", "publish", "delete"))],
}

_GROUP_TO_ROLE = {name: role for role, name in GROUP_NAMES.items()}


def roles_of(user) -> frozenset[Role]:
    """The roles of a user, read once per request and cached on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_lernen25_roles", None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)
        cached = frozenset(_GROUP_TO_ROLE[name] for name in names if name in _GROUP_TO_ROLE)
        user._lernen25_roles = cached
    return cached


def capabilities_of(user) -> frozenset[Capability]:
    if getattr(user, "is_superuser", False) and user.is_active:
        return frozenset(Capability)
    caps: set[Capability] = set()
    for role in roles_of(user):
        caps |= ROLE_CAPABILITIES[role]
    return frozenset(caps)


def has_capability(user, capability: str) -> bool:
    """True if one of the user's roles grants ``capability``. Unknown names raise."""
    try:
        wanted = Capability(capability)
    except ValueError:
        raise UnknownCapability(f"No role defines the capability {capability!r}.") from None
    return wanted in capabilities_of(user)


def forget_roles(user) -> None:
    """Drop the per-object cache after the user's groups changed."""
    if hasattr(user, "_lernen25_roles"):
        del user._lernen25_roles

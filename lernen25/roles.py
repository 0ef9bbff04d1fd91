"""Roles and school functions are data; code checks capabilities.

Two kinds of grant, one question:

- **City-wide roles** are Django groups (their German name is the group's name, as teachers and
  the SMZ say it): PLG-Leitung, SMZ-Moderation, Datenschutzbeauftragte, Schulträger,
  Administration. ``ROLE_CAPABILITIES`` says what each may do anywhere.
- **School functions** (Lehrkraft, Medienbeauftragte, Schulleitung) are ``Affiliation`` rows:
  granted by someone, recorded, revocable, and valid **for one school**. Every function makes
  its holder a member of the network (``FUNCTION_NETWORK_CAPABILITIES``); the school-bound
  capabilities (``SCHOOL_CAPABILITIES``) hold only at that school.

Views, templates, consumers and services ask ``has_capability(user, Capability.X)`` or, for a
school-bound capability, ``has_capability(user, Capability.X, school=school)``; never "is the
user in group Y". A school-bound capability asked without a school raises, so no check can
silently mean "at some school".

**Powers wait for a second factor.** City-wide roles, administrators and principals
(``requires_mfa``) hold their powers only once they have a TOTP authenticator: until then
their grants are cut down to what a teacher may do (``Grants.withheld``), so every service,
consumer and template refuses them the same way, without knowing the session.
``lernen25.mfa`` leads them to the set-up page and explains the refusal.

``ROLE_MODEL_PERMISSIONS`` lists the Django/Wagtail permissions a role's group gets, so the
Wagtail admin shows each role what it may manage. ``manage.py setup_roles`` applies them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from lernen25.models import SchoolFunction


class Role(models.TextChoices):
    """City-wide roles (Django groups). School functions are ``SchoolFunction``."""

    PLG_LEITUNG = "plg_leitung", _("PLC lead")
    SMZ_MODERATION = "smz_moderation", _("SMZ moderation")
    DATENSCHUTZ = "datenschutz", _("Data-protection officer")
    SCHULTRAEGER = "schultraeger", _("School board")
    ADMINISTRATION = "administration", _("Administration")


# The group names are fixed German words (not translated): they are data in the database.
GROUP_NAMES: dict[Role, str] = {
    Role.PLG_LEITUNG: "PLG-Leitung",
    Role.SMZ_MODERATION: "SMZ-Moderation",
    Role.DATENSCHUTZ: "Datenschutzbeauftragte",
    Role.SCHULTRAEGER: "Schulträger",
    Role.ADMINISTRATION: "Administration",
}


class Capability(enum.StrEnum):
    """What a person may do, independent of a single object."""

    ADMIN_ACCESS = "lernen25.access_admin"  # open the Wagtail admin
    NETWORK_VIEW = "lernen25.view_network"  # see what the network shares with its members (not guests)
    SCHOOLS_MANAGE = "lernen25.manage_schools"  # edit and import schools
    ROLES_MANAGE = "lernen25.manage_roles"  # give and take city-wide roles
    PRINCIPALS_APPOINT = "lernen25.appoint_principals"  # grant and revoke Schulleitung at any school
    STAFF_MANAGE = "lernen25.manage_staff"  # per school: grant functions, confirm colleagues, e-mail domain
    PLG_JOIN = "plc.join"  # join or request to join a PLG
    PLG_PROPOSE = "plc.propose"  # propose a new PLG to the SMZ
    PLG_LEAD = "plc.lead"  # may be made lead of a PLG
    PLG_CURATE = "plc.curate"  # create, feature, archive PLGs; see all of them
    PLG_MODERATE = "plc.moderate"  # hide messages, lock topics in any PLG
    CONCEPT_EDIT = "medienkonzepte.edit"  # per school: write the school's media concept
    CONCEPT_APPROVE = "medienkonzepte.approve"  # per school: approve it for publication
    SOFTWARE_PROPOSE = "software_catalog.propose"  # propose an app for the register
    SOFTWARE_REVIEW = "software_catalog.review"  # vet apps (data protection)
    REFLECTION_FILL = "reflection.fill"  # per school: fill in the school's annual reflection
    REFLECTION_APPROVE = "reflection.approve"  # per school: approve it before it goes out
    REFLECTION_CAMPAIGN = "reflection.open_campaign"  # open the yearly campaign
    PLANNING_READ = "reflection.read_planning"  # read the equipment planning of every school


class UnknownCapability(LookupError):
    """Raised for a capability name that no role defines: checks fail closed, loudly."""


class SchoolRequired(LookupError):
    """A school-bound capability was asked without naming the school."""


# Capabilities that hold for one school at a time; asked with ``school=``.
SCHOOL_CAPABILITIES = frozenset(
    {
        Capability.STAFF_MANAGE,
        Capability.CONCEPT_EDIT,
        Capability.CONCEPT_APPROVE,
        Capability.REFLECTION_FILL,
        Capability.REFLECTION_APPROVE,
    }
)

# What every confirmed member of the network may do (any school function gives it).
_TEACHER = frozenset(
    {Capability.NETWORK_VIEW, Capability.PLG_JOIN, Capability.PLG_PROPOSE, Capability.SOFTWARE_PROPOSE}
)

ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.PLG_LEITUNG: _TEACHER | {Capability.PLG_LEAD},
    Role.SMZ_MODERATION: _TEACHER
    | {
        Capability.ADMIN_ACCESS,
        Capability.PLG_LEAD,
        Capability.PLG_CURATE,
        Capability.PLG_MODERATE,
        Capability.SCHOOLS_MANAGE,
        Capability.PRINCIPALS_APPOINT,
    },
    Role.DATENSCHUTZ: frozenset({Capability.NETWORK_VIEW, Capability.ADMIN_ACCESS, Capability.SOFTWARE_REVIEW}),
    Role.SCHULTRAEGER: frozenset(
        {
            Capability.NETWORK_VIEW,
            Capability.ADMIN_ACCESS,
            Capability.REFLECTION_CAMPAIGN,
            Capability.PLANNING_READ,
        }
    ),
    # Administrators may do everything, for every school.
    Role.ADMINISTRATION: frozenset(Capability),
}

# Every function makes its holder a member of the network ...
FUNCTION_NETWORK_CAPABILITIES = _TEACHER
# ... and gives these capabilities at its school only.
FUNCTION_SCHOOL_CAPABILITIES: dict[SchoolFunction, frozenset[Capability]] = {
    SchoolFunction.LEHRKRAFT: frozenset(),
    SchoolFunction.MEDIENBEAUFTRAGTE: frozenset({Capability.CONCEPT_EDIT, Capability.REFLECTION_FILL}),
    SchoolFunction.SCHULLEITUNG: frozenset(
        {
            Capability.CONCEPT_EDIT,
            Capability.CONCEPT_APPROVE,
            Capability.REFLECTION_FILL,
            Capability.REFLECTION_APPROVE,
            Capability.STAFF_MANAGE,
        }
    ),
}

# Who must have a second factor before their powers count (issue: "two-factor for the powerful").
MFA_ROLES = frozenset({Role.SMZ_MODERATION, Role.DATENSCHUTZ, Role.SCHULTRAEGER, Role.ADMINISTRATION})
MFA_FUNCTIONS = frozenset({SchoolFunction.SCHULLEITUNG})

# Django/Wagtail model permissions per role, as "app_label.codename".
_ADMIN = ["wagtailadmin.access_admin"]
_SCHOOLS = ["lernen25.view_school", "lernen25.add_school", "lernen25.change_school"]
_DOCS = ["wagtaildocs.add_document", "wagtaildocs.change_document", "wagtaildocs.choose_document"]
_IMAGES = ["wagtailimages.add_image", "wagtailimages.change_image", "wagtailimages.choose_image"]

ROLE_MODEL_PERMISSIONS: dict[Role, list[str]] = {
    Role.PLG_LEITUNG: [],
    Role.SMZ_MODERATION: [*_ADMIN, *_SCHOOLS, *_DOCS, *_IMAGES, "lernen25.view_auditevent"],
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
        # The schools' own sign-ons (sso.SchoolSignOn).
        "sso.view_schoolsignon",
        "sso.add_schoolsignon",
        "sso.change_schoolsignon",
        "sso.delete_schoolsignon",
    ],
}

# Wagtail asks for document and image permissions per collection (``GroupCollectionPermission``), not
# the group's model permissions: ``setup_roles`` grants a role's ``wagtaildocs``/``wagtailimages``
# permissions above on the root collection, so in every collection. What a person may not know of
# (the files of a closed PLG) stays hidden by plc's narrowed policies. PLG leads share files on their
# PLG's page (plc.services.material) and have no admin access, so no collection permission.
_COLLECTION_APPS = ("wagtaildocs", "wagtailimages")
ROLE_COLLECTION_PERMISSIONS: dict[Role, list[str]] = {
    role: [dotted for dotted in permissions if dotted.split(".", 1)[0] in _COLLECTION_APPS]
    for role, permissions in ROLE_MODEL_PERMISSIONS.items()
}

# Wagtail page permissions: role -> (page model label, permission types) on every page of that type.
# The SMZ edits PLG pages (titles, goals, taxonomies) in the admin; membership stays on the site.
ROLE_PAGE_PERMISSIONS: dict[Role, list[tuple[str, tuple[str, ...]]]] = {
    Role.SMZ_MODERATION: [("plc.PlgIndexPage", ("add", "change", "publish"))],
    Role.ADMINISTRATION: [("plc.PlgIndexPage", ("add", "change", "publish", "delete"))],
}

_GROUP_TO_ROLE = {name: role for role, name in GROUP_NAMES.items()}
_CACHE_ATTR = "_lernen25_grants"


@dataclass(frozen=True)
class Grants:
    """Everything a user may do, read once per request and cached on the user object."""

    roles: frozenset[Role]
    functions: dict[int, frozenset[SchoolFunction]]  # school id -> the user's active functions there
    network: frozenset[Capability]  # valid everywhere (and, for administrators, at every school)
    by_school: dict[int, frozenset[Capability]]  # school id -> school-bound capabilities there
    needs_mfa: bool  # a city-wide role, staff or a principal: powers need a TOTP authenticator
    withheld: bool  # powers held back until the user sets up an authenticator

    @property
    def is_guest(self) -> bool:
        """Signed up, but neither confirmed by a school nor given a city-wide role."""
        return not self.roles and not self.functions


_NOBODY = Grants(frozenset(), {}, frozenset(), {}, False, False)


def _has_authenticator(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def grants_of(user) -> Grants:
    """The user's roles, functions and capabilities (two queries, three for the powerful)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOBODY
    cached = user.__dict__.get(_CACHE_ATTR)
    if cached is not None:
        return cached
    from lernen25.models import Affiliation

    names = user.groups.values_list("name", flat=True)
    roles = frozenset(_GROUP_TO_ROLE[name] for name in names if name in _GROUP_TO_ROLE)
    functions: dict[int, set[SchoolFunction]] = {}
    for school_id, function in (
        Affiliation.objects.active().filter(user_id=user.pk).values_list("school_id", "function")
    ):
        functions.setdefault(school_id, set()).add(SchoolFunction(function))
    needs_mfa = bool(
        user.is_superuser or user.is_staff or roles & MFA_ROLES or any(f & MFA_FUNCTIONS for f in functions.values())
    )
    withheld = needs_mfa and not _has_authenticator(user)

    network: set[Capability] = set()
    if user.is_superuser and not withheld:
        network |= set(Capability)
    for role in roles:
        granted = ROLE_CAPABILITIES[role]
        network |= (granted & _TEACHER) if withheld and role in MFA_ROLES else granted
    if functions:
        network |= FUNCTION_NETWORK_CAPABILITIES
    by_school = {}
    for school_id, held in functions.items():
        caps: set[Capability] = set()
        for function in held:
            if not (withheld and function in MFA_FUNCTIONS):
                caps |= FUNCTION_SCHOOL_CAPABILITIES[function]
        by_school[school_id] = frozenset(caps)
    grants = Grants(
        roles=roles,
        functions={school_id: frozenset(held) for school_id, held in functions.items()},
        network=frozenset(network),
        by_school=by_school,
        needs_mfa=needs_mfa,
        withheld=withheld,
    )
    user.__dict__[_CACHE_ATTR] = grants
    return grants


def _capability(capability: str) -> Capability:
    try:
        return Capability(capability)
    except ValueError:
        raise UnknownCapability(f"No role defines the capability {capability!r}.") from None


def roles_of(user) -> frozenset[Role]:
    return grants_of(user).roles


def capabilities_of(user) -> frozenset[Capability]:
    """The capabilities the user holds everywhere (school-bound ones only for administrators)."""
    return grants_of(user).network


def has_capability(user, capability: str, school=None) -> bool:
    """True if a role or a school function grants ``capability``. Unknown names raise.

    School-bound capabilities (``SCHOOL_CAPABILITIES``) need ``school`` (a School or its id)
    and answer for that school only; asked without one they raise ``SchoolRequired``.
    """
    wanted = _capability(capability)
    grants = grants_of(user)
    if wanted in SCHOOL_CAPABILITIES:
        if school is None:
            raise SchoolRequired(f"{wanted} holds per school: pass school=.")
        if wanted in grants.network:
            return True
        school_id = getattr(school, "pk", school)
        return wanted in grants.by_school.get(school_id, frozenset())
    return wanted in grants.network


def school_ids_with(user, capability: str) -> set[int] | None:
    """The ids of the schools where the user holds a school-bound capability; None: every school."""
    wanted = _capability(capability)
    grants = grants_of(user)
    if wanted in grants.network:
        return None
    return {school_id for school_id, caps in grants.by_school.items() if wanted in caps}


def requires_mfa(user) -> bool:
    """City-wide roles, staff and principals must have a TOTP authenticator for their powers."""
    return grants_of(user).needs_mfa


def mfa_pending(user) -> bool:
    """The user's powers are held back until they set up an authenticator."""
    return grants_of(user).withheld


def forget_grants(user) -> None:
    """Drop the per-object cache after the user's groups, functions or authenticators changed."""
    user.__dict__.pop(_CACHE_ATTR, None)
    # Older name of the cache (roles only), kept out of the way of stale objects.
    user.__dict__.pop("_lernen25_roles", None)


forget_roles = forget_grants

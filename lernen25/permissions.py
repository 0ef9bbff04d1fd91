"""Capabilities registered with the ``rules`` library.

With these, ``user.has_perm("plc.curate")`` answers the same as ``has_capability`` in views,
templates (``{% if perms.plc.curate %}``), consumers and the admin. School-bound capabilities
are object permissions on the school: ``user.has_perm("lernen25.manage_staff", school)``;
asked without a school they answer False (a template cannot mean "at some school").
Object rules of the apps (e.g. ``plc.view_plg``) are added by each app's ``permissions.py``.
"""

from __future__ import annotations

import rules

from lernen25.roles import SCHOOL_CAPABILITIES, Capability, has_capability


def _capability_predicate(capability: Capability):
    if capability in SCHOOL_CAPABILITIES:

        @rules.predicate(name=f"has_capability:{capability}")
        def check_at_school(user, school) -> bool:
            return school is not None and has_capability(user, capability, school=school)

        return check_at_school

    @rules.predicate(name=f"has_capability:{capability}")
    def check(user) -> bool:
        return has_capability(user, capability)

    return check


for _capability in Capability:
    rules.add_perm(str(_capability), _capability_predicate(_capability))


# --- A school's people ----------------------------------------------------------------------
# The one place that says who may act on a school's functions; the services check these, the
# pages show only what they allow.


def may_grant(user, *, school, function: str) -> bool:
    """Principals are appointed (and removed) by the SMZ and administrators; the rest by the school's principal."""
    from lernen25.models import SchoolFunction

    if function == SchoolFunction.SCHULLEITUNG:
        return has_capability(user, Capability.PRINCIPALS_APPOINT)
    return has_capability(user, Capability.STAFF_MANAGE, school=school)


def grantable_functions(user, school) -> list[str]:
    """The functions ``user`` may grant and revoke at ``school``."""
    from lernen25.models import SchoolFunction

    return [function.value for function in SchoolFunction if may_grant(user, school=school, function=function)]


def may_decide_confirmations(user, school) -> bool:
    """Requests to be confirmed as a teacher: the school's principals (and administrators)."""
    return has_capability(user, Capability.STAFF_MANAGE, school=school)


def may_set_staff_domain(user, school) -> bool:
    """The school's principals, the SMZ (keeps the school list) and administrators."""
    return has_capability(user, Capability.STAFF_MANAGE, school=school) or has_capability(
        user, Capability.SCHOOLS_MANAGE
    )


def may_register_any_domain(user) -> bool:
    """Without a verified address of their own in the domain: the SMZ and administrators only."""
    return has_capability(user, Capability.SCHOOLS_MANAGE)


def may_view_people(user, school) -> bool:
    """The school's principals, the SMZ (appoints principals) and administrators."""
    return may_decide_confirmations(user, school) or has_capability(user, Capability.PRINCIPALS_APPOINT)


rules.add_perm("lernen25.view_people_school", rules.predicate(may_view_people))

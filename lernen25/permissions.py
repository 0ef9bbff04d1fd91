"""The one home of every rule: who may do what, and what a refused person is told.

Each app's ``permissions.py`` registers its actions here with ``rule(name, predicate, message)``:
the predicate (a ``rules`` predicate over ``user`` and an optional object) and the German
message and kind a refused person gets. Services call ``require(actor, name, obj)``; views
declare the action they need (``lernen25.http.requires``/the app's loader); templates ask the
``{% allowed %}`` tag; the consumer and the API go through the services. Nothing else restates
a rule, so a message or a rule changes in one line.

Each rule is also registered with ``rules`` under the same name, so that Wagtail and Django
code that asks ``user.has_perm(name, obj)`` gets the same answer (beware: Django answers
``has_perm`` with True for any name to a superuser; our code asks ``allowed``, which does not).

Capabilities (``lernen25.roles``) are registered as permissions too: ``user.has_perm("plc.curate")``
answers as ``has_capability``; school-bound capabilities are object permissions on the school
(``user.has_perm("lernen25.manage_staff", school)``; without a school: False).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import rules
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lernen25.errors import RefusalKind, Refused
from lernen25.roles import SCHOOL_CAPABILITIES, Capability, has_capability


class UnknownAction(LookupError):
    """An action no rule is registered for: ``rules`` would silently answer False."""


@dataclass(frozen=True)
class Rule:
    name: str
    predicate: rules.Predicate
    message: Promise | str | Callable  # what a refused person reads; a callable gets the object
    kind: RefusalKind  # forbidden → 403, not_found → 404 (may not even know it exists)


_TABLE: dict[str, Rule] = {}


def rule(name: str, predicate, message, *, kind: RefusalKind = RefusalKind.FORBIDDEN) -> rules.Predicate:
    """Register the rule ``name`` (dotted: ``plc.invite``). Registering a name twice is a mistake."""
    if name in _TABLE:
        raise ImproperlyConfigured(f"The rule {name!r} is registered twice.")
    if not isinstance(predicate, rules.Predicate):
        predicate = rules.predicate(predicate)
    _TABLE[name] = Rule(name=name, predicate=predicate, message=message, kind=RefusalKind(kind))
    rules.add_perm(name, predicate)
    return predicate


def rule_of(name: str) -> Rule:
    try:
        return _TABLE[name]
    except KeyError:
        raise UnknownAction(f"No rule is registered for {name!r}.") from None


def registered_rules() -> dict[str, Rule]:
    """The whole table (for the documentation and the tests)."""
    return dict(_TABLE)


def allowed(user, name: str, obj=None) -> bool:
    """May ``user`` do ``name`` (on ``obj``)? Unknown names raise ``UnknownAction``."""
    return bool(rule_of(name).predicate.test(user, obj))


def require(user, name: str, obj=None) -> None:
    """Raise ``Refused`` with the rule's message and kind unless ``user`` may do ``name``."""
    registered = rule_of(name)
    if not registered.predicate.test(user, obj):
        raise Refused(message_of(registered, obj), registered.kind)


def message_of(registered: Rule, obj=None):
    message = registered.message
    if isinstance(message, (str, Promise)):
        return message
    return message(obj)


def refuse_unless(condition: bool, message, kind: RefusalKind = RefusalKind.CONFLICT) -> None:
    """A check of state or input, not of the person (already decided, too long, …)."""
    if not condition:
        raise Refused(message, kind)


# --- Capabilities as permissions --------------------------------------------------------------


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


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


@rules.predicate
def is_signed_in(user) -> bool:
    return _active(user)


# --- A school's people ----------------------------------------------------------------------
# Who may act on a school's functions; the services require these, the pages show what they allow.


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


@rules.predicate
def may_grant_affiliation(user, affiliation) -> bool:
    """Grant or end ``affiliation`` (saved or not): ``may_grant`` for its school and function."""
    return may_grant(user, school=affiliation.school, function=affiliation.function)


def _grant_refusal(verb_principal, verb_other):
    def message(affiliation):
        from lernen25.models import SchoolFunction

        if affiliation.function == SchoolFunction.SCHULLEITUNG:
            return verb_principal
        return verb_other % {"school": affiliation.school.name}

    return message


@rules.predicate
def may_decide_confirmations(user, school) -> bool:
    """Requests to be confirmed as a teacher: the school's principals (and administrators)."""
    return has_capability(user, Capability.STAFF_MANAGE, school=school)


@rules.predicate
def may_set_staff_domain(user, school) -> bool:
    """The school's principals, the SMZ (keeps the school list) and administrators."""
    return has_capability(user, Capability.STAFF_MANAGE, school=school) or has_capability(
        user, Capability.SCHOOLS_MANAGE
    )


@rules.predicate
def may_register_any_domain(user) -> bool:
    """Without a verified address of their own in the domain: the SMZ and administrators only."""
    return has_capability(user, Capability.SCHOOLS_MANAGE)


@rules.predicate
def may_view_people(user, school) -> bool:
    """The school's principals, the SMZ (appoints principals) and administrators."""
    return may_decide_confirmations(user, school) or has_capability(user, Capability.PRINCIPALS_APPOINT)


@rules.predicate
def may_request_confirmation(user) -> bool:
    return _active(user)


rule(
    "lernen25.view_people_school",
    may_view_people,
    _("Only the school's principals and the SMZ see the school's people."),
)
rule(
    "lernen25.grant_function",
    may_grant_affiliation,
    _grant_refusal(
        _("Only the SMZ and administrators may appoint principals."),
        _("You may not grant functions at %(school)s."),
    ),
)
rule(
    "lernen25.revoke_function",
    may_grant_affiliation,
    _grant_refusal(
        _("Only the SMZ and administrators may remove principals."),
        _("You may not revoke functions at %(school)s."),
    ),
)
rule(
    "lernen25.decide_confirmation",
    may_decide_confirmations,
    lambda school: _("You may not decide requests to %(school)s.") % {"school": school.name},
)
rule(
    "lernen25.set_staff_domain",
    may_set_staff_domain,
    lambda school: _("You may not change the e-mail domain of %(school)s.") % {"school": school.name},
)
rule(
    "lernen25.import_schools",
    rules.predicate(lambda user: has_capability(user, Capability.SCHOOLS_MANAGE)),
    _("You may not import schools."),
)
rule("lernen25.request_confirmation", may_request_confirmation, _("Please sign in first."))
rule(
    "lernen25.view_styleguide",
    rules.predicate(lambda user: _active(user) and has_capability(user, Capability.ADMIN_ACCESS)),
    _("The component library is for the platform's staff."),
)

"""Who may do what in a PLG. Views, templates, consumers, services and the document hook ask here.

Three layers of sight:
- **see the PLG** (its page, title, goals, leads): members, the SMZ, for open PLGs every signed-in
  person (also a guest no school has confirmed yet), for on-request PLGs every member of the
  network; a closed PLG is invisible (404) to everyone else;
- **see its content** (members, files, links, meetings, discussion): members and the SMZ, and for
  open PLGs every signed-in person;
- **results** are published to the whole network, also from closed PLGs.

Registered with ``rules`` as ``plc.<action>_plg`` so that ``user.has_perm("plc.manage_plg", plg)``
answers the same everywhere. Per-request caching: membership rows are read once per (user, plg).
"""

from __future__ import annotations

import rules

from lernen25.roles import Capability, has_capability
from plc.models import Membership, PlgPage, Role, Visibility

_CACHE_ATTR = "_plc_membership_cache"


def membership_of(user, plg: PlgPage) -> Membership | None:
    """The user's membership in the PLG, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = user.__dict__.setdefault(_CACHE_ATTR, {})
    if plg.pk not in cache:
        cache[plg.pk] = Membership.objects.filter(plg_id=plg.pk, user_id=user.pk).first()
    return cache[plg.pk]


def forget_memberships(user) -> None:
    user.__dict__.pop(_CACHE_ATTR, None)


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


@rules.predicate
def is_curator(user) -> bool:
    """The SMZ (and administrators): sees and curates every PLG."""
    return _active(user) and has_capability(user, Capability.PLG_CURATE)


@rules.predicate
def is_member(user, plg: PlgPage) -> bool:
    return _active(user) and membership_of(user, plg) is not None


@rules.predicate
def is_lead(user, plg: PlgPage) -> bool:
    membership = membership_of(user, plg) if _active(user) else None
    return membership is not None and membership.role == Role.LEAD


@rules.predicate
def is_listed(user, plg: PlgPage) -> bool:
    """Open PLGs are visible to every signed-in person, on-request ones to members of the network.

    A signed-up person no school has confirmed yet (a guest of the network) sees the open ones.
    """
    if not _active(user):
        return False
    if plg.visibility == Visibility.OPEN:
        return True
    return plg.visibility == Visibility.ON_REQUEST and has_capability(user, Capability.NETWORK_VIEW)


@rules.predicate
def is_open(user, plg: PlgPage) -> bool:
    return _active(user) and plg.visibility == Visibility.OPEN


@rules.predicate
def is_writable(user, plg: PlgPage) -> bool:
    return plg.is_writable


@rules.predicate
def may_join(user) -> bool:
    return _active(user) and has_capability(user, Capability.PLG_JOIN)


@rules.predicate
def may_moderate(user) -> bool:
    return _active(user) and has_capability(user, Capability.PLG_MODERATE)


can_view = is_member | is_curator | is_listed
can_view_content = is_member | is_curator | is_open
can_manage = is_lead | is_curator  # decide requests, invite, remove, promote, results, change log
can_contribute = (is_member | is_curator) & is_writable  # files, links
can_schedule = can_manage & is_writable  # meetings
can_join = is_open & ~is_member & may_join & is_writable
can_request = is_listed & ~is_open & ~is_member & may_join & is_writable
can_leave = is_member
can_moderate = is_lead | is_curator | may_moderate  # discussion: hide messages, lock topics

rules.add_perm("plc.view_plg", can_view)
rules.add_perm("plc.view_content_plg", can_view_content)
rules.add_perm("plc.manage_plg", can_manage)
rules.add_perm("plc.contribute_plg", can_contribute)
rules.add_perm("plc.schedule_plg", can_schedule)
rules.add_perm("plc.join_plg", can_join)
rules.add_perm("plc.request_plg", can_request)
rules.add_perm("plc.leave_plg", can_leave)
rules.add_perm("plc.moderate_plg", can_moderate)
rules.add_perm("plc.curate_plg", is_curator)


ACTIONS = frozenset(
    {"view", "view_content", "manage", "contribute", "schedule", "join", "request", "leave", "moderate", "curate"}
)


class UnknownAction(LookupError):
    """An action name no rule is registered for: ``rules`` would silently answer False."""


def user_can(user, action: str, plg: PlgPage) -> bool:
    """May ``user`` do ``action`` (one of ``ACTIONS``) in ``plg``? Unknown actions raise."""
    if action not in ACTIONS:
        raise UnknownAction(f"No PLC rule is registered for {action!r}.")
    # The rule itself, not user.has_perm: Django answers has_perm with True for any name to a
    # superuser, which would offer an administrator "join" or "leave" where that makes no sense.
    # Administrators get their powers through the PLG_CURATE capability (is_curator).
    return rules.has_perm(f"plc.{action}_plg", user, plg)


def can_delete_material(user, plg: PlgPage, owner_id: int | None) -> bool:
    """Shared files and links: their author (while a contributor) and the leads may delete them."""
    own = owner_id is not None and owner_id == user.pk and user_can(user, "contribute", plg)
    return own or user_can(user, "manage", plg)

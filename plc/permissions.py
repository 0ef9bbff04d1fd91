"""Who may do what in a PLG: the rules of PLG spaces, registered in the one rule table.

Three layers of sight:
- **see the PLG** (its page, title, goals, leads): members, the SMZ, for open PLGs every signed-in
  person (also a guest no school has confirmed yet), for on-request PLGs every member of the
  network; a closed PLG is invisible (404) to everyone else;
- **see its content** (members, files, links, meetings, discussion): members and the SMZ, and for
  open PLGs every signed-in person;
- **results** are published to the whole network, also from closed PLGs.

Every action is a rule in ``lernen25.permissions`` (``rule(name, predicate, message)``): the
services ``require`` it, views declare it, templates ask ``{% allowed %}``, the consumer goes
through the services. The querysets of what a person sees (``plgs_visible_to`` below)
sit beside these predicates; a test checks that both agree for every persona.
Per-request caching: membership rows are read once per (user, PLG).
"""

from __future__ import annotations

import rules
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.models import Collection

from lernen25.errors import RefusalKind
from lernen25.permissions import allowed, rule
from lernen25.roles import Capability, has_capability
from plc.models import Membership, MembershipRole, PlgPage, Result, Visibility

_CACHE_ATTR = "_plc_membership_cache"


def membership_of(user, plg: PlgPage) -> Membership | None:
    """The user's membership in the PLG, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = user.__dict__.setdefault(_CACHE_ATTR, {})
    if plg.pk not in cache:
        cache[plg.pk] = Membership.objects.filter(plg_id=plg.pk, user_id=user.pk).first()
    return cache[plg.pk]


def load_memberships(pairs) -> None:
    """Read the memberships of many (user, PLG id) pairs in one query into each user's cache.

    For work done in batches (a storm of socket handshakes): ``membership_of`` then answers from the
    cache, and the rules decide as always.
    """
    pairs = [(user, plg_id) for user, plg_id in pairs if getattr(user, "is_authenticated", False)]
    if not pairs:
        return
    rows = Membership.objects.filter(
        plg_id__in={plg_id for _, plg_id in pairs}, user_id__in={user.pk for user, _ in pairs}
    ).order_by()
    found = {(row.user_id, row.plg_id): row for row in rows}
    for user, plg_id in pairs:
        user.__dict__.setdefault(_CACHE_ATTR, {})[plg_id] = found.get((user.pk, plg_id))


def forget_memberships(user) -> None:
    user.__dict__.pop(_CACHE_ATTR, None)


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


# --- Predicates ------------------------------------------------------------------------------


@rules.predicate
def is_curator(user) -> bool:
    """The SMZ (and administrators): sees and curates every PLG."""
    return _active(user) and has_capability(user, Capability.PLG_CURATE)


@rules.predicate
def may_propose(user) -> bool:
    return _active(user) and has_capability(user, Capability.PLG_PROPOSE)


@rules.predicate
def is_member(user, plg: PlgPage) -> bool:
    return _active(user) and membership_of(user, plg) is not None


@rules.predicate
def is_lead(user, plg: PlgPage) -> bool:
    membership = membership_of(user, plg) if _active(user) else None
    return membership is not None and membership.role == MembershipRole.LEAD


@rules.predicate
def has_another_lead(user, plg: PlgPage) -> bool:
    return Membership.objects.filter(plg=plg, role=MembershipRole.LEAD).exclude(user_id=user.pk).exists()


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
def may_join_plgs(user) -> bool:
    return _active(user) and has_capability(user, Capability.PLG_JOIN)


@rules.predicate
def may_moderate(user) -> bool:
    return _active(user) and has_capability(user, Capability.PLG_MODERATE)


@rules.predicate
def is_live(user, plg: PlgPage) -> bool:
    """A draft or withdrawn PLG is seen by nobody on the site (the admin has its own permissions)."""
    return plg.live


can_view = is_live & (is_member | is_curator | is_listed)
can_view_content = is_member | is_curator | is_open
can_manage = is_lead | is_curator  # decide requests, invite, remove, promote, results, change log
can_contribute = (is_member | is_curator) & is_writable  # files, links, the discussion
can_schedule = can_manage & is_writable  # meetings
can_join = is_open & ~is_member & may_join_plgs & is_writable
can_request = is_listed & ~is_open & ~is_member & may_join_plgs & is_writable
can_leave = is_member
can_moderate = is_lead | is_curator | may_moderate  # discussion: hide messages, lock topics
can_connect = is_member | is_curator  # the live discussion (others read over HTTP where allowed)


def _material_predicate(user, item) -> bool:
    """Shared files and links: their author (while a contributor) and the leads may delete them."""
    own = item.added_by_id is not None and item.added_by_id == user.pk and can_contribute(user, item.plg)
    return own or can_manage(user, item.plg)


@rules.predicate
def is_own_request(user, join_request) -> bool:
    return _active(user) and join_request.user_id == user.pk


@rules.predicate
def is_invitee(user, invitation) -> bool:
    """The invitation names the person's account or one of their addresses (the invite came before the account)."""
    if not _active(user):
        return False
    return invitation.invitee_id == user.pk or invitation.email.lower() == user.email.lower()


@rules.predicate
def may_view_result(user, result) -> bool:
    """Results are published to the whole signed-in network, also those of closed PLGs."""
    return _active(user) and result.plg.live


# --- The same rules as querysets (tests/plc/test_visibility_agrees.py checks both agree) --------


def _sight(user) -> Q | None:
    """``is_member | is_curator | is_listed`` as a filter on PLGs; None: every PLG."""
    if not _active(user):
        return Q(pk__in=[])
    if has_capability(user, Capability.PLG_CURATE):
        return None
    listed = [Visibility.OPEN]
    if has_capability(user, Capability.NETWORK_VIEW):
        listed.append(Visibility.ON_REQUEST)
    return Q(visibility__in=listed) | Q(Exists(Membership.objects.filter(plg=OuterRef("pk"), user=user)))


def plgs_visible_to(user) -> QuerySet[PlgPage]:
    """The PLGs ``plc.view_plg`` allows, as a query.

    Closed ones only for members and the SMZ; on-request ones for members of the network; a
    signed-up person no school has confirmed yet sees the open ones; nobody signed in sees none.
    """
    sight = _sight(user)
    plgs = PlgPage.objects.live()
    return plgs if sight is None else plgs.filter(sight)


def plgs_managed_by(user) -> QuerySet[PlgPage]:
    """The live PLGs ``can_manage`` allows (``plc.decide_request`` and the other lead actions), as a query."""
    if not _active(user):
        return PlgPage.objects.none()
    plgs = PlgPage.objects.live()
    if has_capability(user, Capability.PLG_CURATE):
        return plgs
    return plgs.filter(Exists(Membership.objects.filter(plg=OuterRef("pk"), user=user, role=MembershipRole.LEAD)))


def plgs_hidden_from(user) -> QuerySet[PlgPage]:
    """PLGs, drafts included, that ``user`` may not know of: hidden in the admin's choosers and API too."""
    sight = _sight(user)
    return PlgPage.objects.none() if sight is None else PlgPage.objects.exclude(sight)


def collections_hidden_from(user) -> QuerySet[Collection]:
    """The document collections of the PLGs in ``plgs_hidden_from(user)``.

    A PLG's collection is named after the PLG ("PLG: <title>"), so the admin's collection filters
    and upload forms leave these out like the PLG itself.
    """
    return Collection.objects.filter(pk__in=plgs_hidden_from(user).exclude(collection=None).values("collection"))


def documents_visible_to(user, documents: QuerySet) -> QuerySet:
    """The documents ``plc.download_document`` allows, as a filter on ``documents``."""
    if not _active(user):
        return documents.none()
    if has_capability(user, Capability.PLG_CURATE):
        return documents
    in_sight = (
        Q(plg_file__isnull=True)
        | Q(plg_file__plg__visibility=Visibility.OPEN)
        | Q(plg_file__plg__in=Membership.objects.filter(user=user).values("plg"))
        | Q(plg_file__results__isnull=False)
    )
    return documents.filter(in_sight).distinct()


def results_visible_to(user) -> QuerySet[Result]:
    """The results ``plc.view_result`` allows, as a query."""
    if not _active(user):
        return Result.objects.none()
    return Result.objects.filter(plg__live=True).select_related("plg")


# --- The discussion's per-message rules --------------------------------------------------------
# One scope per action and viewer: "any" message, the viewer's "own" messages, or "none". The
# predicates below apply them; the live client receives the same scopes (``message_scopes``) and
# only looks them up for the messages that arrive, so it never decides a rule of its own.

ANY, OWN, NONE = "any", "own", "none"


def message_scopes(user, plg: PlgPage) -> dict[str, str]:
    """What ``user`` may do to the messages of ``plg``: {"edit"|"delete"|"hide": "any"|"own"|"none"}."""
    if not _active(user):
        return {"edit": NONE, "delete": NONE, "hide": NONE}
    moderates = can_moderate(user, plg)
    return {
        "edit": OWN if can_contribute(user, plg) else NONE,
        "delete": ANY if moderates else OWN,
        "hide": ANY if moderates else NONE,
    }


def scope_allows(scope: str, user, message) -> bool:
    return scope == ANY or (scope == OWN and message.author_id is not None and message.author_id == user.pk)


def _message_rule(action: str):
    @rules.predicate(name=f"plc.message_{action}")
    def check(user, message) -> bool:
        return scope_allows(message_scopes(user, message.plg)[action], user, message)

    return check


def message_actions(user, message) -> dict[str, bool]:
    """The flags the discussion partial reads for one message (same predicates as the services)."""
    scopes = message_scopes(user, message.plg)
    return {action: scope_allows(scope, user, message) for action, scope in scopes.items()}


# --- Documents ---------------------------------------------------------------------------------


@rules.predicate
def may_download_document(user, document) -> bool:
    """A PLG file: members (and, for open PLGs, every signed-in person); files of published
    results: the whole signed-in network. Documents outside PLGs: anyone signed in."""
    if not _active(user):
        return False
    plg_file = getattr(document, "plg_file", None)
    if plg_file is None:
        return True
    return can_view_content(user, plg_file.plg) or plg_file.results.exists()


# --- The rule table ----------------------------------------------------------------------------

# Seeing: outside a person's sight a PLG is "not found", not "forbidden".
rule("plc.view_plg", can_view, _("This PLC does not exist."), kind=RefusalKind.NOT_FOUND)
rule("plc.view_content_plg", can_view_content, _("Only members see this PLC's content."))
rule("plc.read_discussion", can_view_content, _("Only members see this PLC's discussion."))
rule("plc.download_calendar", can_view_content, _("Only members see this PLC's meetings."))
rule("plc.view_result", may_view_result, _("This result does not exist."), kind=RefusalKind.NOT_FOUND)
rule("plc.download_document", may_download_document, _("This file does not exist."), kind=RefusalKind.NOT_FOUND)

# Membership.
rule("plc.join_plg", can_join, _("You cannot join this PLC."))
rule("plc.request_plg", can_request, _("You cannot ask to join this PLC."))
rule("plc.leave_plg", can_leave, _("You are not a member of this PLC."))
rule("plc.join_any", may_join_plgs, _("You may not join PLCs."))
rule("plc.withdraw_request", is_own_request, _("You can only withdraw your own request."))
rule("plc.answer_invitation", is_invitee, _("This invitation is not for you."), kind=RefusalKind.NOT_FOUND)
rule("plc.manage_plg", can_manage, _("Only the PLC's leads and the SMZ manage it."))
rule("plc.decide_request", can_manage, _("Only the PLC's leads and the SMZ decide on requests."))
rule("plc.invite", can_manage, _("Only the PLC's leads and the SMZ invite members."))
rule("plc.revoke_invitation", can_manage, _("Only the PLC's leads and the SMZ revoke invitations."))
rule("plc.remove_member", can_manage, _("Only the PLC's leads and the SMZ remove members."))
rule(
    "plc.remove_membership",
    rules.predicate(lambda user, membership: membership.user_id != user.pk and can_manage(user, membership.plg)),
    _("Only the PLC's leads and the SMZ remove members."),
)
rule(
    "plc.promote_membership",
    rules.predicate(lambda user, membership: not membership.is_lead and can_manage(user, membership.plg)),
    _("Only the PLC's leads and the SMZ appoint leads."),
)
rule("plc.appoint_lead", can_manage, _("Only the PLC's leads and the SMZ appoint leads."))
rule("plc.appoint_any_lead", is_curator, _("Only the SMZ appoints leads this way."))

# Curation.
rule("plc.curate_plg", is_curator, _("Only the SMZ curates PLCs."))
rule("plc.create", is_curator, _("Only the SMZ may create PLCs."))
rule("plc.feature", is_curator, _("Only the SMZ features PLCs."))
rule("plc.change_status", can_manage, _("Only the PLC's leads and the SMZ change its status."))
rule("plc.change_visibility", can_manage, _("Only the PLC's leads and the SMZ change its visibility."))
rule("plc.step_down", is_lead & has_another_lead, _("You are the only lead; appoint another lead first."))
rule("plc.archive", is_curator, _("Only the SMZ archives PLCs."))
rule("plc.propose_plg", may_propose, _("You may not propose PLCs."))
rule("plc.view_proposals", may_propose | is_curator, _("You may not propose PLCs."))
rule("plc.decide_proposal", is_curator, _("Only the SMZ may decide on proposals."))

# Material, meetings, results.
rule("plc.contribute_plg", can_contribute, _("Only members can share material here."))
rule("plc.share_file", can_contribute, _("Only members can share files here."))
rule("plc.share_link", can_contribute, _("Only members can share links here."))
rule("plc.delete_file", _material_predicate, _("Only the uploader and the leads delete files."))
rule("plc.delete_link", _material_predicate, _("Only the author and the leads delete links."))
rule("plc.schedule_plg", can_schedule, _("Only the PLC's leads and the SMZ schedule meetings."))
rule("plc.cancel_meeting", can_manage, _("Only the PLC's leads and the SMZ cancel meetings."))
rule("plc.publish_result", can_manage, _("Only the PLC's leads and the SMZ publish results."))
rule("plc.view_change_log", can_manage, _("Only the PLC's leads and the SMZ see the change log."))

# Discussion.
rule("plc.connect", can_connect, _("Only members take part in the live discussion."))
rule("plc.start_topic", can_contribute, _("Only members can start topics here."))
rule("plc.post", can_contribute, _("Only members can write here."))
rule("plc.post_when_locked", can_moderate, _("This topic is locked."), kind=RefusalKind.CONFLICT)
rule("plc.moderate_plg", can_moderate, _("Only the PLC's leads and the SMZ moderate the discussion."))
rule("plc.set_topic_flags", can_moderate, _("Only the PLC's leads and the SMZ pin or lock topics."))
rule("plc.edit_message", _message_rule("edit"), _("You can only edit your own messages."))
rule("plc.delete_message", _message_rule("delete"), _("You can only delete your own messages."))
rule("plc.hide_message", _message_rule("hide"), _("Only the PLC's leads and the SMZ hide messages."))


# The PLG-level actions a page shows as ``can.<action>``; ``user_can`` keeps their short names.
PLG_ACTIONS = frozenset(
    {"view", "view_content", "manage", "contribute", "schedule", "join", "request", "leave", "moderate", "curate"}
)


def user_can(user, action: str, plg: PlgPage) -> bool:
    """``allowed(user, "plc.<action>_plg", plg)`` for the PLG-level actions (unknown ones raise).

    Asks the rule, not ``user.has_perm``: Django answers has_perm with True for any name to a
    superuser, which would offer an administrator "join" or "leave" where that makes no sense.
    Administrators get their powers through the PLG_CURATE capability (``is_curator``).
    """
    return allowed(user, f"plc.{action}_plg", plg)

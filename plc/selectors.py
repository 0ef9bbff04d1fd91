"""Reads of PLGs, always filtered by who asks.

What a person may see at all is decided in ``plc.permissions``: the predicates and, beside them,
the same rules as querysets (``plgs_visible_to``, ``results_visible_to``), tested to agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from lernen25.models import AuditEvent
from plc import permissions
from plc.models import (
    DiscussionSequence,
    Invitation,
    InvitationStatus,
    JoinRequest,
    Meeting,
    Membership,
    MembershipRole,
    Message,
    MessageState,
    PlgFile,
    PlgPage,
    PlgProposal,
    ProposalStatus,
    ReadPosition,
    RequestStatus,
    Result,
    Topic,
)
from plc.permissions import plgs_visible_to


def directory_for(user) -> QuerySet[PlgPage]:
    """The directory list: visible PLGs with what a card shows, the user's own PLGs first."""
    mine = Membership.objects.filter(plg=OuterRef("pk"), user=user.pk)
    return (
        plgs_visible_to(user)
        .annotate(is_mine=Exists(mine), member_count=Count("memberships", distinct=True))
        .prefetch_related("subjects", "schools")
        .order_by("-is_mine", "-featured", "title")
    )


def featured_plgs_for(user, limit: int = 3) -> list[PlgPage]:
    return list(plgs_visible_to(user).filter(featured=True).exclude(status="archived").order_by("title")[:limit])


def plgs_of(user) -> QuerySet[PlgPage]:
    if not getattr(user, "is_authenticated", False):
        return PlgPage.objects.none()
    return PlgPage.objects.live().filter(memberships__user=user).order_by("title")


@dataclass
class PlgDetail:
    """Everything the PLG page shows, loaded with a fixed number of queries."""

    leads: list
    members: list
    files: list
    links: list
    meetings: list
    results: list
    pending_requests: list
    pending_invitations: list
    own_request: JoinRequest | None
    own_invitation: Invitation | None


def plg_detail_for(user, plg: PlgPage, *, can_view_content: bool, can_manage: bool) -> PlgDetail:
    """Load what this user may see of the PLG. Query count does not grow with the PLG's size."""
    memberships = list(
        Membership.objects.filter(plg=plg).select_related("user", "user__profile").order_by("-role", "created_at")
    )
    leads = [m for m in memberships if m.role == MembershipRole.LEAD]
    results = list(
        Result.objects.filter(plg=plg)
        .select_related("published_by__profile")
        .prefetch_related(Prefetch("materials", queryset=PlgFile.objects.select_related("document")))
    )
    detail = PlgDetail(
        leads=leads,
        members=memberships if can_view_content else [],
        files=[],
        links=[],
        meetings=[],
        results=results,
        pending_requests=[],
        pending_invitations=[],
        own_request=None,
        own_invitation=None,
    )
    if can_view_content:
        detail.files = list(PlgFile.objects.filter(plg=plg).select_related("document", "added_by__profile"))
        detail.links = list(plg.links.select_related("added_by__profile"))
        # The page asks the delete rules per item; they read ``item.plg``: the PLG at hand, no query.
        for item in [*detail.files, *detail.links, *memberships]:
            item.plg = plg
        detail.meetings = list(Meeting.objects.filter(plg=plg, ends_at__gte=timezone.now()).order_by("starts_at"))
    if can_manage:
        detail.pending_requests = list(
            JoinRequest.objects.filter(plg=plg, status=RequestStatus.PENDING).select_related("user__profile")
        )
        detail.pending_invitations = list(
            Invitation.objects.filter(plg=plg, status=InvitationStatus.PENDING).select_related("invitee__profile")
        )
    if getattr(user, "is_authenticated", False):
        detail.own_request = JoinRequest.objects.filter(plg=plg, user=user).order_by("-created_at").first()
        detail.own_invitation = Invitation.objects.filter(
            Q(invitee=user) | Q(email__iexact=user.email), plg=plg, status=InvitationStatus.PENDING
        ).first()
    return detail


def change_log_for(plg: PlgPage, limit: int = 50):
    """The PLG's audit events, newest first (shown to leads and the SMZ)."""
    return AuditEvent.objects.filter(action__startswith="plc.", data__plg=plg.pk).select_related("actor__profile")[
        :limit
    ]


def pending_invitations_for(user) -> QuerySet[Invitation]:
    """Open invitations the person may answer (``plc.answer_invitation``), of live PLGs."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Invitation.objects.none()
    return Invitation.objects.filter(
        Q(invitee=user) | Q(email__iexact=user.email), status=InvitationStatus.PENDING, plg__live=True
    ).select_related("plg", "invited_by__profile")


def join_requests_to_decide(user) -> QuerySet[JoinRequest]:
    """Pending join requests of the PLGs the person manages (leads; the SMZ: every PLG), oldest first."""
    return (
        JoinRequest.objects.filter(status=RequestStatus.PENDING, plg__in=permissions.plgs_managed_by(user))
        .select_related("plg", "user__profile")
        .order_by("created_at")
    )


def unread_topics_of(user, limit: int = 5) -> list[Topic]:
    """Topics of the person's live PLGs with messages they have not read, newest activity first.

    Each with ``unread`` (others' messages after the person's read position) and its ``plg``.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    last_read = ReadPosition.objects.filter(user=user.pk, topic=OuterRef("pk")).values("last_read_id")[:1]
    return list(
        Topic.objects.filter(plg__in=Membership.objects.filter(user=user).values("plg"), plg__live=True)
        .annotate(last_read=Coalesce(Subquery(last_read), 0))
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__id__gt=F("last_read"))
                & ~Q(messages__author=user.pk)
                & ~Q(messages__state=MessageState.DELETED),
            )
        )
        .filter(unread__gt=0)
        .select_related("plg")
        .order_by("-last_message_at", "-id")[:limit]
    )


def proposals_for_review() -> QuerySet[PlgProposal]:
    return PlgProposal.objects.filter(status=ProposalStatus.PENDING).select_related("proposed_by__profile")


def upcoming_meetings_of(user, limit: int = 5) -> list[Meeting]:
    return list(
        Meeting.objects.filter(plg__memberships__user=user, plg__live=True, ends_at__gte=timezone.now())
        .select_related("plg")
        .order_by("starts_at")[:limit]
    )


# --- The discussion ----------------------------------------------------------------------------

HISTORY_PAGE = 50
CATCH_UP_LIMIT = 500  # more than this after a long absence: the client reloads the page instead


def member_names(plg: PlgPage) -> dict[str, int]:
    """Display name → user id of the PLG's members, for mentions."""
    memberships = Membership.objects.filter(plg=plg).select_related("user", "user__profile")
    return {m.user.display_name: m.user_id for m in memberships if m.user.is_active}


def topic_url(topic: Topic) -> str:
    return reverse("plc:topic", kwargs={"pk": topic.plg_id, "topic_id": topic.pk})


def topics_with_unread(user, plg: PlgPage) -> QuerySet[Topic]:
    """The PLG's topics with ``message_count`` and ``unread`` for ``user`` (one query)."""
    last_read = ReadPosition.objects.filter(user=user.pk, topic=OuterRef("pk")).values("last_read_id")[:1]
    return (
        Topic.objects.filter(plg=plg)
        .annotate(last_read=Coalesce(Subquery(last_read), 0))
        .annotate(
            message_count=Count("messages", filter=~Q(messages__state=MessageState.DELETED)),
            unread=Count(
                "messages",
                filter=Q(messages__id__gt=F("last_read"))
                & ~Q(messages__author=user.pk)
                & ~Q(messages__state=MessageState.DELETED),
            ),
        )
        .select_related("created_by__profile")
    )


@dataclass
class TopicPage:
    messages: list[Message]
    earlier_id: int | None  # ?vor=<id> loads the page before, None when this is the start
    last_read_id: int  # "new since your last visit" comes after this id


def topic_page(user, topic: Topic, *, before: int | None = None) -> TopicPage:
    """The last HISTORY_PAGE messages (or those before ``before``), oldest first."""
    messages = topic.messages.select_related("author__profile", "reply_to__author__profile").order_by("-id")
    if before:
        messages = messages.filter(pk__lt=before)
    page = list(messages[: HISTORY_PAGE + 1])
    earlier = page[HISTORY_PAGE - 1].pk if len(page) > HISTORY_PAGE else None
    page = page[:HISTORY_PAGE]
    page.reverse()
    position = ReadPosition.objects.filter(user=user, topic=topic).values_list("last_read_id", flat=True).first() or 0
    scopes = permissions.message_scopes(user, topic.plg)
    for message in page:
        # The flags the partial reads: the same scopes the services' rules apply.
        message.viewer_may = {
            action: permissions.scope_allows(scope, user, message) for action, scope in scopes.items()
        }
        message.is_new = bool(position) and message.pk > position and message.author_id != user.pk
    return TopicPage(messages=page, earlier_id=earlier, last_read_id=position)


def stream_position(plg_id: int) -> int:
    """The PLG's last handed-out stream position whose write has committed (0: none yet).

    Read it *before* what it stands for (the messages of a page, a catch-up): every position up to
    it is committed, because positions are taken in commit order (``DiscussionSequence``).
    """
    return DiscussionSequence.objects.filter(pk=plg_id).values_list("last_seq", flat=True).first() or 0


def stream_positions(plg_ids) -> dict[int, int]:
    """``stream_position`` of several PLGs in one query."""
    found = dict(DiscussionSequence.objects.filter(pk__in=plg_ids).values_list("pk", "last_seq"))
    return {plg_id: found.get(plg_id, 0) for plg_id in plg_ids}


@dataclass
class CatchUp:
    messages: list[Message]  # in stream order; empty when incomplete
    last_seq: int  # the client now holds everything up to here
    complete: bool  # False: more than CATCH_UP_LIMIT missed, the client reloads the page instead


def catch_up(plg_id: int, *, last_seq: int, have: frozenset[int] = frozenset(), until: int | None = None) -> CatchUp:
    """What a client that holds the stream up to ``last_seq`` (and the positions ``have``) misses.

    Each message once, in its latest version: the messages whose last change is after ``last_seq``
    and not one the client says it has. A message whose newer change is not committed yet is not
    sent in its older version either; the newer one comes live or with the next catch-up.
    ``until``: the stream position, if the caller has just read it (``stream_positions``).
    """
    if until is None:
        until = stream_position(plg_id)
    if last_seq >= until:
        return CatchUp([], until, True)
    missed = (
        Message.objects.filter(plg_id=plg_id, seq__gt=last_seq, seq__lte=until)
        .exclude(seq__in=have)
        .select_related("author__profile", "reply_to__author__profile")
        .order_by("seq")
    )
    messages = list(missed[: CATCH_UP_LIMIT + 1])
    if len(messages) > CATCH_UP_LIMIT:
        return CatchUp([], last_seq, False)
    return CatchUp(messages, until, True)

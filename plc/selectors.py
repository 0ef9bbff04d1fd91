"""Reads of PLGs, always filtered by who asks (see ``plc.permissions`` for the rules in words)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from lernen25.models import AuditEvent
from lernen25.roles import Capability, has_capability
from plc.models import (
    Invitation,
    InvitationStatus,
    JoinRequest,
    Meeting,
    Membership,
    PlgFile,
    PlgPage,
    PlgProposal,
    ProposalStatus,
    RequestStatus,
    Result,
    Role,
    Visibility,
)


def plgs_visible_to(user) -> QuerySet[PlgPage]:
    """Live PLGs the user may see (``permissions.can_view`` as a query).

    Closed ones only for members and the SMZ; on-request ones for members of the network; a
    signed-up person no school has confirmed yet sees the open ones; nobody signed in sees none.
    """
    plgs = PlgPage.objects.live()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return plgs.none()
    if has_capability(user, Capability.PLG_CURATE):
        return plgs
    listed = [Visibility.OPEN]
    if has_capability(user, Capability.NETWORK_VIEW):
        listed.append(Visibility.ON_REQUEST)
    member = Membership.objects.filter(plg=OuterRef("pk"), user=user)
    return plgs.filter(Q(visibility__in=listed) | Q(Exists(member)))


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
    leads = [m for m in memberships if m.role == Role.LEAD]
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
    if not getattr(user, "is_authenticated", False):
        return Invitation.objects.none()
    return Invitation.objects.filter(
        Q(invitee=user) | Q(email__iexact=user.email), status=InvitationStatus.PENDING, plg__live=True
    ).select_related("plg", "invited_by__profile")


def proposals_for_review() -> QuerySet[PlgProposal]:
    return PlgProposal.objects.filter(status=ProposalStatus.PENDING).select_related("proposed_by__profile")


def results_visible_to(user) -> QuerySet[Result]:
    """Published results: the whole (signed-in) network sees them, also those of closed PLGs."""
    if not getattr(user, "is_authenticated", False):
        return Result.objects.none()
    return Result.objects.filter(plg__live=True).select_related("plg")


def upcoming_meetings_of(user, limit: int = 5) -> list[Meeting]:
    return list(
        Meeting.objects.filter(plg__memberships__user=user, plg__live=True, ends_at__gte=timezone.now())
        .select_related("plg")
        .order_by("starts_at")[:limit]
    )

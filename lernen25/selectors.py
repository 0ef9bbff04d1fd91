"""Reads of the core app, always filtered by who asks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from lernen25.models import School


@dataclass
class HomeFeed:
    """What the home page tells a signed-in person. Later slices add PLG news here."""

    schools: list = field(default_factory=list)
    new_colleagues: list = field(default_factory=list)
    profile_incomplete: bool = False
    my_plgs: list = field(default_factory=list)
    featured_plgs: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    invitations: list = field(default_factory=list)


def schools_of(user) -> QuerySet[School]:
    if not user.is_authenticated:
        return School.objects.none()
    return School.objects.filter(profiles__user=user).order_by("name")


def home_feed_for(user, *, days: int = 30, limit: int = 8) -> HomeFeed | None:
    """Recent news for ``user``: colleagues of their schools who joined in the last ``days``."""
    if not user.is_authenticated:
        return None
    schools = list(schools_of(user))
    since = timezone.now() - timedelta(days=days)
    colleagues = (
        get_user_model()
        .objects.filter(is_active=True, profile__schools__in=schools, date_joined__gte=since)
        .exclude(pk=user.pk)
        .select_related("profile")
        .distinct()
        .order_by("-date_joined")[:limit]
    )
    # PLG news: registered here so that the core does not import the app at module level.
    from plc import selectors as plc_selectors

    return HomeFeed(
        schools=schools,
        new_colleagues=list(colleagues),
        profile_incomplete=not schools,
        my_plgs=list(plc_selectors.plgs_of(user)[:limit]),
        featured_plgs=plc_selectors.featured_plgs_for(user),
        meetings=plc_selectors.upcoming_meetings_of(user),
        invitations=list(plc_selectors.pending_invitations_for(user)),
    )

"""Reads of the core app, always filtered by who asks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from lernen25.models import Affiliation, ConfirmationRequest, ConfirmationStatus, School, SchoolFunction
from lernen25.roles import Capability, grants_of, school_ids_with


@dataclass
class HomeFeed:
    """What the core tells a signed-in person on the home page.

    The apps' news (PLGs, meetings, invitations) are home page panels they register in
    ``lernen25.registry.home_panels``; the page renders those between the greeting and this feed.
    """

    schools: list = field(default_factory=list)
    new_colleagues: list = field(default_factory=list)
    is_guest: bool = False  # signed up, confirmed by no school and without a city-wide role
    confirmations: list = field(default_factory=list)  # managed schools with people waiting (``.pending``)


def schools_of(user) -> QuerySet[School]:
    """The schools where the user holds a function (granted, not self-chosen)."""
    if not user.is_authenticated:
        return School.objects.none()
    return (
        School.objects.filter(affiliations__user=user, affiliations__revoked_at__isnull=True)
        .distinct()
        .order_by("name")
    )


def functions_of(user) -> QuerySet[Affiliation]:
    """The user's active functions with their schools and who granted them."""
    if not user.is_authenticated:
        return Affiliation.objects.none()
    return (
        Affiliation.objects.active()
        .filter(user=user)
        .select_related("school", "granted_by__profile")
        .order_by("school__name", "function")
    )


def confirmation_requests_of(user) -> QuerySet[ConfirmationRequest]:
    if not user.is_authenticated:
        return ConfirmationRequest.objects.none()
    return ConfirmationRequest.objects.filter(user=user).select_related("school").order_by("-created_at")


def schools_managed_by(user) -> QuerySet[School]:
    """Schools whose people the user manages: a principal's own, every school for administrators."""
    if not user.is_authenticated:
        return School.objects.none()
    ids = school_ids_with(user, Capability.STAFF_MANAGE)
    schools = School.objects.all() if ids is None else School.objects.filter(pk__in=ids)
    return schools.order_by("name")


def staff_of(school: School) -> QuerySet[Affiliation]:
    """A school's people: active functions, principals first, then by name."""
    order = {SchoolFunction.SCHULLEITUNG: 0, SchoolFunction.MEDIENBEAUFTRAGTE: 1, SchoolFunction.LEHRKRAFT: 2}
    rank = Case(*(When(function=f, then=Value(n)) for f, n in order.items()), output_field=IntegerField())
    return (
        Affiliation.objects.active()
        .filter(school=school)
        .select_related("user__profile", "granted_by__profile")
        .annotate(rank=rank)
        .order_by("rank", "user__last_name", "user__first_name", "user__email")
    )


def staff_history_of(school: School, limit: int = 50) -> QuerySet[Affiliation]:
    """Ended functions at the school, newest first."""
    return (
        Affiliation.objects.filter(school=school, revoked_at__isnull=False)
        .select_related("user__profile", "revoked_by__profile")
        .order_by("-revoked_at")[:limit]
    )


def pending_confirmations_for(school: School) -> QuerySet[ConfirmationRequest]:
    return (
        ConfirmationRequest.objects.filter(school=school, status=ConfirmationStatus.PENDING)
        .select_related("user__profile")
        .order_by("created_at")
    )


def home_feed_for(user, *, days: int = 30, limit: int = 8) -> HomeFeed | None:
    """Recent news for ``user``: colleagues of their schools who joined in the last ``days``."""
    if not user.is_authenticated:
        return None
    schools = list(schools_of(user))
    since = timezone.now() - timedelta(days=days)
    colleagues = (
        get_user_model()
        .objects.filter(
            is_active=True,
            affiliations__school__in=schools,
            affiliations__revoked_at__isnull=True,
            date_joined__gte=since,
        )
        .exclude(pk=user.pk)
        .select_related("profile")
        .distinct()
        .order_by("-date_joined")[:limit]
    )
    return HomeFeed(
        schools=schools,
        new_colleagues=list(colleagues),
        is_guest=grants_of(user).is_guest,
        confirmations=list(schools_awaiting_confirmation(user)[:limit]),
    )


def schools_awaiting_confirmation(user) -> QuerySet[School]:
    """The schools the person manages where people wait to be confirmed, each with ``pending``."""
    pending = Count("confirmation_requests", filter=Q(confirmation_requests__status=ConfirmationStatus.PENDING))
    return schools_managed_by(user).annotate(pending=pending).filter(pending__gt=0)

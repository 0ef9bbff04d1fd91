"""What PLG spaces show on the core's pages: home page panels, the notifications page, navigation.

Registered with ``lernen25.registry`` from ``PlcConfig.ready()``. Each context function is a
selector: it reads through ``plc.selectors`` what the person may see, and returns ``None`` when
the panel has nothing to say.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lernen25.permissions import allowed
from lernen25.registry import NavigationEntry, Panel, SignInArea
from plc import selectors

HOME_LIMIT = 8  # PLGs listed under "My PLCs"
TO_DECIDE_LIMIT = 5  # join requests listed on the home page (the rest are counted)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def home_invitations(user) -> dict | None:
    """Open invitations: a notice with a link to answer them, only when there are some."""
    if not _signed_in(user):
        return None
    invitations = list(selectors.pending_invitations_for(user))
    return {"invitations": invitations} if invitations else None


def home_my_plgs(user) -> dict | None:
    """The person's PLGs and their next meetings (shown also when empty: it points to the directory)."""
    if not _signed_in(user):
        return None
    return {
        "my_plgs": list(selectors.plgs_of(user)[:HOME_LIMIT]),
        "meetings": selectors.upcoming_meetings_of(user),
    }


def home_to_decide(user) -> dict | None:
    """What waits for the person's decision: join requests of the PLGs they lead (the SMZ: of all),
    and for the SMZ the pending PLG proposals. None when nothing waits."""
    if not _signed_in(user):
        return None
    requests = selectors.join_requests_to_decide(user)
    shown = list(requests[:TO_DECIDE_LIMIT])
    total = requests.count() if len(shown) == TO_DECIDE_LIMIT else len(shown)
    proposals = selectors.proposals_for_review().count() if allowed(user, "plc.decide_proposal") else 0
    if not total and not proposals:
        return None
    return {"requests": shown, "more_requests": total - len(shown), "proposals": proposals}


def home_unread(user) -> dict | None:
    """Topics of the person's PLGs with messages they have not read yet."""
    if not _signed_in(user):
        return None
    topics = selectors.unread_topics_of(user)
    return {"topics": topics} if topics else None


def home_featured(user) -> dict | None:
    """PLGs the SMZ features that the person may see."""
    if not _signed_in(user):
        return None
    featured = selectors.featured_plgs_for(user)
    return {"featured_plgs": featured} if featured else None


def notification_invitations(user) -> dict | None:
    """Open invitations to answer on the notifications page."""
    return home_invitations(user)


HOME_PANELS = (
    Panel("plc.to_decide", "plc/_home_to_decide.html", home_to_decide, order=10),
    Panel("plc.invitations", "plc/_home_invitations.html", home_invitations, order=20),
    Panel("plc.unread", "plc/_home_unread.html", home_unread, order=25),
    Panel("plc.my_plgs", "plc/_home_my_plgs.html", home_my_plgs, order=30),
    Panel("plc.featured", "plc/_home_featured.html", home_featured, order=40),
)
NOTIFICATION_PANELS = (
    Panel("plc.invitations", "plc/_notifications_invitations.html", notification_invitations, order=20),
)
NAVIGATION = (
    NavigationEntry(
        "plc.directory", _("PLCs"), "/plg/", order=20, current_prefixes=("/plg/", "/plg-raum/", "/plg-vorschlaege/")
    ),
    NavigationEntry("plc.results", _("Results"), "plc:results", order=30),
)


# --- Areas for signed-in people only (lernen25.errorviews: guests get the sign-in for every URL there) --


def _directory_prefix() -> str | None:
    from plc.models import PlgIndexPage

    directory = PlgIndexPage.objects.live().first()
    return directory.url if directory is not None else None


def _documents_prefix() -> str:
    # Every document is served to signed-in people only (wagtail_hooks.check_document_permission).
    return reverse("wagtaildocs_serve", args=(1, "x")).removesuffix("1/x")


SIGN_IN_AREAS = [
    SignInArea("plc.directory", _directory_prefix),
    SignInArea("plc.documents", _documents_prefix),
]

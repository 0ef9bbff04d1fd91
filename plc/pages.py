"""What the PLG directory and a PLG's page show: their context, built from selectors and forms.

The Wagtail pages (``PlgIndexPage.get_context``, ``PlgPage.get_context``) and the action views
(which re-render a PLG's page with the refusal or the invalid form) use the same functions, so
a page looks the same however it was reached. Who may see the pages at all is checked before
they are served (``plc.wagtail_hooks``: sign in first; an invisible PLG is 404).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from lernen25.permissions import allowed
from lernen25.roles import grants_of
from plc import selectors
from plc.forms import (
    DeclineForm,
    InviteForm,
    JoinRequestForm,
    LeadForm,
    LinkForm,
    MeetingForm,
    PlgFilter,
    ResultForm,
    StatusForm,
    TopicForm,
    UploadForm,
    VisibilityForm,
)
from plc.models import PlgPage
from plc.permissions import PLG_ACTIONS, user_can

PAGE_SIZE = 20


def directory_context(request) -> dict:
    """The directory: filters, search, the person's own PLGs first, paginated."""
    filterset = PlgFilter(request.GET or None, queryset=selectors.directory_for(request.user))
    plgs = filterset.qs if filterset.is_bound else filterset.queryset
    page_obj = Paginator(plgs, PAGE_SIZE).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    return {
        "filter": filterset,
        "page_obj": page_obj,
        "query_string": query.urlencode(),
        "filtered": any(value for key, value in request.GET.items() if key != "seite"),
        "can_propose": allowed(request.user, "plc.propose_plg"),
        "can_create": allowed(request.user, "plc.create"),
    }


def plg_context(request, plg: PlgPage, *, error: str | None = None, **bound_forms) -> dict:
    """A PLG's page; ``bound_forms`` replace the empty forms after an invalid submission."""
    user = request.user
    can = {action: user_can(user, action, plg) for action in PLG_ACTIONS}
    can["step_down"] = allowed(user, "plc.step_down", plg)
    detail = selectors.plg_detail_for(user, plg, can_view_content=can["view_content"], can_manage=can["manage"])
    forms = {
        "topic_form": TopicForm(),
        "request_form": JoinRequestForm(),
        "invite_form": InviteForm(),
        "lead_form": LeadForm(),
        "upload_form": UploadForm(),
        "link_form": LinkForm(),
        "meeting_form": MeetingForm(),
        "result_form": ResultForm(plg=plg),
        "status_form": StatusForm(initial={"status": plg.status}),
        "visibility_form": VisibilityForm(initial={"visibility": plg.visibility}),
        "decline_form": DeclineForm(),
    }
    forms.update(bound_forms)
    membership = next((m for m in detail.members or detail.leads if m.user_id == user.pk), None)
    for name, form in forms.items():
        # Several forms on one page: each gets its own ids, so every label points at its own field.
        form.auto_id = f"{name.removesuffix('_form')}_%s"
    return {
        "topics": list(selectors.topics_with_unread(user, plg)) if can["view_content"] else [],
        "may_post": allowed(user, "plc.start_topic", plg),
        "may_connect": allowed(user, "plc.connect", plg),
        "page": plg,
        "self": plg,
        "plg": plg,
        "can": can,
        "detail": detail,
        "membership": membership,
        "take_part_note": _take_part_note(user, plg, can, membership, detail),
        "error": error,
        # The summary at the top of the page: the posted form's errors are visible even when the form
        # itself is not shown any more (a request already pending, a state changed meanwhile).
        "invalid_form": next((form for form in bound_forms.values() if form.errors), None),
        **forms,
    }


def _take_part_note(user, plg: PlgPage, can: dict, membership, detail) -> str | None:
    """Why someone sees no way to take part, so that the box never stands empty (None: they have one).

    "sign_in" for visitors (where a PLG page is public), "guest" for people no school has confirmed
    yet, "invitation" for the rest.
    """
    if membership or can["join"] or can["request"] or detail.own_invitation or not plg.is_writable:
        return None
    if detail.own_request is not None and detail.own_request.status == "pending":
        return None
    if not user.is_authenticated:
        return "sign_in"
    return "guest" if grants_of(user).is_guest else "invitation"


def render_plg(request, plg: PlgPage, *, status: int = 200, error: str | None = None, **bound_forms):
    """The PLG's page outside Wagtail's serve: after a refused action or an invalid form."""
    context = plg_context(request, plg, error=error, **bound_forms)
    return render(request, plg.get_template(request), context, status=status)

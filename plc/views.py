"""HTTP views of PLG spaces.

Every view loads the PLG through ``plgs_visible_to`` (invisible: 404), asks ``plc.permissions``
what the person may do (not allowed: 403 or a refusal from the service), calls one service and
redirects. A refused action or a form error re-renders the PLG page with the message and a 4xx
status, so bad input changes nothing and says why. Destructive actions have a confirmation page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lernen25.errors import RefusalKind, Refused
from lernen25.roles import Capability, has_capability
from plc import calendar, discussion, selectors, services
from plc.forms import (
    CreatePlgForm,
    DeclineForm,
    InviteForm,
    JoinRequestForm,
    LeadForm,
    LinkForm,
    MeetingForm,
    PlgFilter,
    ProposalForm,
    RejectForm,
    ResultForm,
    StatusForm,
    TopicForm,
    UploadForm,
)
from plc.models import Invitation, JoinRequest, Meeting, PlgFile, PlgLink, PlgPage, PlgProposal, PlgStatus
from plc.permissions import can_delete_material, user_can

User = get_user_model()

ACTIONS = ("view_content", "manage", "contribute", "schedule", "join", "request", "leave", "moderate")
PAGE_SIZE = 20


# --- Directory and PLG page ---------------------------------------------------------------


def directory_view(request, page):
    """The PLG directory (a Wagtail page): filters, search, the person's own PLGs first."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    filterset = PlgFilter(request.GET or None, queryset=selectors.directory_for(request.user))
    plgs = filterset.qs if filterset.is_bound else filterset.queryset
    paginator = Paginator(plgs, PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "plc/directory.html",
        {
            "page": page,
            "filter": filterset,
            "page_obj": page_obj,
            "query_string": query.urlencode(),
            "filtered": any(value for key, value in request.GET.items() if key != "seite"),
            "can_propose": has_capability(request.user, Capability.PLG_PROPOSE),
            "can_create": has_capability(request.user, Capability.PLG_CURATE),
        },
    )


def plg_detail_view(request, plg: PlgPage):
    """A PLG's page (Wagtail serves it); invisible PLGs are 404."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not user_can(request.user, "view", plg):
        raise Http404
    return render_plg(request, plg)


def render_plg(request, plg: PlgPage, *, status: int = 200, error: str | None = None, **bound_forms):
    """Render the PLG page; ``bound_forms`` replace the empty forms after an invalid submission."""
    user = request.user
    can = {action: user_can(user, action, plg) for action in ACTIONS}
    can["curate"] = user_can(user, "curate", plg)
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
        "decline_form": DeclineForm(),
    }
    forms.update(bound_forms)
    for name, form in forms.items():
        # Several forms on one page: each gets its own ids, so every label points at its own field.
        form.auto_id = f"{name.removesuffix('_form')}_%s"
    topics = list(discussion.topics_with_unread(user, plg)) if can["view_content"] else []
    context = {
        "topics": topics,
        "may_post": discussion.may_post(user, plg),
        "may_connect": discussion.may_connect(user, plg),
        "page": plg,
        "plg": plg,
        "can": can,
        "detail": detail,
        "membership": next((m for m in detail.members or detail.leads if m.user_id == user.pk), None),
        "error": error,
        **forms,
    }
    return render(request, "plc/plg_page.html", context, status=status)


# --- Plumbing for actions -----------------------------------------------------------------


def plg_action(view):
    """Load the PLG visible to the signed-in person (else 404) and turn refusals into the PLG page with a 4xx."""

    @login_required
    @wraps(view)
    def wrapper(request, pk, *args, **kwargs):
        plg = get_object_or_404(selectors.plgs_visible_to(request.user).specific(), pk=pk)
        try:
            return view(request, plg, *args, **kwargs)
        except Refused as refusal:
            if refusal.kind == RefusalKind.NOT_FOUND:
                raise Http404 from None
            return render_plg(request, plg, status=refusal.status, error=str(refusal.message))

    return wrapper


def _done(request, plg: PlgPage, message: str, anchor: str = ""):
    messages.success(request, message)
    return redirect(plg.url + (f"#{anchor}" if anchor else ""))


def _confirm(request, plg: PlgPage, *, title: str, text: str, button: str, danger: bool = True):
    return render(
        request,
        "confirm.html",
        {"plg": plg, "title": title, "text": text, "button": button, "danger": danger, "back": plg.url},
    )


def _require_permission(user, action: str, plg: PlgPage, message: str) -> None:
    """Check before validating input: someone who may not act learns that first (403)."""
    if not user_can(user, action, plg):
        raise PermissionDenied(message)


def _confirmed(request, plg: PlgPage, *, title: str, text: str, button: str, perform, done: str, anchor: str = ""):
    """GET shows the confirmation page; POST performs the action and goes back to the PLG."""
    if request.method != "POST":
        return _confirm(request, plg, title=title, text=text, button=button)
    perform()
    return _done(request, plg, done, anchor)


def _form_error(request, plg: PlgPage, name: str, form):
    return render_plg(request, plg, status=400, **{name: form})


def _refused_in_form(request, plg: PlgPage, name: str, form, refusal: Refused):
    if refusal.kind == RefusalKind.NOT_FOUND:
        raise Http404
    form.add_error(None, str(refusal.message))
    return render_plg(request, plg, status=refusal.status, **{name: form})


# --- Membership ---------------------------------------------------------------------------


@require_POST
@plg_action
def join_view(request, plg):
    services.join_plg(actor=request.user, plg=plg)
    return _done(request, plg, _("Welcome! You are now a member of this PLC."))


@require_POST
@plg_action
def request_view(request, plg):
    form = JoinRequestForm(request.POST)
    if not form.is_valid():
        return _form_error(request, plg, "request_form", form)
    try:
        services.request_membership(actor=request.user, plg=plg, message=form.cleaned_data["message"])
    except Refused as refusal:
        return _refused_in_form(request, plg, "request_form", form, refusal)
    return _done(request, plg, _("Your request has been sent; the leads will decide."))


@require_POST
@plg_action
def withdraw_view(request, plg, request_id):
    join_request = get_object_or_404(JoinRequest, pk=request_id, plg=plg, user=request.user)
    services.withdraw_request(actor=request.user, join_request=join_request)
    return _done(request, plg, _("Your request has been withdrawn."))


@require_POST
@plg_action
def decide_view(request, plg, request_id):
    join_request = get_object_or_404(JoinRequest, pk=request_id, plg=plg)
    if not user_can(request.user, "manage", plg):
        raise PermissionDenied(_("Only the PLC's leads and the SMZ decide on requests."))
    if request.POST.get("decision") == "accept":
        services.decide_request(actor=request.user, join_request=join_request, accept=True)
        return _done(request, plg, _("The request was accepted."), "anfragen")
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _form_error(request, plg, "decline_form", form)
    services.decide_request(
        actor=request.user, join_request=join_request, accept=False, reason=form.cleaned_data["reason"]
    )
    return _done(request, plg, _("The request was declined; the requester sees your reason."), "anfragen")


@require_POST
@plg_action
def invite_view(request, plg):
    _require_permission(request.user, "manage", plg, _("Only the PLC's leads and the SMZ invite members."))
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _form_error(request, plg, "invite_form", form)
    person = form.cleaned_data["person"]
    try:
        services.invite_member(actor=request.user, plg=plg, email=person["email"], user=person["user"])
    except Refused as refusal:
        return _refused_in_form(request, plg, "invite_form", form, refusal)
    return _done(request, plg, _("The invitation has been sent."), "mitglieder")


@require_POST
@plg_action
def revoke_invitation_view(request, plg, invitation_id):
    invitation = get_object_or_404(Invitation, pk=invitation_id, plg=plg)
    services.revoke_invitation(actor=request.user, invitation=invitation)
    return _done(request, plg, _("The invitation was revoked."), "mitglieder")


@login_required
@require_POST
def answer_invitation_view(request, invitation_id, answer):
    """The invitee accepts or declines (from the notifications page or the PLG page)."""
    invitation = get_object_or_404(selectors.pending_invitations_for(request.user), pk=invitation_id)
    plg = invitation.plg.specific
    try:
        if answer == "annehmen":
            services.accept_invitation(actor=request.user, invitation=invitation)
            messages.success(request, _("Welcome! You are now a member of “%(title)s”.") % {"title": plg.title})
            return redirect(plg.url)
        services.decline_invitation(actor=request.user, invitation=invitation)
    except Refused as refusal:
        messages.error(request, str(refusal.message))
        return redirect("notifications")
    messages.success(request, _("You declined the invitation."))
    return redirect("notifications")


@plg_action
def leave_view(request, plg):
    if not user_can(request.user, "leave", plg):
        raise PermissionDenied(_("You are not a member of this PLC."))
    if request.method != "POST":
        return _confirm(
            request,
            plg,
            title=_("Leave the PLC?"),
            text=_("You will no longer see the PLC's content unless it is open. You can ask to join again later."),
            button=_("Leave the PLC"),
        )
    services.leave_plg(actor=request.user, plg=plg)
    messages.success(request, _("You have left “%(title)s”.") % {"title": plg.title})
    return redirect(plg.get_parent().url)


@plg_action
def remove_member_view(request, plg, user_id):
    member = get_object_or_404(User, pk=user_id, plg_memberships__plg=plg)
    if not user_can(request.user, "manage", plg):
        raise PermissionDenied(_("Only the PLC's leads and the SMZ remove members."))
    return _confirmed(
        request,
        plg,
        title=_("Remove %(name)s?") % {"name": member.display_name},
        text=_("%(name)s will be told and will no longer be a member.") % {"name": member.display_name},
        button=_("Remove member"),
        perform=lambda: services.remove_member(actor=request.user, plg=plg, user=member),
        done=_("%(name)s was removed.") % {"name": member.display_name},
        anchor="mitglieder",
    )


@require_POST
@plg_action
def promote_view(request, plg, user_id):
    member = get_object_or_404(User, pk=user_id, plg_memberships__plg=plg)
    services.promote_to_lead(actor=request.user, plg=plg, user=member)
    return _done(request, plg, _("%(name)s now leads this PLC.") % {"name": member.display_name}, "mitglieder")


@require_POST
@plg_action
def assign_lead_view(request, plg):
    """The SMZ makes any teacher lead (also one who is not a member yet)."""
    _require_permission(request.user, "curate", plg, _("Only the SMZ appoints leads this way."))
    form = LeadForm(request.POST)
    if not form.is_valid():
        return _form_error(request, plg, "lead_form", form)
    person = form.cleaned_data["person"]
    if person["user"] is None:
        form.add_error("person", _("The lead needs an account on Lernen 25."))
        return _form_error(request, plg, "lead_form", form)
    try:
        services.promote_to_lead(actor=request.user, plg=plg, user=person["user"])
    except Refused as refusal:
        return _refused_in_form(request, plg, "lead_form", form, refusal)
    return _done(request, plg, _("%(name)s now leads this PLC.") % {"name": person["user"].display_name}, "mitglieder")


@require_POST
@plg_action
def step_down_view(request, plg):
    services.step_down_as_lead(actor=request.user, plg=plg)
    return _done(request, plg, _("You are now a member without the lead role."), "mitglieder")


# --- Curation -----------------------------------------------------------------------------


@require_POST
@plg_action
def feature_view(request, plg):
    featured = request.POST.get("featured") == "1"
    services.set_featured(actor=request.user, plg=plg, featured=featured)
    return _done(request, plg, _("Featured on the home page.") if featured else _("No longer featured."))


@plg_action
def status_view(request, plg):
    form = StatusForm(request.POST or None)
    if request.method != "POST":
        raise Http404
    if not form.is_valid():
        return _form_error(request, plg, "status_form", form)
    status = form.cleaned_data["status"]
    if status == PlgStatus.ARCHIVED and request.POST.get("confirmed") != "1":
        return render(
            request,
            "confirm.html",
            {
                "plg": plg,
                "title": _("Archive the PLC?"),
                "text": _("An archived PLC is read-only: nobody can join, share files or schedule meetings."),
                "button": _("Archive"),
                "danger": True,
                "back": plg.url,
                "hidden": {"status": status, "confirmed": "1"},
            },
        )
    services.set_status(actor=request.user, plg=plg, status=status)
    return _done(request, plg, _("The status was changed."))


@login_required
def create_plg_view(request):
    """The SMZ creates a PLG with its first lead."""
    if not has_capability(request.user, Capability.PLG_CURATE):
        raise PermissionDenied(_("Only the SMZ may create PLCs."))
    form = CreatePlgForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                plg = services.create_plg(
                    actor=request.user,
                    title=data["title"],
                    kind=data["kind"],
                    visibility=data["visibility"],
                    goals="".join(f"<p>{line}</p>" for line in _escaped_lines(data["goals"])),
                    leads=[data["lead"]],
                    subjects=data["subjects"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                )
            except Refused as refusal:
                form.add_error(None, str(refusal.message))
                status = refusal.status
            else:
                messages.success(request, _("The PLC was created."))
                return redirect(plg.url)
        else:
            status = 400
    return render(request, "plc/plg_form.html", {"form": form, "title": _("Create a PLC")}, status=status)


def _escaped_lines(text: str):
    from django.utils.html import escape

    return [escape(line) for line in text.splitlines() if line.strip()]


# --- Proposals ----------------------------------------------------------------------------


@login_required
def proposals_view(request):
    """Teachers propose PLGs and see their proposals; the SMZ decides on the pending ones."""
    curator = has_capability(request.user, Capability.PLG_CURATE)
    can_propose = has_capability(request.user, Capability.PLG_PROPOSE)
    if not (curator or can_propose):
        raise PermissionDenied(_("You may not propose PLCs."))
    form = ProposalForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.propose_plg(
                    actor=request.user,
                    title=data["title"],
                    kind=data["kind"],
                    goals=data["goals"],
                    visibility=data["visibility"],
                    subjects=data["subjects"],
                )
            except Refused as refusal:
                form.add_error(None, str(refusal.message))
                status = refusal.status
            else:
                messages.success(request, _("Thank you! The SMZ will look at your proposal."))
                return redirect("plc:proposals")
        else:
            status = 400
    return render(
        request,
        "plc/proposals.html",
        {
            "form": form,
            "can_propose": can_propose,
            "own": PlgProposal.objects.filter(proposed_by=request.user).select_related("plg"),
            "pending": selectors.proposals_for_review() if curator else None,
            "reject_form": RejectForm(),
        },
        status=status,
    )


@login_required
@require_POST
def decide_proposal_view(request, proposal_id):
    if not has_capability(request.user, Capability.PLG_CURATE):
        raise PermissionDenied(_("Only the SMZ may decide on proposals."))
    proposal = get_object_or_404(PlgProposal, pk=proposal_id)
    try:
        if request.POST.get("decision") == "approve":
            plg = services.approve_proposal(actor=request.user, proposal=proposal)
            messages.success(request, _("The PLC “%(title)s” was created.") % {"title": plg.title})
            return redirect(plg.url)
        form = RejectForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please give a reason; the proposer will read it."))
            return redirect("plc:proposals")
        services.reject_proposal(actor=request.user, proposal=proposal, reason=form.cleaned_data["reason"])
    except Refused as refusal:
        messages.error(request, str(refusal.message))
        return redirect("plc:proposals")
    messages.success(request, _("The proposal was declined."))
    return redirect("plc:proposals")


# --- Material -----------------------------------------------------------------------------


def _require_owner_or_manager(user, plg: PlgPage, owner_id: int | None) -> None:
    if not can_delete_material(user, plg, owner_id):
        raise PermissionDenied(_("Only the author and the leads delete shared material."))


@require_POST
@plg_action
def upload_view(request, plg):
    _require_permission(request.user, "contribute", plg, _("Only members can share files here."))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_error(request, plg, "upload_form", form)
    try:
        services.upload_file(
            actor=request.user, plg=plg, upload=form.cleaned_data["file"], title=form.cleaned_data["title"]
        )
    except Refused as refusal:
        return _refused_in_form(request, plg, "upload_form", form, refusal)
    return _done(request, plg, _("The file is shared."), "material")


@plg_action
def delete_file_view(request, plg, file_id):
    plg_file = get_object_or_404(PlgFile.objects.select_related("document"), pk=file_id, plg=plg)
    _require_owner_or_manager(request.user, plg, plg_file.added_by_id)
    return _confirmed(
        request,
        plg,
        title=_("Delete “%(title)s”?") % {"title": plg_file.document.title},
        text=_("The file is deleted for everyone, also from published results."),
        button=_("Delete file"),
        perform=lambda: services.delete_file(actor=request.user, plg_file=plg_file),
        done=_("The file was deleted."),
        anchor="material",
    )


@require_POST
@plg_action
def add_link_view(request, plg):
    _require_permission(request.user, "contribute", plg, _("Only members can share links here."))
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _form_error(request, plg, "link_form", form)
    try:
        services.add_link(actor=request.user, plg=plg, title=form.cleaned_data["title"], url=form.cleaned_data["url"])
    except Refused as refusal:
        return _refused_in_form(request, plg, "link_form", form, refusal)
    return _done(request, plg, _("The link is shared."), "material")


@plg_action
def delete_link_view(request, plg, link_id):
    link = get_object_or_404(PlgLink, pk=link_id, plg=plg)
    _require_owner_or_manager(request.user, plg, link.added_by_id)
    return _confirmed(
        request,
        plg,
        title=_("Delete the link “%(title)s”?") % {"title": link.title},
        text=_("The link is removed for everyone."),
        button=_("Delete link"),
        perform=lambda: services.delete_link(actor=request.user, link=link),
        done=_("The link was deleted."),
        anchor="material",
    )


# --- Meetings -----------------------------------------------------------------------------


@require_POST
@plg_action
def add_meeting_view(request, plg):
    _require_permission(request.user, "schedule", plg, _("Only the PLC's leads and the SMZ schedule meetings."))
    form = MeetingForm(request.POST)
    if not form.is_valid():
        return _form_error(request, plg, "meeting_form", form)
    try:
        services.schedule_meeting(actor=request.user, plg=plg, **form.cleaned_data)
    except Refused as refusal:
        return _refused_in_form(request, plg, "meeting_form", form, refusal)
    return _done(request, plg, _("The meeting was added; the members are told."), "termine")


@plg_action
def cancel_meeting_view(request, plg, meeting_id):
    meeting = get_object_or_404(Meeting, pk=meeting_id, plg=plg)
    if not user_can(request.user, "manage", plg):
        raise PermissionDenied(_("Only the PLC's leads and the SMZ cancel meetings."))
    return _confirmed(
        request,
        plg,
        title=_("Cancel “%(title)s”?") % {"title": meeting.title},
        text=_("The meeting is removed and every member is told."),
        button=_("Cancel meeting"),
        perform=lambda: services.cancel_meeting(actor=request.user, meeting=meeting),
        done=_("The meeting was cancelled."),
        anchor="termine",
    )


@require_GET
@plg_action
def calendar_view(request, plg, meeting_id=None):
    """The PLG's meetings (or one meeting) as iCalendar, for members (and everyone for open PLGs)."""
    if not user_can(request.user, "view_content", plg):
        raise PermissionDenied(_("Only members see this PLC's meetings."))
    meetings = Meeting.objects.filter(plg=plg)
    if meeting_id is not None:
        meetings = meetings.filter(pk=meeting_id)
        if not meetings:
            raise Http404
    body = calendar.meetings_to_ical(plg, list(meetings), base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    name = f"plg-{plg.pk}" + (f"-termin-{meeting_id}" if meeting_id else "")
    response["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    return response


# --- Results and change log ---------------------------------------------------------------


@require_POST
@plg_action
def publish_result_view(request, plg):
    _require_permission(request.user, "manage", plg, _("Only the PLC's leads and the SMZ publish results."))
    form = ResultForm(request.POST, plg=plg)
    if not form.is_valid():
        return _form_error(request, plg, "result_form", form)
    try:
        services.publish_result(actor=request.user, plg=plg, **form.cleaned_data)
    except Refused as refusal:
        return _refused_in_form(request, plg, "result_form", form, refusal)
    return _done(request, plg, _("The result is published to the whole network."), "ergebnisse")


@require_GET
@plg_action
def change_log_view(request, plg):
    if not user_can(request.user, "manage", plg):
        raise PermissionDenied(_("Only the PLC's leads and the SMZ see the change log."))
    return render(request, "plc/change_log.html", {"plg": plg, "events": selectors.change_log_for(plg)})


@login_required
@require_GET
def results_view(request):
    """Every published result of the network, newest first."""
    paginator = Paginator(selectors.results_visible_to(request.user), PAGE_SIZE)
    return render(request, "plc/results.html", {"page_obj": paginator.get_page(request.GET.get("seite"))})


def plg_url(plg: PlgPage, name: str, **kwargs) -> str:
    return reverse(f"plc:{name}", kwargs={"pk": plg.pk, **kwargs})

"""Joining and leaving PLGs, requests and their decisions, invitations, members and leads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lernen25.errors import Refused
from lernen25.http import confirm_page
from plc import selectors, services
from plc.forms import DeclineForm, InviteForm, JoinRequestForm, LeadForm
from plc.models import Invitation, JoinRequest, Membership
from plc.views._common import confirmed, done, form_error, plg_action, plg_item, refused_in_form

User = get_user_model()


@require_POST
@plg_action()
def join_view(request, plg):
    services.join_plg(actor=request.user, plg=plg)
    return done(request, plg, _("Welcome! You are now a member of this PLC."))


@require_POST
@plg_action()
def request_view(request, plg):
    form = JoinRequestForm(request.POST)
    if not form.is_valid():
        return form_error(request, plg, "request_form", form)
    try:
        services.request_membership(actor=request.user, plg=plg, message=form.cleaned_data["message"])
    except Refused as refusal:
        return refused_in_form(request, plg, "request_form", form, refusal)
    return done(request, plg, _("Your request has been sent; the leads will decide."))


@require_POST
@plg_action()
def withdraw_view(request, plg, request_id):
    join_request = get_object_or_404(JoinRequest, pk=request_id, plg=plg, user=request.user)
    services.withdraw_request(actor=request.user, join_request=join_request)
    return done(request, plg, _("Your request has been withdrawn."))


@require_POST
@plg_action("plc.decide_request")
def decide_view(request, plg, request_id):
    join_request = plg_item(request, plg, JoinRequest.objects.all(), pk=request_id)
    if request.POST.get("decision") == "accept":
        services.decide_request(actor=request.user, join_request=join_request, accept=True)
        return done(request, plg, _("The request was accepted."), "anfragen")
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return form_error(request, plg, "decline_form", form)
    services.decide_request(
        actor=request.user, join_request=join_request, accept=False, reason=form.cleaned_data["reason"]
    )
    return done(request, plg, _("The request was declined; the requester sees your reason."), "anfragen")


@require_POST
@plg_action("plc.invite")
def invite_view(request, plg):
    form = InviteForm(request.POST)
    if not form.is_valid():
        return form_error(request, plg, "invite_form", form)
    person = form.cleaned_data["person"]
    try:
        services.invite_member(actor=request.user, plg=plg, email=person["email"], user=person["user"])
    except Refused as refusal:
        return refused_in_form(request, plg, "invite_form", form, refusal)
    return done(request, plg, _("The invitation has been sent."), "mitglieder")


@require_POST
@plg_action("plc.revoke_invitation")
def revoke_invitation_view(request, plg, invitation_id):
    invitation = plg_item(request, plg, Invitation.objects.all(), pk=invitation_id)
    services.revoke_invitation(actor=request.user, invitation=invitation)
    return done(request, plg, _("The invitation was revoked."), "mitglieder")


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


@plg_action("plc.leave_plg")
def leave_view(request, plg):
    if request.method != "POST":
        return confirm_page(
            request,
            title=_("Leave the PLC?"),
            text=_("You will no longer see the PLC's content unless it is open. You can ask to join again later."),
            button=_("Leave the PLC"),
            back=plg.url,
            plg=plg,
        )
    services.leave_plg(actor=request.user, plg=plg)
    messages.success(request, _("You have left “%(title)s”.") % {"title": plg.title})
    return redirect(plg.get_parent().url)


@plg_action("plc.remove_member")
def remove_member_view(request, plg, user_id):
    member = plg_item(request, plg, Membership.objects.select_related("user"), user_id=user_id).user
    return confirmed(
        request,
        plg,
        title=_("Remove %(name)s?") % {"name": member.display_name},
        text=_("%(name)s will be told and will no longer be a member.") % {"name": member.display_name},
        button=_("Remove member"),
        perform=lambda: services.remove_member(actor=request.user, plg=plg, user=member),
        done_message=_("%(name)s was removed.") % {"name": member.display_name},
        anchor="mitglieder",
    )


@require_POST
@plg_action()
def promote_view(request, plg, user_id):
    member = plg_item(request, plg, Membership.objects.select_related("user"), user_id=user_id).user
    services.promote_to_lead(actor=request.user, plg=plg, user=member)
    return done(request, plg, _("%(name)s now leads this PLC.") % {"name": member.display_name}, "mitglieder")


@require_POST
@plg_action("plc.appoint_any_lead")
def assign_lead_view(request, plg):
    """The SMZ makes any teacher lead (also one who is not a member yet)."""
    form = LeadForm(request.POST)
    if not form.is_valid():
        return form_error(request, plg, "lead_form", form)
    person = form.cleaned_data["person"]
    if person["user"] is None:
        form.add_error("person", _("The lead needs an account on Lernen 25."))
        return form_error(request, plg, "lead_form", form)
    try:
        services.promote_to_lead(actor=request.user, plg=plg, user=person["user"])
    except Refused as refusal:
        return refused_in_form(request, plg, "lead_form", form, refusal)
    return done(request, plg, _("%(name)s now leads this PLC.") % {"name": person["user"].display_name}, "mitglieder")


@require_POST
@plg_action()
def step_down_view(request, plg):
    services.step_down_as_lead(actor=request.user, plg=plg)
    return done(request, plg, _("You are now a member without the lead role."), "mitglieder")

"""The SMZ's curation of PLGs (create, feature, status) and teachers' proposals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lernen25.errors import Refused
from lernen25.http import confirm_page, requires
from lernen25.permissions import allowed
from plc import selectors, services
from plc.forms import CreatePlgForm, ProposalForm, RejectForm, StatusForm, VisibilityForm
from plc.models import PlgProposal, PlgStatus
from plc.views._common import done, form_error, plg_action


@require_POST
@plg_action("plc.feature")
def feature_view(request, plg):
    featured = request.POST.get("featured") == "1"
    services.set_featured(actor=request.user, plg=plg, featured=featured)
    return done(request, plg, _("Featured on the home page.") if featured else _("No longer featured."))


@require_POST
@plg_action("plc.change_status")
def status_view(request, plg):
    form = StatusForm(request.POST)
    if not form.is_valid():
        return form_error(request, plg, "status_form", form)
    status = form.cleaned_data["status"]
    if status == PlgStatus.ARCHIVED and request.POST.get("confirmed") != "1":
        return confirm_page(
            request,
            title=_("Archive the PLC?"),
            text=_("An archived PLC is read-only: nobody can join, share files or schedule meetings."),
            button=_("Archive"),
            back=plg.url,
            hidden={"status": status, "confirmed": "1"},
            plg=plg,
        )
    services.set_status(actor=request.user, plg=plg, status=status)
    return done(request, plg, _("The status was changed."))


@require_POST
@plg_action("plc.change_visibility")
def visibility_view(request, plg):
    form = VisibilityForm(request.POST)
    if not form.is_valid():
        return form_error(request, plg, "visibility_form", form)
    services.set_visibility(actor=request.user, plg=plg, visibility=form.cleaned_data["visibility"])
    return done(request, plg, _("The visibility was changed."))


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())


@requires("plc.create")
def create_plg_view(request):
    """The SMZ creates a PLG with its first lead."""
    form = CreatePlgForm(request.POST if request.method == "POST" else None)
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
                    goals=_paragraphs(data["goals"]),
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


@requires("plc.view_proposals")
def proposals_view(request):
    """Teachers propose PLGs and see their proposals; the SMZ decides on the pending ones."""
    curator = allowed(request.user, "plc.decide_proposal")
    can_propose = allowed(request.user, "plc.propose_plg")
    form = ProposalForm(request.POST if request.method == "POST" else None)
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
@requires("plc.decide_proposal")
def decide_proposal_view(request, proposal_id):
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

"""Curation of PLGs: creating them, teachers' proposals and the SMZ's decisions, featuring, status."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.coreutils import find_available_slug
from wagtail.models import Collection

from lernen25 import audit
from lernen25.errors import RefusalKind, Refused
from lernen25.notifications import notify
from lernen25.permissions import refuse_unless, require
from lernen25.roles import GROUP_NAMES, Role
from plc.models import MembershipRole, PlgIndexPage, PlgPage, PlgProposal, PlgStatus, ProposalStatus, Visibility
from plc.services._common import add_member, record, require_may_lead

User = get_user_model()


def directory_page() -> PlgIndexPage:
    directory = PlgIndexPage.objects.live().first()
    if directory is None:
        raise Refused(_("There is no PLC directory yet; an administrator must create it."), RefusalKind.CONFLICT)
    return directory


def create_plg(
    *,
    actor,
    title: str,
    kind: str,
    goals: str = "",
    visibility: str = Visibility.OPEN,
    status: str = PlgStatus.ACTIVE,
    leads: list | None = None,
    subjects=(),
    grade_levels=(),
    competences=(),
    schools=(),
    start_date: date | None = None,
    end_date: date | None = None,
    system: bool = False,
    notify_leads: bool = True,
) -> PlgPage:
    """Create and publish a PLG with its leads and its own document collection (SMZ only)."""
    if not system:
        require(actor, "plc.create")
    leads = [lead for lead in (leads or []) if lead is not None]
    refuse_unless(bool(leads), _("A PLC needs at least one lead."), RefusalKind.INVALID)
    for lead in leads:
        require_may_lead(lead)
    if start_date and end_date and end_date < start_date:
        raise Refused(_("The end must not be before the start."), RefusalKind.INVALID)
    directory = directory_page()
    with transaction.atomic():
        root = Collection.get_first_root_node()
        collection = root.add_child(name=f"PLG: {title}"[:255])
        plg = PlgPage(
            title=title,
            slug=find_available_slug(directory, slugify(title)[:60] or "plg"),
            kind=kind,
            goals=goals,
            visibility=visibility,
            status=status,
            start_date=start_date,
            end_date=end_date,
            collection=collection,
        )
        try:
            plg.full_clean(exclude=["path", "depth", "url_path", "collection", "draft_title"])
        except ValidationError as error:
            raise Refused(" ".join(error.messages), RefusalKind.INVALID) from None
        directory.add_child(instance=plg)
        plg.subjects.set(subjects)
        plg.grade_levels.set(grade_levels)
        plg.competences.set(competences)
        plg.schools.set(schools)
        plg.save_revision(user=actor if actor and actor.is_authenticated else None).publish()
        for lead in leads:
            add_member(plg, lead, MembershipRole.LEAD)
        record("plc.plg.created", actor=actor, plg=plg, leads=[lead.pk for lead in leads])
        if notify_leads:
            notify(
                leads,
                actor=actor,
                kind="plc.lead.assigned",
                params={"title": plg.title, "new": True},
                url=plg.url,
            )
    return plg


def propose_plg(*, actor, title: str, kind: str, goals: str, visibility: str, subjects=()) -> PlgProposal:
    """A teacher proposes a PLG; the SMZ is notified and decides."""
    require(actor, "plc.propose_plg")
    with transaction.atomic():
        proposal = PlgProposal.objects.create(
            title=title.strip(), kind=kind, goals=goals.strip(), visibility=visibility, proposed_by=actor
        )
        proposal.subjects.set(subjects)
        audit.record("plc.proposal.created", actor=actor, target=proposal)
        notify(
            _curators(),
            actor=actor,
            kind="plc.proposal.created",
            params={"name": actor.display_name, "title": proposal.title},
            url=reverse("plc:proposals"),
        )
    return proposal


def _curators() -> list:
    names = [GROUP_NAMES[Role.SMZ_MODERATION]]
    return list(User.objects.filter(is_active=True, groups__name__in=names).distinct())


def approve_proposal(*, actor, proposal: PlgProposal) -> PlgPage:
    """The SMZ approves: the PLG is created with the proposer as lead."""
    require(actor, "plc.decide_proposal")
    with transaction.atomic():
        proposal = PlgProposal.objects.select_for_update().get(pk=proposal.pk)
        refuse_unless(
            proposal.status == ProposalStatus.PENDING,
            _("This proposal has already been decided."),
            RefusalKind.CONFLICT,
        )
        plg = create_plg(
            actor=actor,
            title=proposal.title,
            kind=proposal.kind,
            goals="".join(f"<p>{escape(line)}</p>" for line in proposal.goals.splitlines() if line.strip()),
            visibility=proposal.visibility,
            leads=[proposal.proposed_by],
            subjects=list(proposal.subjects.all()),
            notify_leads=False,  # the proposer hears it once, below
        )
        proposal.status, proposal.decided_by, proposal.decided_at, proposal.plg = (
            ProposalStatus.APPROVED,
            actor,
            timezone.now(),
            plg,
        )
        proposal.save(update_fields=["status", "decided_by", "decided_at", "plg"])
        audit.record("plc.proposal.approved", actor=actor, target=proposal, plg=plg.pk)
        notify(
            [proposal.proposed_by],
            actor=actor,
            kind="plc.proposal.approved",
            params={"title": proposal.title},
            url=plg.url,
        )
    return plg


def reject_proposal(*, actor, proposal: PlgProposal, reason: str) -> PlgProposal:
    require(actor, "plc.decide_proposal")
    reason = reason.strip()
    refuse_unless(bool(reason), _("Please give a reason; the proposer will read it."), RefusalKind.INVALID)
    with transaction.atomic():
        proposal = PlgProposal.objects.select_for_update().get(pk=proposal.pk)
        refuse_unless(
            proposal.status == ProposalStatus.PENDING,
            _("This proposal has already been decided."),
            RefusalKind.CONFLICT,
        )
        proposal.status, proposal.decided_by, proposal.decided_at, proposal.reason = (
            ProposalStatus.REJECTED,
            actor,
            timezone.now(),
            reason,
        )
        proposal.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        audit.record("plc.proposal.rejected", actor=actor, target=proposal, reason=reason)
        notify(
            [proposal.proposed_by],
            actor=actor,
            kind="plc.proposal.rejected",
            params={"title": proposal.title, "reason": reason},
            url=reverse("plc:proposals"),
        )
    return proposal


# --- Featuring and status ---------------------------------------------------------------


def _publish_change(plg: PlgPage, actor, **fields) -> PlgPage:
    """Change page fields through a new published revision, so Wagtail's admin and history agree."""
    page = PlgPage.objects.select_for_update().get(pk=plg.pk)
    for name, value in fields.items():
        setattr(page, name, value)
    user = actor if actor and actor.is_authenticated else None
    # The service has checked the actor's rights; Wagtail's page permissions are for its admin.
    page.save_revision(user=user, log_action=False).publish(user=user, log_action=False, skip_permission_checks=True)
    for name, value in fields.items():
        setattr(plg, name, value)
    return page


def set_featured(*, actor, plg: PlgPage, featured: bool) -> PlgPage:
    require(actor, "plc.feature")
    with transaction.atomic():
        _publish_change(plg, actor, featured=featured)
        record("plc.plg.featured" if featured else "plc.plg.unfeatured", actor=actor, plg=plg)
    return plg


def set_status(*, actor, plg: PlgPage, status: str) -> PlgPage:
    """Change the status (planned, active, completed, archived). Archiving is the SMZ's; leads may complete."""
    if status not in PlgStatus.values:
        raise Refused(_("Unknown status."), RefusalKind.INVALID)
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.change_status", plg)
    with transaction.atomic():
        old = PlgPage.objects.select_for_update().values_list("status", flat=True).get(pk=plg.pk)
        # Archiving, and bringing an archived PLG back, is the SMZ's decision.
        if PlgStatus.ARCHIVED in (old, status):
            require(actor, "plc.archive")
        _publish_change(plg, actor, status=status)
        record("plc.plg.status_changed", actor=actor, plg=plg, old=old, new=status)
    return plg


def set_visibility(*, actor, plg: PlgPage, visibility: str) -> PlgPage:
    """Open, on request or closed: the leads and the SMZ decide. Members keep their membership."""
    if visibility not in Visibility.values:
        raise Refused(_("Unknown visibility."), RefusalKind.INVALID)
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.change_visibility", plg)
    with transaction.atomic():
        old = PlgPage.objects.select_for_update().values_list("visibility", flat=True).get(pk=plg.pk)
        refuse_unless(old != visibility, _("The PLC already has this visibility."), RefusalKind.CONFLICT)
        _publish_change(plg, actor, visibility=visibility)
        record("plc.plg.visibility_changed", actor=actor, plg=plg, old=old, new=visibility)
    return plg

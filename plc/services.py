"""Writes of PLG spaces: one function per user action.

Each service checks the actor's permission (``plc.permissions``), writes in one transaction,
records an audit event ``plc.<object>.<verb>`` with the PLG's id in its data (the change log
shown to leads), and notifies after commit. It raises ``Refused`` with a German message and
writes nothing when it will not do what was asked.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.models import Collection

from lernen25 import audit
from lernen25.errors import RefusalKind, Refused
from lernen25.notifications import notify
from lernen25.roles import Capability, has_capability
from plc import permissions, realtime
from plc.models import (
    Invitation,
    InvitationStatus,
    JoinRequest,
    Meeting,
    Membership,
    PlgFile,
    PlgIndexPage,
    PlgLink,
    PlgPage,
    PlgProposal,
    PlgStatus,
    ProposalStatus,
    RequestStatus,
    Result,
    Role,
    Visibility,
)

User = get_user_model()

# Uploads: office documents, PDFs, images, plain text. No executables, archives or HTML.
ALLOWED_FILE_EXTENSIONS = {"pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "txt", "csv", "png", "jpg", "jpeg"}
MAX_FILE_BYTES = 20 * 1024 * 1024


def _record(action: str, *, actor, plg: PlgPage, target=None, **data):
    return audit.record(action, actor=actor, target=target or plg, plg=plg.pk, plg_title=plg.title, **data)


def _require(allowed: bool, message: str, kind: RefusalKind = RefusalKind.FORBIDDEN) -> None:
    if not allowed:
        raise Refused(message, kind)


def _lock(plg: PlgPage) -> PlgPage:
    """Lock the PLG row for the transaction, so that concurrent membership changes serialise."""
    return PlgPage.objects.select_for_update().get(pk=plg.pk)


def _lead_count(plg: PlgPage) -> int:
    return Membership.objects.filter(plg=plg, role=Role.LEAD).count()


def _managers(plg: PlgPage) -> list:
    return [m.user for m in Membership.objects.filter(plg=plg, role=Role.LEAD).select_related("user")]


def _add_member(plg: PlgPage, user, role: str = Role.MEMBER) -> Membership:
    membership, created = Membership.objects.get_or_create(plg=plg, user=user, defaults={"role": role})
    if created:
        # Joined another way (invitation, the SMZ): an open request of theirs is settled, not left to decline.
        JoinRequest.objects.filter(plg=plg, user=user, status=RequestStatus.PENDING).update(
            status=RequestStatus.ACCEPTED, decided_at=timezone.now()
        )
    if not created and role == Role.LEAD and membership.role != Role.LEAD:
        membership.role = Role.LEAD
        membership.save(update_fields=["role"])
    permissions.forget_memberships(user)
    return membership


# --- Creating PLGs ------------------------------------------------------------------------


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
        _require(has_capability(actor, Capability.PLG_CURATE), _("Only the SMZ may create PLCs."))
    leads = [lead for lead in (leads or []) if lead is not None]
    _require(bool(leads), _("A PLC needs at least one lead."), RefusalKind.INVALID)
    for lead in leads:
        _require_may_lead(lead)
    if start_date and end_date and end_date < start_date:
        raise Refused(_("The end must not be before the start."), RefusalKind.INVALID)
    directory = directory_page()
    with transaction.atomic():
        root = Collection.get_first_root_node()
        collection = root.add_child(name=f"PLG: {title}"[:255])
        plg = PlgPage(
            title=title,
            slug=_unique_slug(directory, title),
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
            _add_member(plg, lead, Role.LEAD)
        _record("plc.plg.created", actor=actor, plg=plg, leads=[lead.pk for lead in leads])
        if notify_leads:
            notify(
                leads,
                actor=actor,
                verb="plc.lead.assigned",
                text=_("You lead the new PLC “%(title)s”.") % {"title": plg.title},
                url=plg.url,
            )
    return plg


def _require_may_lead(user) -> None:
    if not (user.is_active and has_capability(user, Capability.PLG_JOIN)):
        raise Refused(
            _("%(name)s cannot lead a PLC: the account is inactive or has no teacher role.")
            % {"name": user.display_name},
            RefusalKind.INVALID,
        )


def _unique_slug(parent: PlgIndexPage, title: str) -> str:
    base = slugify(title)[:60] or "plg"
    slug, n = base, 2
    while parent.get_children().filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def propose_plg(*, actor, title: str, kind: str, goals: str, visibility: str, subjects=()) -> PlgProposal:
    """A teacher proposes a PLG; the SMZ is notified and decides."""
    _require(has_capability(actor, Capability.PLG_PROPOSE), _("You may not propose PLCs."))
    with transaction.atomic():
        proposal = PlgProposal.objects.create(
            title=title.strip(), kind=kind, goals=goals.strip(), visibility=visibility, proposed_by=actor
        )
        proposal.subjects.set(subjects)
        audit.record("plc.proposal.created", actor=actor, target=proposal)
        notify(
            _curators(),
            actor=actor,
            verb="plc.proposal.created",
            text=_("%(name)s proposes a new PLC: “%(title)s”.") % {"name": actor.display_name, "title": proposal.title},
            url="/plg-vorschlaege/",
        )
    return proposal


def _curators() -> list:
    from lernen25.roles import GROUP_NAMES
    from lernen25.roles import Role as CoreRole

    names = [GROUP_NAMES[CoreRole.SMZ_MODERATION]]
    return list(User.objects.filter(is_active=True, groups__name__in=names).distinct())


def approve_proposal(*, actor, proposal: PlgProposal) -> PlgPage:
    """The SMZ approves: the PLG is created with the proposer as lead."""
    _require(has_capability(actor, Capability.PLG_CURATE), _("Only the SMZ may decide on proposals."))
    with transaction.atomic():
        proposal = PlgProposal.objects.select_for_update().get(pk=proposal.pk)
        _require(
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
            verb="plc.proposal.approved",
            text=_("Your proposal “%(title)s” was approved; you lead the new PLC.") % {"title": proposal.title},
            url=plg.url,
        )
    return plg


def reject_proposal(*, actor, proposal: PlgProposal, reason: str) -> PlgProposal:
    _require(has_capability(actor, Capability.PLG_CURATE), _("Only the SMZ may decide on proposals."))
    reason = reason.strip()
    _require(bool(reason), _("Please give a reason; the proposer will read it."), RefusalKind.INVALID)
    with transaction.atomic():
        proposal = PlgProposal.objects.select_for_update().get(pk=proposal.pk)
        _require(
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
            verb="plc.proposal.rejected",
            text=_("Your proposal “%(title)s” was not approved: %(reason)s")
            % {"title": proposal.title, "reason": reason},
            url="/plg-vorschlaege/",
        )
    return proposal


# --- Membership ---------------------------------------------------------------------------


def _refuse_if_not_visible(actor, plg: PlgPage) -> None:
    if not permissions.user_can(actor, "view", plg):
        raise Refused(_("This PLC does not exist."), RefusalKind.NOT_FOUND)


def _refuse_if_read_only(plg: PlgPage) -> None:
    if not plg.is_writable:
        raise Refused(_("This PLC is completed or archived; nothing can be changed."), RefusalKind.CONFLICT)


def join_plg(*, actor, plg: PlgPage) -> Membership:
    """Join an open PLG at once."""
    _refuse_if_not_visible(actor, plg)
    _refuse_if_read_only(plg)
    _require(permissions.membership_of(actor, plg) is None, _("You are already a member."), RefusalKind.CONFLICT)
    _require(
        plg.visibility != Visibility.CLOSED,
        _("This PLC is closed; its leads invite new members."),
        RefusalKind.FORBIDDEN,
    )
    _require(
        plg.visibility == Visibility.OPEN,
        _("This PLC accepts members on request only; please send a request."),
        RefusalKind.CONFLICT,
    )
    _require(has_capability(actor, Capability.PLG_JOIN), _("You may not join PLCs."))
    with transaction.atomic():
        _lock(plg)
        membership = _add_member(plg, actor)
        _record("plc.membership.joined", actor=actor, plg=plg, user=actor.pk)
        notify(
            _managers(plg),
            actor=actor,
            verb="plc.membership.joined",
            text=_("%(name)s joined “%(title)s”.") % {"name": actor.display_name, "title": plg.title},
            url=plg.url,
            email=False,
        )
    return membership


def request_membership(*, actor, plg: PlgPage, message: str = "") -> JoinRequest:
    """Ask to join a PLG on request. Refused for members, for a second pending request and for closed PLGs."""
    _refuse_if_not_visible(actor, plg)
    _refuse_if_read_only(plg)
    _require(permissions.membership_of(actor, plg) is None, _("You are already a member."), RefusalKind.CONFLICT)
    _require(
        plg.visibility != Visibility.CLOSED,
        _("This PLC is closed; its leads invite new members."),
        RefusalKind.FORBIDDEN,
    )
    _require(plg.visibility != Visibility.OPEN, _("This PLC is open; you can join it directly."), RefusalKind.CONFLICT)
    _require(has_capability(actor, Capability.PLG_JOIN), _("You may not join PLCs."))
    message = message.strip()
    if len(message) > 1000:
        raise Refused(_("The message may have at most 1000 characters."), RefusalKind.INVALID)
    with transaction.atomic():
        _lock(plg)
        if JoinRequest.objects.filter(plg=plg, user=actor, status=RequestStatus.PENDING).exists():
            raise Refused(_("You have already asked to join; the leads will decide soon."), RefusalKind.CONFLICT)
        join_request = JoinRequest.objects.create(plg=plg, user=actor, message=message)
        _record("plc.join_request.created", actor=actor, plg=plg, target=join_request)
        notify(
            _managers(plg),
            actor=actor,
            verb="plc.join_request.created",
            text=_("%(name)s asks to join “%(title)s”.") % {"name": actor.display_name, "title": plg.title},
            url=plg.url + "#anfragen",
        )
    return join_request


def withdraw_request(*, actor, join_request: JoinRequest) -> JoinRequest:
    _require(join_request.user_id == actor.pk, _("You can only withdraw your own request."))
    with transaction.atomic():
        join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
        _require(
            join_request.status == RequestStatus.PENDING,
            _("This request has already been decided."),
            RefusalKind.CONFLICT,
        )
        join_request.status = RequestStatus.WITHDRAWN
        join_request.decided_at = timezone.now()
        join_request.save(update_fields=["status", "decided_at"])
        _record("plc.join_request.withdrawn", actor=actor, plg=join_request.plg, target=join_request)
    return join_request


def decide_request(*, actor, join_request: JoinRequest, accept: bool, reason: str = "") -> JoinRequest:
    """A lead or the SMZ accepts or declines a request; a decline needs a reason the requester sees."""
    plg = join_request.plg
    _refuse_if_not_visible(actor, plg)
    _require(permissions.user_can(actor, "manage", plg), _("Only the PLC's leads and the SMZ decide on requests."))
    reason = reason.strip()
    if not accept and not reason:
        raise Refused(_("Please give a reason; the requester will read it."), RefusalKind.INVALID)
    with transaction.atomic():
        _lock(plg)
        join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
        _require(
            join_request.status == RequestStatus.PENDING,
            _("This request has already been decided."),
            RefusalKind.CONFLICT,
        )
        if accept:
            _refuse_if_read_only(plg)
        join_request.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
        join_request.decided_by, join_request.decided_at, join_request.reason = actor, timezone.now(), reason
        join_request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        values = {"title": plg.title, "reason": reason}
        if accept:
            _add_member(plg, join_request.user)
            _record("plc.join_request.accepted", actor=actor, plg=plg, target=join_request, user=join_request.user_id)
            text = _("Welcome! Your request to join “%(title)s” was accepted.") % values
        else:
            _record("plc.join_request.declined", actor=actor, plg=plg, target=join_request, reason=reason)
            text = _("Your request to join “%(title)s” was declined: %(reason)s") % values
        notify([join_request.user], actor=actor, verb=f"plc.join_request.{join_request.status}", text=text, url=plg.url)
    return join_request


def invite_member(*, actor, plg: PlgPage, email: str = "", user=None) -> Invitation:
    """Invite a teacher by account or by e-mail address. A person without an account gets a sign-up mail."""
    _refuse_if_not_visible(actor, plg)
    _require(permissions.user_can(actor, "manage", plg), _("Only the PLC's leads and the SMZ invite members."))
    _refuse_if_read_only(plg)
    email = (user.email if user is not None else email).strip().lower()
    if not email:
        raise Refused(_("Please choose a person or enter an e-mail address."), RefusalKind.INVALID)
    try:
        validate_email(email)
    except ValidationError:
        raise Refused(_("Please enter a valid e-mail address."), RefusalKind.INVALID) from None
    invitee = user or User.objects.filter(email__iexact=email, is_active=True).first()
    if invitee is not None and permissions.membership_of(invitee, plg) is not None:
        raise Refused(_("%(name)s is already a member.") % {"name": invitee.display_name}, RefusalKind.CONFLICT)
    with transaction.atomic():
        _lock(plg)
        if Invitation.objects.filter(plg=plg, email=email, status=InvitationStatus.PENDING).exists():
            raise Refused(_("This person has already been invited."), RefusalKind.CONFLICT)
        invitation = Invitation.objects.create(plg=plg, email=email, invitee=invitee, invited_by=actor)
        _record("plc.invitation.created", actor=actor, plg=plg, target=invitation, email=email)
        text = _("%(name)s invites you to the PLC “%(title)s”.") % {"name": actor.display_name, "title": plg.title}
        if invitee is not None:
            notify([invitee], actor=actor, verb="plc.invitation.created", text=text, url="/benachrichtigungen/")
        else:
            transaction.on_commit(lambda: _mail_invitation_to_newcomer(email=email, text=text))
    return invitation


def _mail_invitation_to_newcomer(*, email: str, text: str) -> None:
    from lernen25.tasks import send_plain_mail

    body = _(
        "%(text)s\n\nCreate your account with this e-mail address at %(url)s; the invitation is waiting for "
        "you after you sign in.\n\n-- \nLernen 25 – the Duisburg school network"
    ) % {"text": text, "url": f"{settings.SITE_URL}/accounts/signup/"}
    send_plain_mail.enqueue(to=email, subject=text[:150], body=body)


def _own_pending_invitation(actor, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().select_related("plg").get(pk=invitation.pk)
    owner = invitation.invitee_id == actor.pk or invitation.email.lower() == actor.email.lower()
    _require(owner, _("This invitation is not for you."), RefusalKind.NOT_FOUND)
    _require(
        invitation.status == InvitationStatus.PENDING,
        _("This invitation is no longer open."),
        RefusalKind.CONFLICT,
    )
    return invitation


def accept_invitation(*, actor, invitation: Invitation) -> Membership:
    with transaction.atomic():
        invitation = _own_pending_invitation(actor, invitation)
        plg = _lock(invitation.plg)
        _refuse_if_read_only(plg)
        invitation.status, invitation.decided_at, invitation.invitee = InvitationStatus.ACCEPTED, timezone.now(), actor
        invitation.save(update_fields=["status", "decided_at", "invitee"])
        membership = _add_member(plg, actor)
        _record("plc.invitation.accepted", actor=actor, plg=plg, target=invitation, user=actor.pk)
        notify(
            [invitation.invited_by] if invitation.invited_by else [],
            actor=actor,
            verb="plc.invitation.accepted",
            text=_("%(name)s accepted the invitation to “%(title)s”.")
            % {"name": actor.display_name, "title": plg.title},
            url=plg.url,
            email=False,
        )
    return membership


def decline_invitation(*, actor, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        invitation = _own_pending_invitation(actor, invitation)
        invitation.status, invitation.decided_at = InvitationStatus.DECLINED, timezone.now()
        invitation.save(update_fields=["status", "decided_at"])
        _record("plc.invitation.declined", actor=actor, plg=invitation.plg, target=invitation)
    return invitation


def revoke_invitation(*, actor, invitation: Invitation) -> Invitation:
    plg = invitation.plg
    _refuse_if_not_visible(actor, plg)
    _require(permissions.user_can(actor, "manage", plg), _("Only the PLC's leads and the SMZ revoke invitations."))
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _require(
            invitation.status == InvitationStatus.PENDING,
            _("This invitation is no longer open."),
            RefusalKind.CONFLICT,
        )
        invitation.status, invitation.decided_at = InvitationStatus.REVOKED, timezone.now()
        invitation.save(update_fields=["status", "decided_at"])
        _record("plc.invitation.revoked", actor=actor, plg=plg, target=invitation)
    return invitation


def leave_plg(*, actor, plg: PlgPage) -> None:
    """Leave a PLG. The last lead may not leave: a PLG always keeps at least one lead."""
    _refuse_if_not_visible(actor, plg)
    with transaction.atomic():
        _lock(plg)
        membership = Membership.objects.filter(plg=plg, user=actor).first()
        _require(membership is not None, _("You are not a member of this PLC."), RefusalKind.CONFLICT)
        if membership.role == Role.LEAD and _lead_count(plg) == 1:
            raise Refused(_("You are the only lead. Make another member lead before you leave."), RefusalKind.CONFLICT)
        membership.delete()
        permissions.forget_memberships(actor)
        _record("plc.membership.left", actor=actor, plg=plg, user=actor.pk)
        transaction.on_commit(lambda: realtime.publish_access_revoked(plg.pk, actor.pk))


def remove_member(*, actor, plg: PlgPage, user) -> None:
    """A lead or the SMZ removes a member; the last lead cannot be removed."""
    _refuse_if_not_visible(actor, plg)
    _require(permissions.user_can(actor, "manage", plg), _("Only the PLC's leads and the SMZ remove members."))
    _require(user.pk != actor.pk, _("To leave the PLC yourself, use “Leave this PLC”."), RefusalKind.INVALID)
    with transaction.atomic():
        _lock(plg)
        membership = Membership.objects.filter(plg=plg, user=user).first()
        _require(membership is not None, _("This person is not a member."), RefusalKind.CONFLICT)
        if membership.role == Role.LEAD and _lead_count(plg) == 1:
            raise Refused(_("The only lead cannot be removed."), RefusalKind.CONFLICT)
        membership.delete()
        permissions.forget_memberships(user)
        _record("plc.membership.removed", actor=actor, plg=plg, user=user.pk)
        transaction.on_commit(lambda: realtime.publish_access_revoked(plg.pk, user.pk))
        notify(
            [user],
            actor=actor,
            verb="plc.membership.removed",
            text=_("You are no longer a member of “%(title)s”.") % {"title": plg.title},
            url="/",
        )


def promote_to_lead(*, actor, plg: PlgPage, user) -> Membership:
    """Make a member (or, for the SMZ, any teacher who may lead) a lead of the PLG."""
    _refuse_if_not_visible(actor, plg)
    _require(permissions.user_can(actor, "manage", plg), _("Only the PLC's leads and the SMZ appoint leads."))
    with transaction.atomic():
        _lock(plg)
        membership = Membership.objects.filter(plg=plg, user=user).first()
        if membership is None:
            _require(
                permissions.is_curator(actor),
                _("Only members can be made lead; invite the person first."),
                RefusalKind.CONFLICT,
            )
        elif membership.role == Role.LEAD:
            raise Refused(_("%(name)s already leads this PLC.") % {"name": user.display_name}, RefusalKind.CONFLICT)
        _require_may_lead(user)
        membership = _add_member(plg, user, Role.LEAD)
        _record("plc.membership.promoted", actor=actor, plg=plg, user=user.pk)
        notify(
            [user],
            actor=actor,
            verb="plc.lead.assigned",
            text=_("You now lead the PLC “%(title)s”.") % {"title": plg.title},
            url=plg.url,
        )
    return membership


def step_down_as_lead(*, actor, plg: PlgPage) -> Membership:
    """A lead becomes a plain member again, unless they are the only lead."""
    with transaction.atomic():
        _lock(plg)
        membership = Membership.objects.filter(plg=plg, user=actor, role=Role.LEAD).first()
        _require(membership is not None, _("You do not lead this PLC."), RefusalKind.CONFLICT)
        _require(_lead_count(plg) > 1, _("You are the only lead; appoint another lead first."), RefusalKind.CONFLICT)
        membership.role = Role.MEMBER
        membership.save(update_fields=["role"])
        permissions.forget_memberships(actor)
        _record("plc.membership.stepped_down", actor=actor, plg=plg, user=actor.pk)
    return membership


# --- Curation -----------------------------------------------------------------------------


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
    _require(permissions.is_curator(actor), _("Only the SMZ features PLCs."))
    with transaction.atomic():
        _publish_change(plg, actor, featured=featured)
        _record("plc.plg.featured" if featured else "plc.plg.unfeatured", actor=actor, plg=plg)
    return plg


def set_status(*, actor, plg: PlgPage, status: str) -> PlgPage:
    """Change the status (planned, active, completed, archived). Archiving is the SMZ's; leads may complete."""
    if status not in PlgStatus.values:
        raise Refused(_("Unknown status."), RefusalKind.INVALID)
    _refuse_if_not_visible(actor, plg)
    _require(permissions.user_can(actor, "manage", plg), _("Only the PLC's leads and the SMZ change its status."))
    with transaction.atomic():
        old = PlgPage.objects.select_for_update().values_list("status", flat=True).get(pk=plg.pk)
        # Archiving, and bringing an archived PLG back, is the SMZ's decision.
        if PlgStatus.ARCHIVED in (old, status):
            _require(permissions.is_curator(actor), _("Only the SMZ archives PLCs."))
        _publish_change(plg, actor, status=status)
        _record("plc.plg.status_changed", actor=actor, plg=plg, old=old, new=status)
    return plg


# --- Material -----------------------------------------------------------------------------


def upload_file(*, actor, plg: PlgPage, upload: UploadedFile, title: str = "") -> PlgFile:
    """Share a file in the PLG. Only allowed types up to 20 MB; stored in the PLG's collection."""
    _refuse_if_not_visible(actor, plg)
    _require(permissions.user_can(actor, "contribute", plg), _("Only members can share files here."))
    extension = Path(upload.name).suffix.lower().lstrip(".")
    if extension not in ALLOWED_FILE_EXTENSIONS:
        allowed = ", ".join(sorted(ALLOWED_FILE_EXTENSIONS))
        raise Refused(
            _("Files of type “%(ext)s” cannot be shared. Allowed: %(allowed)s.")
            % {"ext": extension or "?", "allowed": allowed},
            RefusalKind.INVALID,
        )
    if upload.size > MAX_FILE_BYTES:
        raise Refused(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(MAX_FILE_BYTES)}, RefusalKind.INVALID
        )
    if upload.size == 0:
        raise Refused(_("The file is empty."), RefusalKind.INVALID)
    Document = get_document_model()
    with transaction.atomic():
        document = Document(
            title=(title.strip() or Path(upload.name).stem)[:255],
            file=upload,
            collection=plg.collection or Collection.get_first_root_node(),
            uploaded_by_user=actor,
        )
        document.save()
        plg_file = PlgFile.objects.create(plg=plg, document=document, added_by=actor)
        _record("plc.file.added", actor=actor, plg=plg, target=plg_file, file=document.title)
    return plg_file


def delete_file(*, actor, plg_file: PlgFile) -> None:
    plg = plg_file.plg
    _refuse_if_not_visible(actor, plg)
    _require(
        permissions.can_delete_material(actor, plg, plg_file.added_by_id),
        _("Only the uploader and the leads delete files."),
    )
    with transaction.atomic():
        title = plg_file.document.title
        _record("plc.file.deleted", actor=actor, plg=plg, file=title)
        plg_file.document.delete()  # cascades to the PlgFile; the stored file is removed by Wagtail


def _require_web_address(url: str) -> None:
    """Only http(s) links: a ``javascript:`` address on a page or in a mail would run code."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise Refused(_("Please enter a web address starting with https:// or http://."), RefusalKind.INVALID) from None


def add_link(*, actor, plg: PlgPage, title: str, url: str) -> PlgLink:
    _refuse_if_not_visible(actor, plg)
    _require(permissions.user_can(actor, "contribute", plg), _("Only members can share links here."))
    url = url.strip()
    _require_web_address(url)
    title = title.strip() or url
    with transaction.atomic():
        link = PlgLink.objects.create(plg=plg, title=title[:200], url=url, added_by=actor)
        _record("plc.link.added", actor=actor, plg=plg, target=link, url=url)
    return link


def delete_link(*, actor, link: PlgLink) -> None:
    plg = link.plg
    _refuse_if_not_visible(actor, plg)
    _require(
        permissions.can_delete_material(actor, plg, link.added_by_id),
        _("Only the author and the leads delete links."),
    )
    with transaction.atomic():
        _record("plc.link.deleted", actor=actor, plg=plg, url=link.url)
        link.delete()


# --- Meetings -----------------------------------------------------------------------------


def schedule_meeting(
    *,
    actor,
    plg: PlgPage,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str = "",
    video_url: str = "",
    notes: str = "",
) -> Meeting:
    """A lead or the SMZ adds a meeting; every member is notified."""
    _refuse_if_not_visible(actor, plg)
    _require(permissions.user_can(actor, "schedule", plg), _("Only the PLC's leads and the SMZ schedule meetings."))
    if ends_at <= starts_at:
        raise Refused(_("The meeting must end after it starts."), RefusalKind.INVALID)
    if not location.strip() and not video_url.strip():
        raise Refused(_("Please give a place or a video link."), RefusalKind.INVALID)
    if video_url.strip():
        _require_web_address(video_url.strip())
    with transaction.atomic():
        meeting = Meeting.objects.create(
            plg=plg,
            title=title.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            location=location.strip(),
            video_url=video_url.strip(),
            notes=notes.strip(),
            created_by=actor,
        )
        _record("plc.meeting.scheduled", actor=actor, plg=plg, target=meeting)
        when = timezone.localtime(starts_at).strftime("%d.%m.%Y %H:%M")
        notify(
            [m.user for m in Membership.objects.filter(plg=plg).select_related("user")],
            actor=actor,
            verb="plc.meeting.scheduled",
            text=_("New meeting in “%(plg)s”: %(title)s on %(when)s.")
            % {"plg": plg.title, "title": meeting.title, "when": when},
            url=plg.url + "#termine",
        )
    return meeting


def cancel_meeting(*, actor, meeting: Meeting) -> None:
    plg = meeting.plg
    _refuse_if_not_visible(actor, plg)
    _require(permissions.user_can(actor, "manage", plg), _("Only the PLC's leads and the SMZ cancel meetings."))
    with transaction.atomic():
        _record("plc.meeting.cancelled", actor=actor, plg=plg, title=meeting.title)
        notify(
            [m.user for m in Membership.objects.filter(plg=plg).select_related("user")],
            actor=actor,
            verb="plc.meeting.cancelled",
            text=_("The meeting “%(title)s” in “%(plg)s” was cancelled.") % {"title": meeting.title, "plg": plg.title},
            url=plg.url + "#termine",
        )
        meeting.delete()


# --- Results ------------------------------------------------------------------------------


def publish_result(*, actor, plg: PlgPage, title: str, tried: str, worked: str, materials=()) -> Result:
    """A lead publishes a result; it (and its materials) become visible to the whole network."""
    _refuse_if_not_visible(actor, plg)
    _require(permissions.user_can(actor, "manage", plg), _("Only the PLC's leads and the SMZ publish results."))
    materials = list(materials)
    if any(material.plg_id != plg.pk for material in materials):
        raise Refused(_("Materials must be files of this PLC."), RefusalKind.INVALID)
    if not title.strip() or not tried.strip() or not worked.strip():
        raise Refused(_("Please fill in the title, what was tried and what worked."), RefusalKind.INVALID)
    with transaction.atomic():
        result = Result.objects.create(
            plg=plg, title=title.strip(), tried=tried.strip(), worked=worked.strip(), published_by=actor
        )
        result.materials.set(materials)
        _record("plc.result.published", actor=actor, plg=plg, target=result, materials=[m.pk for m in materials])
    return result

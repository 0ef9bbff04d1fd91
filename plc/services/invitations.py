"""Invitations to PLGs: by account or by e-mail address (a sign-up mail for newcomers)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lernen25.errors import RefusalKind, Refused
from lernen25.notifications import notify
from lernen25.notifications import render as render_notification
from lernen25.permissions import refuse_unless, require
from plc import permissions
from plc.models import Invitation, InvitationStatus, Membership, PlgPage
from plc.services._common import add_member, lock, record, refuse_if_read_only

User = get_user_model()


def invite_member(*, actor, plg: PlgPage, email: str = "", user=None) -> Invitation:
    """Invite a teacher by account or by e-mail address. A person without an account gets a sign-up mail."""
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.invite", plg)
    refuse_if_read_only(plg)
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
        lock(plg)
        if Invitation.objects.filter(plg=plg, email=email, status=InvitationStatus.PENDING).exists():
            raise Refused(_("This person has already been invited."), RefusalKind.CONFLICT)
        invitation = Invitation.objects.create(plg=plg, email=email, invitee=invitee, invited_by=actor)
        record("plc.invitation.created", actor=actor, plg=plg, target=invitation, email=email)
        params = {"name": actor.display_name, "title": plg.title}
        if invitee is not None:
            notify([invitee], actor=actor, kind="plc.invitation.created", params=params, url=reverse("notifications"))
        else:
            text = render_notification("plc.invitation.created", params)  # a newcomer reads the site's language
            transaction.on_commit(lambda: _mail_invitation_to_newcomer(email=email, text=text))
    return invitation


def _mail_invitation_to_newcomer(*, email: str, text: str) -> None:
    from lernen25.tasks import send_plain_mail

    # Greeting, closing and signature come from the mail layout (frontend/templates/mail/).
    body = _(
        "%(text)s\n\nCreate your account with this e-mail address at %(url)s; the invitation is waiting for "
        "you after you sign in."
    ) % {"text": text, "url": f"{settings.SITE_URL}/accounts/signup/"}
    send_plain_mail.enqueue(to=email, subject=text[:150], body=body)


def _own_pending_invitation(actor, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().select_related("plg").get(pk=invitation.pk)
    require(actor, "plc.answer_invitation", invitation)
    refuse_unless(
        invitation.status == InvitationStatus.PENDING,
        _("This invitation is no longer open."),
        RefusalKind.CONFLICT,
    )
    return invitation


def accept_invitation(*, actor, invitation: Invitation) -> Membership:
    with transaction.atomic():
        invitation = _own_pending_invitation(actor, invitation)
        plg = lock(invitation.plg)
        refuse_if_read_only(plg)
        invitation.status, invitation.decided_at, invitation.invitee = InvitationStatus.ACCEPTED, timezone.now(), actor
        invitation.save(update_fields=["status", "decided_at", "invitee"])
        membership = add_member(plg, actor)
        record("plc.invitation.accepted", actor=actor, plg=plg, target=invitation, user=actor.pk)
        notify(
            [invitation.invited_by] if invitation.invited_by else [],
            actor=actor,
            kind="plc.invitation.accepted",
            params={"name": actor.display_name, "title": plg.title},
            url=plg.url,
            email=False,
        )
    return membership


def decline_invitation(*, actor, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        invitation = _own_pending_invitation(actor, invitation)
        invitation.status, invitation.decided_at = InvitationStatus.DECLINED, timezone.now()
        invitation.save(update_fields=["status", "decided_at"])
        record("plc.invitation.declined", actor=actor, plg=invitation.plg, target=invitation)
    return invitation


def revoke_invitation(*, actor, invitation: Invitation) -> Invitation:
    plg = invitation.plg
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.revoke_invitation", plg)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        refuse_unless(
            invitation.status == InvitationStatus.PENDING,
            _("This invitation is no longer open."),
            RefusalKind.CONFLICT,
        )
        invitation.status, invitation.decided_at = InvitationStatus.REVOKED, timezone.now()
        invitation.save(update_fields=["status", "decided_at"])
        record("plc.invitation.revoked", actor=actor, plg=plg, target=invitation)
    return invitation

"""Membership of PLGs: joining, requests and their decisions, leaving, removing, leads."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lernen25.errors import RefusalKind, Refused
from lernen25.notifications import notify
from lernen25.permissions import allowed, refuse_unless, require
from plc import permissions, realtime
from plc.models import JoinRequest, Membership, MembershipRole, PlgPage, RequestStatus, Visibility
from plc.services._common import (
    add_member,
    lead_count,
    leads_of,
    lock,
    record,
    refuse_if_read_only,
    require_may_lead,
)


def join_plg(*, actor, plg: PlgPage) -> Membership:
    """Join an open PLG at once."""
    require(actor, "plc.view_plg", plg)
    refuse_if_read_only(plg)
    refuse_unless(permissions.membership_of(actor, plg) is None, _("You are already a member."), RefusalKind.CONFLICT)
    refuse_unless(
        plg.visibility != Visibility.CLOSED,
        _("This PLC is closed; its leads invite new members."),
        RefusalKind.FORBIDDEN,
    )
    refuse_unless(
        plg.visibility == Visibility.OPEN,
        _("This PLC accepts members on request only; please send a request."),
        RefusalKind.CONFLICT,
    )
    require(actor, "plc.join_any")
    with transaction.atomic():
        lock(plg)
        membership = add_member(plg, actor)
        record("plc.membership.joined", actor=actor, plg=plg, user=actor.pk)
        notify(
            leads_of(plg),
            actor=actor,
            kind="plc.membership.joined",
            params={"name": actor.display_name, "title": plg.title},
            url=plg.url,
            email=False,
        )
    return membership


def request_membership(*, actor, plg: PlgPage, message: str = "") -> JoinRequest:
    """Ask to join a PLG on request. Refused for members, for a second pending request and for closed PLGs."""
    require(actor, "plc.view_plg", plg)
    refuse_if_read_only(plg)
    refuse_unless(permissions.membership_of(actor, plg) is None, _("You are already a member."), RefusalKind.CONFLICT)
    refuse_unless(
        plg.visibility != Visibility.CLOSED,
        _("This PLC is closed; its leads invite new members."),
        RefusalKind.FORBIDDEN,
    )
    refuse_unless(
        plg.visibility != Visibility.OPEN, _("This PLC is open; you can join it directly."), RefusalKind.CONFLICT
    )
    require(actor, "plc.join_any")
    message = message.strip()
    if len(message) > 1000:
        raise Refused(_("The message may have at most 1000 characters."), RefusalKind.INVALID)
    with transaction.atomic():
        lock(plg)
        if JoinRequest.objects.filter(plg=plg, user=actor, status=RequestStatus.PENDING).exists():
            raise Refused(_("You have already asked to join; the leads will decide soon."), RefusalKind.CONFLICT)
        join_request = JoinRequest.objects.create(plg=plg, user=actor, message=message)
        record("plc.join_request.created", actor=actor, plg=plg, target=join_request)
        notify(
            leads_of(plg),
            actor=actor,
            kind="plc.join_request.created",
            params={"name": actor.display_name, "title": plg.title},
            url=plg.url + "#anfragen",
        )
    return join_request


def withdraw_request(*, actor, join_request: JoinRequest) -> JoinRequest:
    require(actor, "plc.withdraw_request", join_request)
    with transaction.atomic():
        join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
        refuse_unless(
            join_request.status == RequestStatus.PENDING,
            _("This request has already been decided."),
            RefusalKind.CONFLICT,
        )
        join_request.status = RequestStatus.WITHDRAWN
        join_request.decided_at = timezone.now()
        join_request.save(update_fields=["status", "decided_at"])
        record("plc.join_request.withdrawn", actor=actor, plg=join_request.plg, target=join_request)
    return join_request


def decide_request(*, actor, join_request: JoinRequest, accept: bool, reason: str = "") -> JoinRequest:
    """A lead or the SMZ accepts or declines a request; a decline needs a reason the requester sees."""
    plg = join_request.plg
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.decide_request", plg)
    reason = reason.strip()
    if not accept and not reason:
        raise Refused(_("Please give a reason; the requester will read it."), RefusalKind.INVALID)
    with transaction.atomic():
        lock(plg)
        join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
        refuse_unless(
            join_request.status == RequestStatus.PENDING,
            _("This request has already been decided."),
            RefusalKind.CONFLICT,
        )
        if accept:
            refuse_if_read_only(plg)
        join_request.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
        join_request.decided_by, join_request.decided_at, join_request.reason = actor, timezone.now(), reason
        join_request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        values = {"title": plg.title, "reason": reason}
        if accept:
            add_member(plg, join_request.user)
            record("plc.join_request.accepted", actor=actor, plg=plg, target=join_request, user=join_request.user_id)
        else:
            record("plc.join_request.declined", actor=actor, plg=plg, target=join_request, reason=reason)
        kind = f"plc.join_request.{join_request.status}"
        notify([join_request.user], actor=actor, kind=kind, params=values, url=plg.url)
    return join_request


def leave_plg(*, actor, plg: PlgPage) -> None:
    """Leave a PLG. The last lead may not leave: a PLG always keeps at least one lead."""
    require(actor, "plc.view_plg", plg)
    with transaction.atomic():
        _end_membership(
            plg,
            actor,
            not_member=_("You are not a member of this PLC."),
            last_lead=_("You are the only lead. Make another member lead before you leave."),
        )
        record("plc.membership.left", actor=actor, plg=plg, user=actor.pk)


def _end_membership(plg: PlgPage, user, *, not_member: str, last_lead: str) -> None:
    """Delete ``user``'s membership (under the PLG's lock) unless they are the last lead; close their sockets."""
    lock(plg)
    membership = Membership.objects.filter(plg=plg, user=user).first()
    refuse_unless(membership is not None, not_member, RefusalKind.CONFLICT)
    refuse_unless(not (membership.is_lead and lead_count(plg) == 1), last_lead, RefusalKind.CONFLICT)
    membership.delete()
    permissions.forget_memberships(user)
    transaction.on_commit(lambda: realtime.publish_access_revoked(plg.pk, user.pk))


def remove_member(*, actor, plg: PlgPage, user) -> None:
    """A lead or the SMZ removes a member; the last lead cannot be removed."""
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.remove_member", plg)
    refuse_unless(user.pk != actor.pk, _("To leave the PLC yourself, use “Leave this PLC”."), RefusalKind.INVALID)
    with transaction.atomic():
        _end_membership(
            plg, user, not_member=_("This person is not a member."), last_lead=_("The only lead cannot be removed.")
        )
        record("plc.membership.removed", actor=actor, plg=plg, user=user.pk)
        notify(
            [user],
            actor=actor,
            kind="plc.membership.removed",
            params={"title": plg.title},
            url="/",
        )


def promote_to_lead(*, actor, plg: PlgPage, user) -> Membership:
    """Make a member (or, for the SMZ, any teacher who may lead) a lead of the PLG."""
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.appoint_lead", plg)
    with transaction.atomic():
        lock(plg)
        membership = Membership.objects.filter(plg=plg, user=user).first()
        if membership is None:
            refuse_unless(
                allowed(actor, "plc.appoint_any_lead"),
                _("Only members can be made lead; invite the person first."),
                RefusalKind.CONFLICT,
            )
        elif membership.role == MembershipRole.LEAD:
            raise Refused(_("%(name)s already leads this PLC.") % {"name": user.display_name}, RefusalKind.CONFLICT)
        require_may_lead(user)
        membership = add_member(plg, user, MembershipRole.LEAD)
        record("plc.membership.promoted", actor=actor, plg=plg, user=user.pk)
        notify(
            [user],
            actor=actor,
            kind="plc.lead.assigned",
            params={"title": plg.title},
            url=plg.url,
        )
    return membership


def step_down_as_lead(*, actor, plg: PlgPage) -> Membership:
    """A lead becomes a plain member again, unless they are the only lead."""
    with transaction.atomic():
        lock(plg)
        membership = Membership.objects.filter(plg=plg, user=actor, role=MembershipRole.LEAD).first()
        refuse_unless(membership is not None, _("You do not lead this PLC."), RefusalKind.CONFLICT)
        refuse_unless(
            lead_count(plg) > 1, _("You are the only lead; appoint another lead first."), RefusalKind.CONFLICT
        )
        membership.role = MembershipRole.MEMBER
        membership.save(update_fields=["role"])
        permissions.forget_memberships(actor)
        record("plc.membership.stepped_down", actor=actor, plg=plg, user=actor.pk)
    return membership

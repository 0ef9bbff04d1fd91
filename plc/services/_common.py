"""What the PLG services share: the audit record, the row lock, leads and adding a member."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from lernen25 import audit
from lernen25.errors import RefusalKind, Refused
from lernen25.roles import Capability, has_capability
from plc import permissions
from plc.models import JoinRequest, Membership, MembershipRole, PlgPage, RequestStatus


def record(action: str, *, actor, plg: PlgPage, target=None, **data):
    """The audit event ``plc.<object>.<verb>``, with the PLG's id in its data (the leads' change log)."""
    return audit.record(action, actor=actor, target=target or plg, plg=plg.pk, plg_title=plg.title, **data)


def lock(plg: PlgPage) -> PlgPage:
    """Lock the PLG row for the transaction, so that concurrent membership changes serialise."""
    return PlgPage.objects.select_for_update().get(pk=plg.pk)


def lead_count(plg: PlgPage) -> int:
    return Membership.objects.filter(plg=plg, role=MembershipRole.LEAD).count()


def leads_of(plg: PlgPage) -> list:
    return [m.user for m in Membership.objects.filter(plg=plg, role=MembershipRole.LEAD).select_related("user")]


def members_of(plg: PlgPage) -> list:
    return [m.user for m in Membership.objects.filter(plg=plg).select_related("user")]


def add_member(plg: PlgPage, user, role: str = MembershipRole.MEMBER) -> Membership:
    membership, created = Membership.objects.get_or_create(plg=plg, user=user, defaults={"role": role})
    if created:
        # Joined another way (invitation, the SMZ): an open request of theirs is settled, not left to decline.
        JoinRequest.objects.filter(plg=plg, user=user, status=RequestStatus.PENDING).update(
            status=RequestStatus.ACCEPTED, decided_at=timezone.now()
        )
    if not created and role == MembershipRole.LEAD and membership.role != MembershipRole.LEAD:
        membership.role = MembershipRole.LEAD
        membership.save(update_fields=["role"])
    permissions.forget_memberships(user)
    return membership


def refuse_if_read_only(plg: PlgPage) -> None:
    if not plg.is_writable:
        raise Refused(_("This PLC is completed or archived; nothing can be changed."), RefusalKind.CONFLICT)


def require_may_lead(user) -> None:
    """A lead must be an active member of the network (a state of that person, not of the actor)."""
    if not (user.is_active and has_capability(user, Capability.PLG_JOIN)):
        raise Refused(
            _("%(name)s cannot lead a PLC: the account is inactive or has no teacher role.")
            % {"name": user.display_name},
            RefusalKind.INVALID,
        )

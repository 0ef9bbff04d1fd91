"""The notification kinds of PLG spaces (``lernen25.notifications.register_kind``).

Texts are msgids rendered when a notification is read, in the reader's language.
"""

from django.utils.translation import gettext_lazy as _

from lernen25.notifications import register_kind

_NEW_LEAD = _("You lead the new PLC “%(title)s”.")
_NOW_LEAD = _("You now lead the PLC “%(title)s”.")

KINDS = {
    "plc.invitation.created": _("%(name)s invites you to the PLC “%(title)s”."),
    "plc.invitation.accepted": _("%(name)s accepted the invitation to “%(title)s”."),
    "plc.meeting.scheduled": _("New meeting in “%(plg)s”: %(title)s on %(when)s."),
    "plc.meeting.cancelled": _("The meeting “%(title)s” in “%(plg)s” was cancelled."),
    "plc.lead.assigned": lambda params: str(_NEW_LEAD if params.get("new") else _NOW_LEAD) % params,
    "plc.proposal.created": _("%(name)s proposes a new PLC: “%(title)s”."),
    "plc.proposal.approved": _("Your proposal “%(title)s” was approved; you lead the new PLC."),
    "plc.proposal.rejected": _("Your proposal “%(title)s” was not approved: %(reason)s"),
    "plc.mention": _("%(name)s mentioned you in “%(topic)s”."),
    "plc.membership.joined": _("%(name)s joined “%(title)s”."),
    "plc.membership.removed": _("You are no longer a member of “%(title)s”."),
    "plc.join_request.created": _("%(name)s asks to join “%(title)s”."),
    "plc.join_request.accepted": _("Welcome! Your request to join “%(title)s” was accepted."),
    "plc.join_request.declined": _("Your request to join “%(title)s” was declined: %(reason)s"),
}

for _name, _text in KINDS.items():
    register_kind(_name, _text)

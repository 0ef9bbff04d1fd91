"""How the audit actions of PLG spaces read in the change log (``lernen25.audit.register_sentence``).

Every PLG event carries ``plg`` and ``plg_title`` (``plc.services._common.record``); ``%(user)s``
and ``%(leads)s`` hold keys of people and read as their names. Found by the core on first use.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from lernen25.audit import choice_label as label
from lernen25.audit import register_sentence
from plc.models import PlgStatus, Visibility

_PINNED, _NOT_PINNED = _("pinned"), _("not pinned")
_LOCKED, _OPEN = _("locked"), _("open for replies")


def _changed(msgid, choices):
    def text(params):
        data = params["data"]
        return str(msgid) % {**params, "old": label(choices, data["old"]), "new": label(choices, data["new"])}

    return text


def _topic_changed(params) -> str:
    data = params["data"]
    state = f"{_PINNED if data['pinned'] else _NOT_PINNED}, {_LOCKED if data['locked'] else _OPEN}"
    return str(_("%(actor)s changed the topic “%(target)s”: now %(state)s.")) % {**params, "state": state}


def _message_deleted(params) -> str:
    if params["data"]["own"]:
        return str(_("%(actor)s deleted one of their messages.")) % params
    return str(_("%(actor)s deleted a message by %(person)s.")) % params


SENTENCES = {
    "plc.plg.created": _("%(actor)s created the PLC (leads: %(leads)s)."),
    "plc.plg.featured": _("%(actor)s featured the PLC."),
    "plc.plg.unfeatured": _("%(actor)s stopped featuring the PLC."),
    "plc.plg.status_changed": _changed(_("%(actor)s changed the status from “%(old)s” to “%(new)s”."), PlgStatus),
    "plc.plg.visibility_changed": _changed(
        _("%(actor)s changed the visibility from “%(old)s” to “%(new)s”."), Visibility
    ),
    "plc.proposal.created": _("%(actor)s proposed the PLC “%(target)s”."),
    "plc.proposal.approved": _("%(actor)s approved the proposal “%(target)s”."),
    "plc.proposal.rejected": _("%(actor)s did not approve the proposal “%(target)s”: %(reason)s"),
    "plc.membership.joined": _("%(actor)s joined the PLC."),
    "plc.membership.left": _("%(actor)s left the PLC."),
    "plc.membership.removed": _("%(actor)s removed %(user)s from the PLC."),
    "plc.membership.promoted": _("%(actor)s made %(user)s a lead."),
    "plc.membership.stepped_down": _("%(actor)s stepped down as lead."),
    "plc.join_request.created": _("%(actor)s asked to join the PLC."),
    "plc.join_request.withdrawn": _("%(actor)s withdrew their request to join."),
    "plc.join_request.accepted": _("%(actor)s accepted the request of %(user)s to join."),
    "plc.join_request.declined": _("%(actor)s declined the request of %(person)s to join: %(reason)s"),
    "plc.invitation.created": _("%(actor)s invited %(email)s to the PLC."),
    "plc.invitation.accepted": _("%(actor)s accepted the invitation and joined the PLC."),
    "plc.invitation.declined": _("%(actor)s declined the invitation to the PLC."),
    "plc.invitation.revoked": _("%(actor)s withdrew the invitation of %(person)s."),
    "plc.file.added": _("%(actor)s shared the file “%(file)s”."),
    "plc.file.deleted": _("%(actor)s deleted the file “%(file)s”."),
    "plc.link.added": _("%(actor)s shared the link “%(target)s” (%(url)s)."),
    "plc.link.deleted": _("%(actor)s deleted the link %(url)s."),
    "plc.meeting.scheduled": _("%(actor)s scheduled the meeting “%(target)s”."),
    "plc.meeting.cancelled": _("%(actor)s cancelled the meeting “%(title)s”."),
    "plc.result.published": _("%(actor)s published the result “%(target)s”."),
    "plc.topic.created": _("%(actor)s started the topic “%(target)s”."),
    "plc.topic.changed": _topic_changed,
    "plc.message.deleted": _message_deleted,
    "plc.message.hidden": _("%(actor)s hid a message by %(person)s."),
    "plc.message.unhidden": _("%(actor)s showed a message by %(person)s again."),
}

# Whose request, invitation or message it was: a field of the target, read when the log is shown.
TARGET_PEOPLE = {
    "plc.join_request.declined": "user_id",
    "plc.invitation.revoked": "email",
    "plc.message.deleted": "author_id",
    "plc.message.hidden": "author_id",
    "plc.message.unhidden": "author_id",
}

for _action, _text in SENTENCES.items():
    register_sentence(_action, _text, people=("user", "leads"), target_person=TARGET_PEOPLE.get(_action))

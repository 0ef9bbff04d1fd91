"""Writes of PLG spaces: one function per user action, in a module per concern.

Each service ``require``s the actor's rule (``plc.permissions`` in the one rule table), writes in
one transaction, records an audit event ``plc.<object>.<verb>`` with the PLG's id in its data (the
change log shown to leads), and notifies after commit. It raises ``Refused`` with a German
message and writes nothing when it will not do what was asked. Callers import from here.
"""

from plc.services.curation import (
    approve_proposal,
    create_plg,
    directory_page,
    propose_plg,
    reject_proposal,
    set_featured,
    set_status,
    set_visibility,
)
from plc.services.discussion import (
    MAX_BODY,
    catch_up,
    catch_up_many,
    create_topic,
    delete_message,
    edit_message,
    mark_read,
    mark_read_live,
    post_message,
    post_messages,
    set_hidden,
    set_topic_flags,
)
from plc.services.invitations import accept_invitation, decline_invitation, invite_member, revoke_invitation
from plc.services.material import (
    ALLOWED_FILE_EXTENSIONS,
    MAX_FILE_BYTES,
    add_link,
    delete_file,
    delete_link,
    upload_file,
)
from plc.services.meetings import cancel_meeting, publish_result, schedule_meeting
from plc.services.membership import (
    decide_request,
    join_plg,
    leave_plg,
    promote_to_lead,
    remove_member,
    request_membership,
    step_down_as_lead,
    withdraw_request,
)

__all__ = [
    "ALLOWED_FILE_EXTENSIONS",
    "MAX_BODY",
    "MAX_FILE_BYTES",
    "accept_invitation",
    "add_link",
    "approve_proposal",
    "cancel_meeting",
    "catch_up",
    "catch_up_many",
    "create_plg",
    "create_topic",
    "decide_request",
    "decline_invitation",
    "delete_file",
    "delete_link",
    "delete_message",
    "directory_page",
    "edit_message",
    "invite_member",
    "join_plg",
    "leave_plg",
    "mark_read",
    "mark_read_live",
    "post_message",
    "post_messages",
    "promote_to_lead",
    "propose_plg",
    "publish_result",
    "reject_proposal",
    "remove_member",
    "request_membership",
    "revoke_invitation",
    "schedule_meeting",
    "set_featured",
    "set_hidden",
    "set_status",
    "set_topic_flags",
    "set_visibility",
    "step_down_as_lead",
    "upload_file",
    "withdraw_request",
]

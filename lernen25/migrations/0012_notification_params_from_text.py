"""Notifications written before kinds (0010) get their parameters back from their text.

Such a row has its kind but no parameters, and shows the text it was written with, in the language
of whoever caused it. Where that text is exactly one of its kind's texts in German or English (as
the catalog says now), the parameters are read out of it, and the row is rendered in the reader's
language like any other. A text that matches no form (a changed translation, a cut-off title) keeps
being shown as it was: ``stored_text`` stays, so nothing is lost either way.
"""

import re

from django.db import migrations
from django.utils import translation

# The texts as the services wrote them before 0010 (msgids, frozen here): kind -> [(msgid, fixed params)].
_NEW_LEAD = "You lead the new PLC “%(title)s”."
_NOW_LEAD = "You now lead the PLC “%(title)s”."
TEXTS = {
    "lernen25.affiliation.granted": [("You are now confirmed as %(function)s at %(school)s.", {})],
    "lernen25.affiliation.revoked": [("Your function %(function)s at %(school)s has ended.", {})],
    "lernen25.confirmation.requested": [("%(name)s asks to be confirmed as a teacher at %(school)s.", {})],
    "lernen25.confirmation.declined": [("%(school)s has not confirmed you as a teacher.", {})],
    "plc.invitation.created": [("%(name)s invites you to the PLC “%(title)s”.", {})],
    "plc.invitation.accepted": [("%(name)s accepted the invitation to “%(title)s”.", {})],
    "plc.meeting.scheduled": [("New meeting in “%(plg)s”: %(title)s on %(when)s.", {})],
    "plc.meeting.cancelled": [("The meeting “%(title)s” in “%(plg)s” was cancelled.", {})],
    "plc.lead.assigned": [(_NEW_LEAD, {"new": True}), (_NOW_LEAD, {"new": False})],
    "plc.proposal.created": [("%(name)s proposes a new PLC: “%(title)s”.", {})],
    "plc.proposal.approved": [("Your proposal “%(title)s” was approved; you lead the new PLC.", {})],
    "plc.proposal.rejected": [("Your proposal “%(title)s” was not approved: %(reason)s", {})],
    "plc.mention": [("%(name)s mentioned you in “%(topic)s”.", {})],
    "plc.membership.joined": [("%(name)s joined “%(title)s”.", {})],
    "plc.membership.removed": [("You are no longer a member of “%(title)s”.", {})],
    "plc.join_request.created": [("%(name)s asks to join “%(title)s”.", {})],
    "plc.join_request.accepted": [("Welcome! Your request to join “%(title)s” was accepted.", {})],
    "plc.join_request.declined": [("Your request to join “%(title)s” was declined: %(reason)s", {})],
}
# SchoolFunction's values and labels; the text holds the label, the parameter is the value.
FUNCTIONS = {"lehrkraft": "Teacher", "medienbeauftragte": "Media coordinator", "schulleitung": "Principal"}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _read(text: str, template: str) -> dict | None:
    """The parameters that make ``template % params == text``, or None."""
    pieces = _PLACEHOLDER.split(template)  # literal, name, literal, name, …, literal
    pattern = "".join(re.escape(piece) if i % 2 == 0 else f"(?P<{piece}>.+?)" for i, piece in enumerate(pieces))
    match = re.fullmatch(pattern, text, flags=re.DOTALL)
    if match is None:
        return None
    params = match.groupdict()
    return params if template % params == text else None


def params_from_text(kind: str, text: str) -> dict | None:
    for language in ("de", "en"):
        with translation.override(language):
            functions = {translation.gettext(label): value for value, label in FUNCTIONS.items()}
            for msgid, fixed in TEXTS.get(kind, []):
                params = _read(text, translation.gettext(msgid))
                if params is None:
                    continue
                if "function" in params:
                    if params["function"] not in functions:
                        continue
                    params["function"] = functions[params["function"]]
                return {**params, **fixed}
    return None


def forwards(apps, schema_editor):
    Notification = apps.get_model("lernen25", "Notification")
    changed = []
    for row in Notification.objects.filter(params={}).exclude(stored_text="").iterator():
        params = params_from_text(row.kind, row.stored_text)
        if params is not None:
            row.params = params
            changed.append(row)
    Notification.objects.bulk_update(changed, ["params"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("lernen25", "0011_profile_language"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]

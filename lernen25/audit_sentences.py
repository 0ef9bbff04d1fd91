"""How the core's audit actions read (``lernen25.audit.register_sentence``).

``%(actor)s`` is who acted, ``%(target)s`` the object's name when it was recorded, the other
names are the event's data. Texts are msgids, rendered when they are read.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from lernen25.audit import choice_label as label
from lernen25.audit import register_sentence
from lernen25.models import AffiliationSource, SchoolFunction
from lernen25.roles import Role


def _with_labels(msgid, **fields):
    """A text whose data values ``fields`` (name → choices class) are shown by their labels."""

    def text(params):
        return str(msgid) % {
            **params,
            **{name: label(choices, params["data"][name]) for name, choices in fields.items()},
        }

    return text


def _granted(params) -> str:
    params = {
        **params,
        "function": label(SchoolFunction, params["data"]["function"]),
        "source": label(AffiliationSource, params["data"]["source"]),
    }
    if params["has_actor"]:
        return str(_("%(actor)s confirmed %(user)s as %(function)s at school %(school)s (%(source)s).")) % params
    return str(_("%(user)s was confirmed as %(function)s at school %(school)s (%(source)s).")) % params


def _email_domain(params) -> str:
    if params["data"]["domain"]:
        return str(_("%(actor)s set the staff e-mail domain of %(target)s to “%(domain)s”.")) % params
    return str(_("%(actor)s removed the staff e-mail domain of %(target)s.")) % params


SENTENCES = {
    "lernen25.role.assigned": _with_labels(_("%(actor)s gave %(target)s the role “%(role)s”."), role=Role),
    "lernen25.role.revoked": _with_labels(_("%(actor)s took the role “%(role)s” from %(target)s."), role=Role),
    "lernen25.profile.updated": _("%(actor)s updated their profile."),
    "lernen25.schools.imported": _(
        "%(actor)s imported the school list “%(filename)s”: %(created)s new, %(updated)s updated."
    ),
    "lernen25.affiliation.granted": _granted,
    "lernen25.affiliation.revoked": _with_labels(
        _("%(actor)s ended the function %(function)s of %(user)s at school %(school)s."), function=SchoolFunction
    ),
    "lernen25.confirmation.requested": _("%(actor)s asked school %(school)s to confirm them as a teacher."),
    "lernen25.confirmation.accepted": _("%(actor)s confirmed %(user)s as a teacher at school %(school)s."),
    "lernen25.confirmation.declined": _("%(actor)s did not confirm %(user)s as a teacher at school %(school)s."),
    "lernen25.school.email_domain_set": _email_domain,
    "lernen25.signin.failed": _("Failed sign-ins for %(target)s: %(failures)s within %(window_minutes)s minutes."),
    "lernen25.demo.seeded": _(
        "The demo data was created (seed %(seed)s: %(schools)s schools, %(teachers)s teachers, %(accounts)s accounts)."
    ),
}

for _action, _text in SENTENCES.items():
    register_sentence(_action, _text)

"""The notification kinds of the legal pages (``lernen25.notifications.register_kind``)."""

from django.utils.translation import gettext_lazy as _

from lernen25.notifications import register_kind

_ABOUT = _("New barrier report about “%(where)s”: %(summary)s")
_PLAIN = _("New barrier report: %(summary)s")


def _barrier_report(params) -> str:
    return str(_ABOUT if params.get("where") else _PLAIN) % params


KINDS = {"legal.barrier_report.created": _barrier_report}

for _name, _text in KINDS.items():
    register_kind(_name, _text)

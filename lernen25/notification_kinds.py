"""The core's notification kinds (``lernen25.notifications.register_kind``): a school's people."""

from django.utils.translation import gettext_lazy

from lernen25.models import SchoolFunction
from lernen25.notifications import register_kind


def _with_function(msgid):
    """A text with the function's name, translated when it is read."""

    def text(params):
        return str(msgid) % {**params, "function": SchoolFunction(params["function"]).label}

    return text


register_kind(
    "lernen25.affiliation.granted", _with_function(gettext_lazy("You are now confirmed as %(function)s at %(school)s."))
)
register_kind(
    "lernen25.affiliation.revoked", _with_function(gettext_lazy("Your function %(function)s at %(school)s has ended."))
)
register_kind(
    "lernen25.confirmation.requested", gettext_lazy("%(name)s asks to be confirmed as a teacher at %(school)s.")
)
register_kind("lernen25.confirmation.declined", gettext_lazy("%(school)s has not confirmed you as a teacher."))

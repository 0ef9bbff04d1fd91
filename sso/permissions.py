"""Who may configure the schools' sign-ons: administrators with a second factor (the rule table)."""

from __future__ import annotations

import rules
from django.utils.translation import gettext_lazy as _

from lernen25.permissions import rule
from lernen25.roles import Capability, has_capability


def _may_manage(action: str):
    @rules.predicate(name=f"sso.may_{action}")
    def check(user) -> bool:
        """The model permission (superusers) and, like every power, the capability with a second factor."""
        return bool(
            getattr(user, "is_authenticated", False)
            and has_capability(user, Capability.SCHOOLS_MANAGE)
            and user.has_perm(f"sso.{action}_schoolsignon")
        )

    return check


for _action in ("add", "change", "delete"):
    rule(f"sso.{_action}_signon", _may_manage(_action), _("Only administrators may configure school sign-ons."))

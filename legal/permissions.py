"""The rules of the legal pages (``lernen25.permissions``): who reports barriers, who reads the reports."""

from __future__ import annotations

import rules
from django.utils.translation import gettext_lazy as _

from lernen25.permissions import rule
from lernen25.roles import Role, grants_of

# The SMZ answers barrier reports (it is the contact named in the accessibility statement);
# administrators see them too. Like every power of these roles, only with a second factor.
_REPORT_READERS = frozenset({Role.SMZ_MODERATION, Role.ADMINISTRATION})


@rules.predicate
def reads_barrier_reports(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    grants = grants_of(user)
    if grants.withheld:
        return False
    return bool(user.is_superuser or grants.roles & _REPORT_READERS)


# BITV 2.0 asks for a feedback mechanism open to everybody: signed out, guests of the network, everyone.
rule("legal.report_barrier", rules.always_allow, _("You may not send a barrier report."))
rule("legal.view_barrier_reports", reads_barrier_reports, _("Only the school media centre reads barrier reports."))

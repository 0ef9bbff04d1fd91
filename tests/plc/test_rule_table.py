"""The PLG rules in the rule table: refusals carry the rule's German message and kind."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from lernen25.errors import RefusalKind, Refused
from lernen25.permissions import allowed, registered_rules, require


def test_require_raises_the_rules_message_and_kind(open_plg, closed_plg, lehrkraft_b):
    with translation.override("de"), pytest.raises(Refused) as refused:
        require(lehrkraft_b, "plc.invite", open_plg)
    assert (str(refused.value.message), refused.value.kind) == (
        "Nur die PLG-Leitung und das SMZ können Mitglieder einladen.",
        RefusalKind.FORBIDDEN,
    )

    with pytest.raises(Refused) as hidden:
        require(lehrkraft_b, "plc.view_plg", closed_plg)
    assert hidden.value.kind == RefusalKind.NOT_FOUND


# What a visitor who is not signed in may do, on purpose: report a barrier (BITV 2.0 asks for a
# feedback mechanism open to everyone; rate-limited, legal/limits.py).
OPEN_TO_VISITORS = ["legal.report_barrier"]


def test_nobody_signed_in_is_allowed_nothing_but_what_is_open_to_visitors(open_plg):
    guest = AnonymousUser()
    allowed_to_guest = [name for name in registered_rules() if _allowed_without_object(guest, name, open_plg)]
    assert allowed_to_guest == [name for name in OPEN_TO_VISITORS if name in registered_rules()]


def _allowed_without_object(user, name, plg):
    try:
        return allowed(user, name, plg)
    except (AttributeError, TypeError):
        return False  # a rule about another kind of object: not applicable here

"""Capabilities registered with the ``rules`` library.

With these, ``user.has_perm("plc.curate")`` answers the same as ``has_capability`` in views,
templates (``{% if perms.plc.curate %}``), consumers and the admin. Object rules (e.g.
``plc.view_plg``) are added by each app's ``permissions.py``.
"""

from __future__ import annotations

import rules

from lernen25.roles import Capability, has_capability


def _capability_predicate(capability: Capability):
    @rules.predicate(name=f"has_capability:{capability}")
    def check(user) -> bool:
        return has_capability(user, capability)

    return check


for _capability in Capability:
    rules.add_perm(str(_capability), _capability_predicate(_capability))

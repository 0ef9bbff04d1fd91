"""The SMZ edits the legal pages: this app's entries of the core's page-permission table.

``lernen25.roles.ROLE_PAGE_PERMISSIONS`` names each role's Wagtail page permissions by page type,
and ``setup_roles`` gives each group exactly those (removing any added by hand). The app adds its
page type there from ``LegalConfig.ready()``, like every other contribution of an app, so that the
core names no app it does not need; without the app nothing is added and nothing granted.

No "add" and no "delete": each page exists once (``legal/seed.py``); the SMZ changes and publishes.
"""

from __future__ import annotations

from lernen25.roles import ROLE_PAGE_PERMISSIONS, Role

PAGE_PERMISSIONS = {
    Role.SMZ_MODERATION: ("legal.LegalPage", ("change", "publish")),
    Role.ADMINISTRATION: ("legal.LegalPage", ("change", "publish")),
}


def contribute_page_permissions() -> None:
    """Add the entries once (``ready()`` may run twice)."""
    for role, entry in PAGE_PERMISSIONS.items():
        entries = ROLE_PAGE_PERMISSIONS.setdefault(role, [])
        if entry not in entries:
            entries.append(entry)

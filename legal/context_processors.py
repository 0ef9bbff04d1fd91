"""``legal_links`` for the footer (``frontend/templates/includes/_footer.html``).

Registered in ``TEMPLATES`` by its dotted name, so the core imports nothing of this app. Lazy: the
links are looked up (in the cache, see ``legal.links``) only when the footer renders them, and
nothing at all when the app is not installed (the core-only settings): the footer then shows none.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.functional import SimpleLazyObject


def _links():
    from legal.links import footer_links

    return footer_links()


def legal_links(request) -> dict:
    if not apps.is_installed("legal"):
        return {}
    return {"legal_links": SimpleLazyObject(_links)}

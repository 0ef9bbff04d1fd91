"""The footer's links to the legal pages, from the cache: no query per request.

The links are read once (one query) and kept in the default cache until a legal page is published,
unpublished, moved, renamed or deleted (``legal.signal_handlers``), at most ``TIMEOUT`` seconds as a
backstop for caches that do not hear the signal (the local-memory cache of another process).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from legal.models import LegalKind, LegalPage

CACHE_KEY = "legal:footer-links:v1"
TIMEOUT = 3600

# The footer's words (short, as German sites name them), in the footer's order.
LABELS = {
    LegalKind.IMPRINT: _("Imprint"),
    LegalKind.PRIVACY: _("Privacy"),
    LegalKind.ACCESSIBILITY: _("Accessibility"),
}


@dataclass(frozen=True)
class FooterLink:
    kind: str
    url: str

    @property
    def label(self) -> str:
        return str(LABELS[LegalKind(self.kind)])


def _read() -> list[tuple[str, str]]:
    pages = LegalPage.objects.live().public().only("id", "url_path", "kind", "path", "depth")
    urls = {page.kind: page.get_url() for page in pages}
    return [(kind, urls[kind]) for kind in LABELS if urls.get(kind)]


def footer_links() -> list[FooterLink]:
    """The live legal pages as ``FooterLink`` (kind, url, label), in the footer's order."""
    pairs = cache.get(CACHE_KEY)
    if pairs is None:
        pairs = _read()
        cache.set(CACHE_KEY, pairs, TIMEOUT)
    return [FooterLink(kind, url) for kind, url in pairs]


def forget() -> None:
    cache.delete(CACHE_KEY)

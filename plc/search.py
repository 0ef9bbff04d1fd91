"""What PLG spaces offer to the search index (``lernen25.registry.search_sources``).

The search issue indexes these and filters every hit through ``plc.selectors``; nothing here
decides who sees what.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from lernen25.registry import SearchSource
from plc.models import PlgPage, Result


def live_plgs():
    return PlgPage.objects.live()


def published_results():
    return Result.objects.filter(plg__live=True).select_related("plg")


SEARCH_SOURCES = (
    SearchSource("plc.plgs", _("PLCs"), live_plgs),
    SearchSource("plc.results", _("Results"), published_results),
)

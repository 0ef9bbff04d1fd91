"""Wagtail admin views that no hook or permission policy reaches, narrowed like the rest.

``plc.wagtail_hooks`` filters what Wagtail's admin lists through its hooks and policies; three
views load pages or log entries past them. Their subclasses here leave out what the person may
not know of (a closed PLG they are no member of, its files), with the same filters. ``plc.urls``
routes Wagtail's paths to them ("shadow routes", matched before ``admin/``); Wagtail's URL names
keep resolving to Wagtail's paths for ``reverse()``, which are the same, so links lead here.

- ``VisibleChosenMultipleView``: the page chooser's "chosen" step gives the title and address of
  every page named by id (``?id=…``); hidden PLGs are left out.
- ``VisiblePageTypesUsageReportView``: the "last edited page" of a page type is the last edited
  page the person may know of.
- ``VisibleLogEntriesView``: the site history (and its CSV/XLSX export) lists the log entries of
  documents by content type permission only; entries of documents the person may not download,
  of collections of hidden PLGs, and of deleted PLGs (whose visibility is gone) are left out.
"""

from __future__ import annotations

import functools

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, F, Q
from django.db.models.functions import Cast
from django.http import Http404
from django.views.decorators.cache import never_cache
from django.views.defaults import page_not_found
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.chooser import ChosenMultipleView
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.documents import get_document_model
from wagtail.models import Collection, Page, PageLogEntry

from plc.models import PlgPage
from plc.permissions import collections_hidden_from, documents_visible_to, is_curator
from plc.wagtail_hooks import is_hidden_page, visible_pages


def admin_view(view):
    """Wrapped as ``wagtail.admin.urls`` wraps its views: admin access required, Wagtail's own
    404 page, never cached."""

    view = require_admin_access(view)

    @functools.wraps(view)
    def with_admin_404(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return page_not_found(request, "", template_name="wagtailadmin/404.html")

    return never_cache(with_admin_404)


# --- The page chooser's "chosen" step -----------------------------------------------------------


class VisibleChosenMultipleView(ChosenMultipleView):
    def get(self, request):
        pks = [pk for pk in request.GET.getlist("id") if pk.isdigit() and len(pk) <= 18]
        visible = visible_pages(request.user, Page.objects.filter(pk__in=pks)).values_list("pk", flat=True)
        query = request.GET.copy()
        query.setlist("id", [str(pk) for pk in visible])
        request.GET = query
        return super().get(request)


# --- The page types usage report ---------------------------------------------------------------


class VisiblePageTypesUsageReportView(PageTypesUsageReportView):
    def decorate_paginated_queryset(self, page_types):
        page_types = super().decorate_paginated_queryset(page_types)
        user = self.request.user
        for item in page_types:
            if item.last_edited_page is not None and is_hidden_page(user, item.last_edited_page):
                item.last_edited_page = self._last_visible_page(item)
        return page_types

    def _last_visible_page(self, content_type):
        """The last edited page of this type the person may know of (the report's filters apply)."""
        filters = {"content_type": content_type}
        data = self.filters.form.cleaned_data if self.filters is not None else {}
        if data.get("page_locale"):
            filters["locale__language_code"] = data["page_locale"]
        if data.get("site"):
            filters["path__startswith"] = data["site"]
        pages = visible_pages(self.request.user, Page.objects.filter(**filters))
        pages = pages.order_by(F("latest_revision_created_at").desc(nulls_last=True), "title", "-pk")
        return pages.specific().first()


# --- The site history ---------------------------------------------------------------------------


def _as_text(queryset):
    """The primary keys of ``queryset`` as text (``ModelLogEntry.object_id`` is a text field)."""
    return queryset.annotate(pk_text=Cast("pk", CharField())).values("pk_text")


def visible_log_entries(user, entries):
    """``entries`` (log entries of one model, as Wagtail's site history queries them) without those
    of what ``user`` may not know of."""
    if entries.model is PageLogEntry:
        # Entries of existing pages are filtered by the page policy (``viewable_by_user``); those
        # of deleted pages are shown to whoever may add or edit at the root, whatever the page was.
        # A deleted PLG's visibility is gone: only curators (who know of every PLG) see its entries.
        if is_curator(user):
            return entries
        plg_type = ContentType.objects.get_for_model(PlgPage)
        deleted_plg = Q(content_type=plg_type) & ~Q(page_id__in=Page.objects.values("pk"))
        return entries.exclude(deleted_plg)
    if not hasattr(entries.model, "object_id"):
        return entries
    document_model = get_document_model()
    document_type = ContentType.objects.get_for_model(document_model)
    collection_type = ContentType.objects.get_for_model(Collection)
    visible_documents = documents_visible_to(user, document_model._default_manager.all())
    return entries.filter(
        ~Q(content_type=document_type) | Q(object_id__in=_as_text(visible_documents)),
        ~Q(content_type=collection_type, object_id__in=_as_text(collections_hidden_from(user))),
    )


class VisibleLogEntriesView(LogEntriesView):
    def filter_queryset(self, queryset):
        return visible_log_entries(self.request.user, super().filter_queryset(queryset))


chosen_multiple_view = admin_view(VisibleChosenMultipleView.as_view())
site_history_view = admin_view(VisibleLogEntriesView.as_view())
site_history_results_view = admin_view(VisibleLogEntriesView.as_view(results_only=True))
page_types_usage_view = admin_view(VisiblePageTypesUsageReportView.as_view())
page_types_usage_results_view = admin_view(VisiblePageTypesUsageReportView.as_view(results_only=True))

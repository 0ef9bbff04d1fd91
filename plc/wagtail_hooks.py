"""Wagtail integration of PLG spaces: who may see the PLG pages and download a PLG's documents."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from wagtail import hooks

from lernen25.permissions import allowed
from plc.models import PlgIndexPage, PlgPage


@hooks.register("before_serve_page")
def check_plg_page_permission(page, request, serve_args, serve_kwargs):
    """The directory and PLG pages are for signed-in people; a PLG they may not see is 404."""
    if not isinstance(page.specific_deferred, (PlgIndexPage, PlgPage)):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if isinstance(page.specific_deferred, PlgPage) and not allowed(request.user, "plc.view_plg", page.specific):
        raise Http404
    return None


@hooks.register("before_serve_document")
def check_document_permission(document, request):
    if not request.user.is_authenticated:
        # The link came by mail or was bookmarked: sign in first, then the rule applies.
        return redirect_to_login(request.get_full_path())
    # 404, not 403: a file of a closed PLG must not even reveal that it exists.
    if not allowed(request.user, "plc.download_document", document):
        raise Http404
    return None

"""Wagtail integration of PLG spaces: who may download a document, and the admin menu."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from wagtail import hooks

from plc.permissions import user_can


def document_visible_to(user, document) -> bool:
    """A PLG file: members (and, for open PLGs, every signed-in person); files of published
    results: the whole signed-in network. Documents outside PLGs: anyone signed in."""
    plg_file = getattr(document, "plg_file", None)
    if plg_file is None:
        return bool(user.is_authenticated)
    if not user.is_authenticated:
        return False
    if user_can(user, "view_content", plg_file.plg):
        return True
    return plg_file.results.exists()


@hooks.register("before_serve_document")
def check_document_permission(document, request):
    if not request.user.is_authenticated:
        # The link came by mail or was bookmarked: sign in first, then the check below applies.
        return redirect_to_login(request.get_full_path())
    # 404, not 403: a file of a closed PLG must not even reveal that it exists.
    if not document_visible_to(request.user, document):
        raise Http404

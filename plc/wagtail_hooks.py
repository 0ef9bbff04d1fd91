"""Wagtail integration of PLG spaces: who may see the PLG pages and documents, also in the admin."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from wagtail import hooks
from wagtail.admin.api.views import PagesAdminAPIViewSet
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet

from lernen25.permissions import allowed
from plc.models import PlgIndexPage, PlgPage
from plc.permissions import documents_visible_to, plgs_hidden_from


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


# --- The admin's choosers and API show no PLG, and no PLG file, that the person may not see -----
# People with admin access for other work (data protection, the school board) are not members of
# every closed PLG; Wagtail's page and document choosers and its admin API would list them.


@hooks.register("construct_page_chooser_queryset")
def hide_invisible_plgs_in_page_chooser(pages, request):
    return pages.exclude(pk__in=plgs_hidden_from(request.user).values("pk"))


@hooks.register("construct_document_chooser_queryset")
def hide_invisible_documents_in_chooser(documents, request):
    return documents_visible_to(request.user, documents)


class VisibleDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    def get_queryset(self):
        return documents_visible_to(self.request.user, super().get_queryset())


class VisiblePagesAdminAPIViewSet(PagesAdminAPIViewSet):
    def get_queryset(self):
        return super().get_queryset().exclude(pk__in=plgs_hidden_from(self.request.user).values("pk"))


@hooks.register("construct_admin_api", order=100)  # after Wagtail's own endpoints, which these replace
def register_visible_admin_api_endpoints(router):
    router.register_endpoint("documents", VisibleDocumentsAdminAPIViewSet)
    router.register_endpoint("pages", VisiblePagesAdminAPIViewSet)

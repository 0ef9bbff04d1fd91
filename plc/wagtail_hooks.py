"""Wagtail integration of PLG spaces: who may see the PLG pages and documents, also in the admin.

On the site, the ``before_serve_*`` hooks answer 404 for a PLG or a file the person may not see.
In the admin, everything that lists or shows pages and documents goes through two filters,
``visible_pages`` and ``visible_documents``, built on the querysets of ``plc.permissions``
(``plgs_hidden_from``, ``documents_visible_to``, ``collections_hidden_from``); no rule is decided
here. People with admin access for other work (data protection, the school board, anyone an
administrator puts into Wagtail's Editors or Moderators group) are not members of every closed PLG.

Where the filters apply:

- **Permission policies** (``register_permission_policy``): Wagtail asks the page policy for the
  pages a person may explore or act on, and the document policy for the documents and collections
  (explorer, page search, admin API, reports, site and page history, the documents' listing,
  chooser, upload forms and single-document views). Ours are Wagtail's, narrowed by the filters.
- **A page viewset for PLGs** (``PlgPageViewSet``): every admin view of one PLG (edit, history,
  usage, revisions, preview, move, copy, delete, workflow, exploring it) is 404 to those who may
  not know of it.
- **Hooks** for what the policies do not cover: the choosers, the explorer, the dashboard's
  panels, bulk actions (they list what they were given by id), and the edit links of usage
  listings (``register_admin_url_finder``).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.admin.admin_url_finder import finder_classes as admin_url_finders
from wagtail.admin.admin_url_finder import register_admin_url_finder
from wagtail.admin.api.views import PagesAdminAPIViewSet
from wagtail.admin.views import home
from wagtail.admin.views.pages import bulk_actions as page_bulk_actions
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.documents import get_document_model, get_document_model_string
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.documents.views import bulk_actions as document_bulk_actions
from wagtail.models import AbstractPage, Collection, Page
from wagtail.permission_policies.collections import (
    CollectionManagementPermissionPolicy,
    CollectionOwnershipPermissionPolicy,
)
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import register_permission_policy

from lernen25.permissions import allowed
from plc.models import PlgIndexPage, PlgPage
from plc.permissions import collections_hidden_from, documents_visible_to, plgs_hidden_from


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


# --- The two filters every admin listing goes through ----------------------------------------


def visible_pages(user, pages):
    """``pages`` (any page queryset) without the PLGs ``user`` may not know of."""
    return pages.exclude(pk__in=plgs_hidden_from(user).values("pk"))


def visible_documents(user, documents):
    """``documents`` without those ``user`` may not download.

    A filter on the primary key, not on the joins ``documents_visible_to`` uses: Wagtail's search
    backends (the choosers and listings search after this filter) can only filter on indexed fields.
    """
    everything = documents.model._default_manager.all()
    return documents.filter(pk__in=documents_visible_to(user, everything).values("pk"))


def visible_collections(user, collections):
    """``collections`` without those of the PLGs ``user`` may not know of (named after the PLG)."""
    return collections.exclude(pk__in=collections_hidden_from(user).values("pk"))


def is_hidden_page(user, page) -> bool:
    """Is ``page`` (any page instance, specific or not) a PLG ``user`` may not know of?"""
    if page.content_type_id != ContentType.objects.get_for_model(PlgPage).pk:
        return False
    return plgs_hidden_from(user).filter(pk=page.pk).exists()


def _hidden_pk(user, pk) -> bool:
    """Is the page with this primary key (from a URL) a PLG ``user`` may not know of?"""
    return plgs_hidden_from(user).filter(pk=pk).exists()


# --- Permission policies: Wagtail's, narrowed by the filters ------------------------------------


class PlgAwarePagePermissionPolicy(PagePermissionPolicy):
    """Wagtail's page policy; a PLG the person may not know of is outside every permission."""

    def instances_user_has_any_permission_for(self, user, actions):
        return visible_pages(user, super().instances_user_has_any_permission_for(user, actions))

    def explorable_instances(self, user):
        return visible_pages(user, super().explorable_instances(user))

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return not is_hidden_page(user, instance) and super().user_has_any_permission_for_instance(
            user, actions, instance
        )


class PlgAwareDocumentPermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Wagtail's document policy (as ``wagtail.documents.get_permission_policy`` makes it); a
    document the person may not download, and the collection of a PLG they may not know of, are
    outside every permission."""

    def instances_user_has_any_permission_for(self, user, actions):
        return visible_documents(user, super().instances_user_has_any_permission_for(user, actions))

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return allowed(user, "plc.download_document", instance) and super().user_has_any_permission_for_instance(
            user, actions, instance
        )

    def collections_user_has_any_permission_for(self, user, actions):
        return visible_collections(user, super().collections_user_has_any_permission_for(user, actions))


class PlgAwareCollectionPermissionPolicy(CollectionManagementPermissionPolicy):
    """Wagtail's policy for managing collections; the collection of a PLG the person may not know
    of (named after it) is outside every permission."""

    def instances_user_has_permission_for(self, user, action):
        return visible_collections(user, super().instances_user_has_permission_for(user, action))

    def instances_user_has_any_permission_for(self, user, actions):
        return visible_collections(user, super().instances_user_has_any_permission_for(user, actions))

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        hidden = collections_hidden_from(user).filter(pk=instance.pk).exists()
        return not hidden and super().user_has_any_permission_for_instance(user, actions, instance)


# Wagtail looks the policies up on every use. The page policy replaces the one ``wagtail.permissions``
# registered on import; the others are registered for the exact class, which wins over a policy
# registered for the class later (``wagtail.documents`` does in its ``ready()``, and the hooks may
# be loaded before that runs).
register_permission_policy(AbstractPage, PlgAwarePagePermissionPolicy())
register_permission_policy(
    get_document_model(),
    PlgAwareDocumentPermissionPolicy(
        get_document_model_string(), auth_model="wagtaildocs.Document", owner_field_name="uploaded_by_user"
    ),
    exact_class=True,
)
register_permission_policy(Collection, PlgAwareCollectionPermissionPolicy(Collection), exact_class=True)


# --- The admin views of one PLG -----------------------------------------------------------------

# The URL keywords that name the page a page view works on (or explores).
_PAGE_KWARGS = ("page_id", "pk", "page_to_move_id", "parent_page_id")


def _not_found_when_hidden(view):
    @wraps(view)
    def check(request, *args, **kwargs):
        for key in _PAGE_KWARGS:
            if key in kwargs and _hidden_pk(request.user, kwargs[key]):
                raise Http404
        return view(request, *args, **kwargs)

    return check


class PlgPageViewSet(PageViewSet):
    """Wagtail's page views for PLGs (Wagtail routes every view of one page by its type): 404 for
    a PLG the person may not know of, also when exploring it as a parent (it has no children)."""

    model = PlgPage

    @cached_property
    def parent_models(self):
        # Exploring the directory keeps Wagtail's listing (filtered by the policy and the
        # explorer hook); exploring a PLG itself comes here.
        return [PlgPage]

    def get_view_by_name(self, name):
        return _not_found_when_hidden(super().get_view_by_name(name))


@hooks.register("register_admin_viewset")
def register_plg_page_viewset():
    return PlgPageViewSet()


class PlgAwarePageAdminURLFinder:
    """Wagtail's edit link of a page (usage listings, site history), none for a PLG the person may
    not know of: the usage listings then show "(private PLC)" instead of its title."""

    def __init__(self, user=None):
        self.user = user

    def get_edit_url(self, instance):
        if self.user and (
            is_hidden_page(self.user, instance) or not instance.permissions_for_user(self.user).can_edit()
        ):
            return None
        return reverse("wagtailadmin_pages:edit", args=(instance.pk,))


# For PLGs, and for pages loaded as plain ``Page`` (the usage listings load them so); the exact
# class wins over Wagtail's own finder for ``Page``, whichever is registered last.
register_admin_url_finder(PlgPage, PlgAwarePageAdminURLFinder)
admin_url_finders.register(Page, value=PlgAwarePageAdminURLFinder, exact_class=True)


# --- Choosers, explorer and admin API -----------------------------------------------------------


@hooks.register("construct_page_chooser_queryset")
def hide_invisible_plgs_in_page_chooser(pages, request):
    # Browsing a hidden PLG's (empty) children would show its title as the parent: not found.
    match = request.resolver_match
    parent_id = match.kwargs.get("parent_page_id") if match else None
    if parent_id is not None and _hidden_pk(request.user, parent_id):
        raise Http404
    return visible_pages(request.user, pages)


@hooks.register("construct_explorer_page_queryset")
def hide_invisible_plgs_in_explorer(parent_page, pages, request):
    return visible_pages(request.user, pages)


@hooks.register("construct_document_chooser_queryset")
def hide_invisible_documents_in_chooser(documents, request):
    return visible_documents(request.user, documents)


class VisibleDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    def get_queryset(self):
        return visible_documents(self.request.user, super().get_queryset())


class VisiblePagesAdminAPIViewSet(PagesAdminAPIViewSet):
    def get_queryset(self):
        return visible_pages(self.request.user, super().get_queryset())


@hooks.register("construct_admin_api", order=100)  # after Wagtail's own endpoints, which these replace
def register_visible_admin_api_endpoints(router):
    router.register_endpoint("documents", VisibleDocumentsAdminAPIViewSet)
    router.register_endpoint("pages", VisiblePagesAdminAPIViewSet)


# --- The dashboard's panels ---------------------------------------------------------------------


def _without_hidden_pages(user, objects, key=lambda obj: obj):
    return [obj for obj in objects if not (isinstance(key(obj), Page) and is_hidden_page(user, key(obj)))]


class VisibleWorkflowObjectsToModeratePanel(home.WorkflowObjectsToModeratePanel):
    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context["states"] = _without_hidden_pages(context["request"].user, context["states"], lambda s: s["obj"])
        return context


class VisibleUserObjectsInWorkflowModerationPanel(home.UserObjectsInWorkflowModerationPanel):
    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = context["request"].user
        context["workflow_states"] = _without_hidden_pages(user, context["workflow_states"], lambda s: s.content_object)
        return context


class VisibleRecentEditsPanel(home.RecentEditsPanel):
    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context["last_edits"] = _without_hidden_pages(context["request"].user, context["last_edits"], lambda e: e[1])
        return context


class VisibleLockedPagesPanel(home.LockedPagesPanel):
    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context["locked_pages"] = visible_pages(context["request"].user, context["locked_pages"])
        return context


_VISIBLE_PANELS = {
    home.WorkflowObjectsToModeratePanel: VisibleWorkflowObjectsToModeratePanel,
    home.UserObjectsInWorkflowModerationPanel: VisibleUserObjectsInWorkflowModerationPanel,
    home.RecentEditsPanel: VisibleRecentEditsPanel,
    home.LockedPagesPanel: VisibleLockedPagesPanel,
}


@hooks.register("construct_homepage_panels")
def show_only_visible_pages_on_dashboard(request, panels):
    panels[:] = [_VISIBLE_PANELS[type(panel)]() if type(panel) in _VISIBLE_PANELS else panel for panel in panels]


# --- Bulk actions: they list every page or document named by id --------------------------------


class _ListsOnlyVisibleItems:
    """A bulk action shows what it was given by id, also what the person may not act on; it leaves
    out (and does not act on) what they may not know of. Nothing left: not found."""

    def _visible_pks(self, pks):
        user = self.request.user
        if issubclass(self.model, Page):
            items = visible_pages(user, Page.objects.filter(pk__in=pks))
        else:
            items = visible_documents(user, self.model._default_manager.filter(pk__in=pks))
        return set(items.values_list("pk", flat=True))

    def get_actionable_objects(self):
        objects, context = super().get_actionable_objects()

        def item_of(entry):
            return entry["item"] if isinstance(entry, dict) else entry

        lists = {key: value for key, value in context.items() if isinstance(value, list)}
        named = [item_of(entry) for entry in [*objects, *(entry for value in lists.values() for entry in value)]]
        visible = self._visible_pks([item.pk for item in named])
        if named and not visible:
            raise Http404
        objects = [obj for obj in objects if obj.pk in visible]
        for key, value in lists.items():
            context[key] = [entry for entry in value if item_of(entry).pk in visible]
        return objects, context


_BULK_ACTIONS = [
    page_bulk_actions.DeleteBulkAction,
    page_bulk_actions.MoveBulkAction,
    page_bulk_actions.PublishBulkAction,
    page_bulk_actions.UnpublishBulkAction,
    document_bulk_actions.AddTagsBulkAction,
    document_bulk_actions.AddToCollectionBulkAction,
    document_bulk_actions.DeleteBulkAction,
]

for _action in _BULK_ACTIONS:
    # Registered after Wagtail's (order 100): the registry keeps the last class per model and action.
    hooks.register("register_bulk_action", type(_action.__name__, (_ListsOnlyVisibleItems, _action), {}), order=100)

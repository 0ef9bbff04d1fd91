"""Wagtail admin screens of the core app: schools (with CSV import) and the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton, MenuItem
from wagtail.permissions import register_permission_policy

from lernen25 import audit, selectors, services
from lernen25.admin_policies import ActionPolicy
from lernen25.errors import Refused
from lernen25.forms import GrantFunctionForm, SchoolImportForm
from lernen25.models import AuditEvent, School, Subject
from lernen25.permissions import allowed, grantable_functions, require


class SchoolIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if allowed(self.request.user, "lernen25.import_schools"):
            buttons.append(HeaderButton(_("Import CSV"), url=reverse("schools:import"), icon_name="upload"))
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if allowed(self.request.user, "lernen25.view_people_school", instance):
            buttons.append(
                MenuItem(_("People"), url=reverse("schools:people", args=[instance.pk]), icon_name="group", priority=5)
            )
        return buttons


class SchoolViewSet(ModelViewSet):
    model = School
    icon = "home"
    menu_label = gettext_lazy("Schools")
    menu_order = 210
    add_to_admin_menu = True
    index_view_class = SchoolIndexView
    form_fields = ["number", "name", "school_type", "district", "street", "postal_code", "city", "pupils", "teachers"]
    list_display = ["name", "number", "school_type", "district", "pupils", "teachers"]
    list_filter = ["school_type", "district"]
    list_export = ["number", "name", "school_type", "district", "street", "postal_code", "city", "pupils", "teachers"]
    search_fields = ["name", "number"]
    # The ORM's icontains: Wagtail's database search backend fails on SQLite with fields= (wagtail#10217).
    search_backend_name = None
    ordering = ["name"]
    inspect_view_enabled = True

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", self.import_view, name="import"),
            path("<int:pk>/people/", self.people_view, name="people"),
        ]

    def people_view(self, request, pk: int):
        """A school's people in the admin: the same list, grants and services as the principal's page."""
        from django.http import Http404
        from django.shortcuts import get_object_or_404

        if pk > 2**63 - 1:  # beyond any primary key: not found rather than an overflow
            raise Http404
        school = get_object_or_404(School, pk=pk)
        try:
            require(request.user, "lernen25.view_people_school", school)
        except Refused as refusal:  # Wagtail's admin answers a refusal with a redirect and its message
            raise PermissionDenied(refusal.message) from None
        functions = grantable_functions(request.user, school)
        form = GrantFunctionForm(request.POST if request.method == "POST" else None, functions=functions)
        if request.method == "POST" and form.is_valid():
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
            if user is None:
                form.add_error("email", _("Nobody has signed up to Lernen 25 with this address yet."))
            else:
                try:
                    services.grant_function(
                        actor=request.user, user=user, school=school, function=form.cleaned_data["function"]
                    )
                except Refused as refusal:
                    form.add_error(None, refusal.message)
                else:
                    messages.success(
                        request, _("%(name)s has been granted the function.") % {"name": user.display_name}
                    )
                    return redirect("schools:people", pk=school.pk)
        return TemplateResponse(
            request,
            "lernen25/admin/school_people.html",
            {
                "school": school,
                "staff": selectors.staff_of(school)[:500],
                "pending": selectors.pending_confirmations_for(school),
                "grantable": functions,
                "may_decide": allowed(request.user, "lernen25.decide_confirmation", school),
                "form": form,
                "index_url": reverse(self.get_url_name("index")),
                "site_url": reverse("school_people", kwargs={"number": school.number}),
            },
            status=400 if form.errors else 200,
        )

    def import_view(self, request):
        """Upload a CSV; all rows are imported, or none and every bad row is listed."""
        try:
            require(request.user, "lernen25.import_schools")
        except Refused as refusal:  # Wagtail's admin answers a refusal with a redirect and its message
            raise PermissionDenied(refusal.message) from None
        errors = []
        if request.method == "POST":
            form = SchoolImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    result = services.import_schools(actor=request.user, data=upload.read(), filename=upload.name)
                except Refused as refusal:
                    form.add_error(None, refusal.message)
                    errors = refusal.details
                else:
                    messages.success(
                        request,
                        _("%(created)d schools created, %(updated)d updated.")
                        % {"created": result.created, "updated": result.updated},
                    )
                    return redirect(self.get_url_name("index"))
        else:
            form = SchoolImportForm()
        return TemplateResponse(
            request,
            "lernen25/admin/school_import.html",
            {"form": form, "row_errors": errors, "index_url": reverse(self.get_url_name("index"))},
            status=400 if form.errors else 200,
        )


class SubjectViewSet(ModelViewSet):
    model = Subject
    icon = "tag"
    menu_label = gettext_lazy("Subjects")
    add_to_settings_menu = True
    form_fields = ["name", "slug"]
    list_display = ["name", "slug"]
    search_fields = ["name"]


class ReadOnlyPolicy(ActionPolicy):
    """Viewing only, for everyone including superusers: nobody edits history."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)


class AuditEventIndexView(IndexView):
    def get_table(self, object_list):
        # Each event's sentence for the column, with one query for all the people the page names.
        described = audit.describe(object_list)
        for event, sentence in described:
            event.sentence = sentence
        return super().get_table([event for event, _sentence in described])


class AuditEventInspectView(InspectView):
    def get_page_subtitle(self):
        return audit.sentence(self.object)

    def get_field_label(self, field_name, field):
        if field_name == "sentence":
            return _("What happened")
        return super().get_field_label(field_name, field)

    def get_sentence_display_value(self):
        return audit.sentence(self.object)


class AuditEventViewSet(ModelViewSet):
    """Read-only list of what happened, each event as the sentence the change logs show; nobody
    edits history. The action's code stays in the details and the filter."""

    model = AuditEvent
    icon = "history"
    menu_label = gettext_lazy("Audit log")
    add_to_settings_menu = True
    index_view_class = AuditEventIndexView
    inspect_view_class = AuditEventInspectView
    list_display = ["created_at", Column("sentence", label=gettext_lazy("What happened"))]
    inspect_view_fields = ["created_at", "sentence", "action", "actor", "target_repr", "data"]
    list_filter = ["action"]
    search_fields = ["action", "target_repr"]
    ordering = ["-created_at"]
    inspect_view_enabled = True
    form_fields = ["action"]


register_permission_policy(AuditEvent, ReadOnlyPolicy(AuditEvent))
school_viewset = SchoolViewSet("schools")


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [school_viewset, SubjectViewSet("subjects"), AuditEventViewSet("audit")]


@hooks.register("insert_global_admin_css")
def platform_look():
    """The platform's typeface and colours on every admin page (frontend/static/css/admin.css)."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html(
        '<link rel="stylesheet" href="{}"><link rel="stylesheet" href="{}">',
        static("vendor/kern/fonts/fira-sans.css"),
        static("css/admin.css"),
    )

"""Wagtail admin screen of the sign-on app: the schools' OpenID Connect sign-ons.

Administrators only: the policy asks for the model permission ``sso.<action>_schoolsignon``
(which only superusers hold; ``setup_roles`` gives it to no group) and, like every power on
the platform, for a second factor (``Capability.SCHOOLS_MANAGE`` is withheld until then).
Every write goes through ``sso.services`` and is audited; the client secret is never shown.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from lernen25.admin_policies import ActionPolicy
from lernen25.errors import Refused
from sso import services
from sso.models import SchoolSignOn

FORM_FIELDS = [
    "school",
    "provider_id",
    "name",
    "server_url",
    "client_id",
    "secret",
    "scopes",
    "teacher_claim",
    "teacher_values",
    "enabled",
]


class AdministratorsOnlyPolicy(ActionPolicy):
    """The model permission, and only while the powers count (superuser with a second factor)."""

    def user_has_permission(self, user, action):
        return services.may_manage(user, "change") and super().user_has_permission(user, action)


class SchoolSignOnForm(WagtailAdminModelForm):
    """The secret is a password field that is never filled in; left empty, it keeps the stored one."""

    secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        strip=False,
        max_length=191,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = SchoolSignOn
        fields = FORM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["provider_id"].disabled = True
            self.fields["provider_id"].help_text = _("The provider ID cannot be changed.")
            self.fields["secret"].help_text = _("Stored and not shown. Leave empty to keep it.")
        else:
            self.fields["secret"].help_text = _("From the issuer's client registration.")

    def clean_secret(self):
        secret = self.cleaned_data.get("secret") or ""
        if secret:
            return secret
        if self.instance.pk:
            return SchoolSignOn.objects.values_list("secret", flat=True).get(pk=self.instance.pk)
        raise forms.ValidationError(_("Enter the client secret."), code="required")


class _RefusalAsFormError:
    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except Refused as refusal:
            form.add_error(None, str(refusal.message))
            return self.form_invalid(form)


class SchoolSignOnCreateView(_RefusalAsFormError, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.create_signon(actor=self.request.user, **{field: data[field] for field in FORM_FIELDS})


class SchoolSignOnEditView(_RefusalAsFormError, generic.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        changes = {field: data[field] for field in FORM_FIELDS if field != "provider_id"}
        return services.change_signon(actor=self.request.user, signon=self.object, **changes)


class SchoolSignOnDeleteView(generic.DeleteView):
    def delete_action(self):
        services.delete_signon(actor=self.request.user, signon=self.object)


class SchoolSignOnViewSet(ModelViewSet):
    model = SchoolSignOn
    icon = "key"
    menu_label = _("School sign-ons")
    add_to_settings_menu = True
    add_view_class = SchoolSignOnCreateView
    edit_view_class = SchoolSignOnEditView
    delete_view_class = SchoolSignOnDeleteView
    copy_view_enabled = False  # a copy would carry the secret and clash on the provider ID
    inspect_view_enabled = False
    list_display = ["name", "school", "provider_id", "server_url", "enabled"]
    list_filter = ["enabled"]
    search_fields = ["name", "provider_id", "school__name", "school__number"]
    ordering = ["school__name", "provider_id"]

    def get_form_class(self, for_update=False):
        return SchoolSignOnForm


register_permission_policy(SchoolSignOn, AdministratorsOnlyPolicy(SchoolSignOn))


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [SchoolSignOnViewSet("school_sign_ons")]

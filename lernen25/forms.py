"""Input forms of the core app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lernen25.models import School, Subject


class SignupProfileForm(forms.Form):
    """Extra fields on allauth's sign-up form (``ACCOUNT_SIGNUP_FORM_CLASS``)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    school = forms.ModelChoiceField(
        label=_("Your school"),
        queryset=School.objects.order_by("name"),
        required=False,
        empty_label=_("– choose later –"),
        help_text=_("You can add more schools in your profile afterwards."),
    )

    def signup(self, request, user) -> None:
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])
        if self.cleaned_data.get("school"):
            user.profile.schools.add(self.cleaned_data["school"])


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=100,
        required=False,
        help_text=_("How others see you in the network. Leave empty to use your first and last name."),
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Schools"),
        queryset=School.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Tap to select on an iPad; on a computer hold Ctrl or ⌘ to select several."),
    )
    subjects = forms.ModelMultipleChoiceField(
        label=_("Subjects"),
        queryset=Subject.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    email_notifications = forms.BooleanField(
        label=_("Also receive notifications by email"),
        required=False,
    )
    mention_digest = forms.BooleanField(
        label=_("Daily e-mail digest of mentions"),
        required=False,
        help_text=_("Once a day, an e-mail lists where you were mentioned (@name) in your PLCs' discussions."),
    )


class SchoolImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: schulnummer, name, schulform, stadtbezirk, strasse, plz, ort, schueler, lehrkraefte "
            "(separated by semicolons or commas, UTF-8)."
        ),
    )

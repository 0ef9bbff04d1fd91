"""Input forms of the core app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lernen25.models import School, Subject


class SignupProfileForm(forms.Form):
    """Extra fields on allauth's sign-up form (``ACCOUNT_SIGNUP_FORM_CLASS``)."""

    first_name = forms.CharField(label=_("Vorname"), max_length=150)
    last_name = forms.CharField(label=_("Nachname"), max_length=150)
    school = forms.ModelChoiceField(
        label=_("Ihre Schule"),
        queryset=School.objects.order_by("name"),
        required=False,
        empty_label=_("– später wählen –"),
        help_text=_("Weitere Schulen können Sie danach in Ihrem Profil angeben."),
    )

    def signup(self, request, user) -> None:
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])
        if self.cleaned_data.get("school"):
            user.profile.schools.add(self.cleaned_data["school"])


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Anzeigename"),
        max_length=100,
        required=False,
        help_text=_("So sehen andere Sie im Netzwerk. Leer lassen: Vor- und Nachname."),
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Schulen"),
        queryset=School.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Mehrfachauswahl mit Strg bzw. ⌘."),
    )
    subjects = forms.ModelMultipleChoiceField(
        label=_("Fächer"),
        queryset=Subject.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    email_notifications = forms.BooleanField(
        label=_("Benachrichtigungen auch per E-Mail erhalten"),
        required=False,
    )


class SchoolImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV-Datei"),
        help_text=_(
            "Spalten: schulnummer, name, schulform, stadtbezirk, strasse, plz, ort, schueler, lehrkraefte "
            "(Trennzeichen Semikolon oder Komma, UTF-8)."
        ),
    )

"""Input forms of the core app."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from lernen25.models import School, SchoolFunction, Subject


class SignupProfileForm(forms.Form):
    """Extra fields on allauth's sign-up form (``ACCOUNT_SIGNUP_FORM_CLASS``)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    school = forms.ModelChoiceField(
        label=_("Your school"),
        queryset=School.objects.order_by("name"),
        required=False,
        empty_label=_("– choose later –"),
        help_text=_(
            "Your school's principal is asked to confirm you as a teacher. Until then you can read "
            "what is open to everyone. With your school's e-mail address this may happen automatically."
        ),
    )

    def signup(self, request, user) -> None:
        from lernen25.services import request_confirmation

        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])
        if self.cleaned_data.get("school"):
            # Asking is all a sign-up can do: the school decides (lernen25.services.affiliations).
            request_confirmation(actor=user, school=self.cleaned_data["school"])


class _LanguageField(forms.TypedChoiceField):
    """Shown as required (one language is always checked); a post without it keeps the profile's language."""

    def validate(self, value):
        if value not in self.empty_values:
            super().validate(value)


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=100,
        required=False,
        help_text=_("How others see you in the network. Leave empty to use your first and last name."),
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
    language = _LanguageField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        empty_value=None,  # ``update_profile`` keeps the language it has
        initial=settings.LANGUAGE_CODE,
        widget=forms.RadioSelect,
        help_text=_("Your e-mails and notifications are written in this language; the site switches to it, too."),
    )


class SchoolImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: schulnummer, name, schulform, stadtbezirk, strasse, plz, ort, schueler, lehrkraefte "
            "(separated by semicolons or commas, UTF-8)."
        ),
    )


class ConfirmationRequestForm(forms.Form):
    """A person asks a school to confirm them as a teacher there."""

    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.order_by("name"))
    message = forms.CharField(
        label=_("Message to the principal"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional, e.g. your subjects or since when you teach there."),
    )


class GrantFunctionForm(forms.Form):
    """A principal (or the SMZ for principals) gives a function to a colleague with an account."""

    email = forms.EmailField(
        label=_("E-mail address of the colleague"),
        help_text=_("The colleague must have signed up to Lernen 25 with this address."),
    )
    function = forms.ChoiceField(label=_("Function"), choices=SchoolFunction.choices)

    def __init__(self, *args, functions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if functions is not None:
            self.fields["function"].choices = [
                (value, label) for value, label in SchoolFunction.choices if value in functions
            ]


class EmailDomainForm(forms.Form):
    domain = forms.CharField(
        label=_("Staff e-mail domain"),
        max_length=253,
        required=False,
        help_text=_(
            "E.g. schule-xyz.de. Whoever verifies an address in this domain is confirmed as a teacher "
            "of your school automatically. Leave empty to switch this off."
        ),
    )

"""Input forms of PLG spaces. They parse and validate; services decide and write."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lernen25.errors import Refused
from lernen25.fields import DateField, DateTimeField
from lernen25.models import Competence, GradeLevel, School, Subject
from plc.models import PlgFile, PlgKind, PlgPage, PlgStatus, Visibility
from plc.services.material import require_https_link

User = get_user_model()


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PlgFilter(django_filters.FilterSet):
    """The directory's filters; unknown values are ignored rather than errors."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=PlgKind.choices, empty_label=_("All kinds"))
    subject = django_filters.ModelChoiceFilter(
        label=_("Subject"), field_name="subjects", queryset=Subject.objects.all(), empty_label=_("All subjects")
    )
    grade = django_filters.ModelChoiceFilter(
        label=_("Grade"), field_name="grade_levels", queryset=GradeLevel.objects.all(), empty_label=_("All grades")
    )
    competence = django_filters.ModelChoiceFilter(
        label=_("Media competence"),
        field_name="competences",
        queryset=Competence.objects.all(),
        empty_label=_("All competences"),
    )
    school = django_filters.ModelChoiceFilter(
        label=_("School"), field_name="schools", queryset=School.objects.all(), empty_label=_("All schools")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PlgStatus.choices, empty_label=_("All statuses"))

    class Meta:
        model = PlgPage
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(goals__icontains=value))

    @property
    def qs(self):
        # M2M filters join rows; one PLG must still appear once.
        return super().qs.distinct()


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the leads"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why would you like to join? At most 1000 characters."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The requester will read it."),
    )


class PersonField(forms.CharField):
    """A person given by e-mail address or by name; resolves to a user or an address."""

    def clean(self, value):
        value = super().clean(value).strip()
        if "@" in value:
            forms.EmailField().clean(value)
            return {"email": value.lower(), "user": User.objects.filter(email__iexact=value, is_active=True).first()}
        words = value.split()
        matches = User.objects.filter(is_active=True)
        for word in words:
            matches = matches.filter(
                Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(profile__display_name__icontains=word)
            )
        found = list(matches.distinct()[:2])
        if not found:
            raise forms.ValidationError(_("Nobody of that name has an account; enter their e-mail address instead."))
        if len(found) > 1:
            raise forms.ValidationError(_("Several people match this name; please enter the e-mail address."))
        return {"email": found[0].email, "user": found[0]}


class InviteForm(forms.Form):
    person = PersonField(
        label=_("Name or e-mail address"),
        max_length=254,
        help_text=_("People without an account get an e-mail inviting them to sign up."),
    )


class LeadForm(forms.Form):
    person = PersonField(label=_("Name or e-mail address of the new lead"), max_length=254)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("PDF, office documents, images or text; at most 20 MB."))
    title = forms.CharField(label=_("Title"), max_length=255, required=False)


class LinkForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    url = forms.CharField(label=_("Address (URL)"), max_length=500, help_text=_("Starting with https://"))

    def clean_url(self) -> str:
        # The service's rule (https:// only), so that the hint, the form and the service agree.
        url = self.cleaned_data["url"].strip()
        try:
            require_https_link(url)
        except Refused as refusal:
            raise forms.ValidationError(refusal.message, code="invalid") from None
        return url


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = DateTimeField(label=_("Starts"), widget=DateTimeInput())
    ends_at = DateTimeField(label=_("Ends"), widget=DateTimeInput())
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_url = forms.URLField(label=_("Video link"), max_length=500, required=False, assume_scheme="https")
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ResultForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    tried = forms.CharField(label=_("What was tried"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    worked = forms.CharField(label=_("What worked"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    materials = forms.ModelMultipleChoiceField(
        label=_("Materials"),
        queryset=PlgFile.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Published files become visible to the whole network."),
    )

    def __init__(self, *args, plg: PlgPage, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["materials"].queryset = PlgFile.objects.filter(plg=plg).select_related("document")
        self.fields["materials"].label_from_instance = lambda plg_file: plg_file.document.title


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PlgStatus.choices)


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices, widget=forms.RadioSelect)


class CreatePlgForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=PlgKind.choices)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices, widget=forms.RadioSelect)
    goals = forms.CharField(label=_("Goals"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    lead = PersonField(label=_("Lead (name or e-mail address)"), max_length=254)
    subjects = forms.ModelMultipleChoiceField(
        label=_("Subjects"), queryset=Subject.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    start_date = DateField(label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end_date = DateField(label=_("End"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_lead(self):
        person = self.cleaned_data["lead"]
        if person["user"] is None:
            raise forms.ValidationError(_("The lead needs an account on Lernen 25."))
        return person["user"]


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=PlgKind.choices)
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Visibility.choices, initial=Visibility.OPEN, widget=forms.RadioSelect
    )
    goals = forms.CharField(
        label=_("Goals"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What do you want to develop or try, with whom, and how will others learn from it?"),
    )
    subjects = forms.ModelMultipleChoiceField(
        label=_("Subjects"), queryset=Subject.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The proposer reads it."),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("**bold**, _italic_, lists with -, [links](https://…), `code`; @Name mentions a member."),
    )


class TopicForm(MessageForm):
    title = forms.CharField(label=_("Title of the topic"), max_length=200)
    field_order = ["title", "body"]

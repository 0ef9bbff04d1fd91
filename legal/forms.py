"""The feedback form of the accessibility statement (BITV 2.0: a barrier can be reported by anyone)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from legal.models import BarrierReport

DESCRIPTION_MAX = 5000


class BarrierReportForm(forms.ModelForm):
    # Honeypot: a field people never see (hidden by the template, out of the tab order); a bot that
    # fills in every field is answered like a person, and nothing is sent (legal.views).
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)

    class Meta:
        model = BarrierReport
        fields = ["page_address", "description", "name", "email"]
        labels = {
            "page_address": _("Where did you meet the barrier?"),
            "description": _("What is the barrier?"),
            "name": _("Your name"),
            "email": _("Your email address"),
        }
        help_texts = {
            "page_address": _("The address or the name of the page, for example “PLC directory”."),
            "description": _(
                "Describe what you tried to do and what did not work, and which aids you use if you like "
                "(for example a screen reader or zoom). At most 5,000 characters."
            ),
            "email": _("Only if you would like an answer. We use it for nothing else."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        error_messages = {
            "description": {"required": _("Please describe the barrier.")},
            "email": {"invalid": _("Please enter a valid email address, or leave the field empty.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].max_length = DESCRIPTION_MAX
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].strip()
        if not description:
            raise forms.ValidationError(_("Please describe the barrier."), code="required")
        return description

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

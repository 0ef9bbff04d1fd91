"""The living style guide (``/komponenten/``): every component the site uses, on one page, for staff.

Sample content only, nothing from the database: the browser tests run axe on it and compare its
screenshots with committed baselines in both languages (tests/browser/test_styleguide.py), so a
change that breaks a component shows there before it shows on a real page.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from django import forms
from django.apps import apps
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lernen25.http import requires


class SampleForm(forms.Form):
    """One field of every kind our forms use, bound with mistakes to show the error states."""

    title = forms.CharField(label=_("Title"), max_length=200, help_text=_("At most 200 characters."))
    email = forms.EmailField(label=_("E-mail address"))
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", "—"), ("a", _("Lesson-development project")), ("b", _("Subject group"))]
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        widget=forms.RadioSelect,
        choices=[("open", _("Open")), ("closed", _("Closed"))],
        initial="open",
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    agree = forms.BooleanField(
        label=_("E-mail notifications"),
        help_text=_("Once a day an e-mail lists where you were mentioned in the discussions of your PLCs (@name)."),
        required=False,
    )


def _sample_message(pk: int, author: str, body: str, **extra) -> SimpleNamespace:
    return SimpleNamespace(
        pk=pk,
        plg_id=1,
        topic_id=1,
        seq=pk,
        state=extra.get("state", "visible"),
        author=SimpleNamespace(display_name=author),
        author_id=pk,
        created_at=timezone.make_aware(datetime(2026, 11, 30, 9, pk * 5)),  # fixed: screenshots compare
        body_html=body,
        reply_to_id=None,
        viewer_may={"edit": True, "delete": True, "hide": True},
    )


@requires("lernen25.view_styleguide")
def styleguide_view(request):
    errors = SampleForm({"title": "", "email": "keine-adresse", "kind": "", "visibility": "open"})
    errors.is_valid()
    rows = [(_("Primary schools"), 112, 3612), (_("Secondary schools"), 58, 2085), (_("Vocational colleges"), 12, 603)]
    context = {
        "empty_form": SampleForm(auto_id="empty_%s"),
        "error_form": errors,
        "page_obj": Paginator(range(100), 10).page(3),
        "rows": rows,
        "messages_sample": [
            _sample_message(1, "Anna Lehmann", "<p>Wie klappt es bei Ihnen mit <strong>GeoGebra</strong>?</p>"),
            _sample_message(2, "Stefan Demir", "<p>Gut, danke!</p>", state="edited"),
        ],
        # The discussion's own partial exists only with the PLG app installed (the core runs without it).
        "discussion": apps.is_installed("plc"),
    }
    return render(request, "lernen25/styleguide.html", context)

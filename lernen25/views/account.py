"""HTTP views of the core app: thin glue between forms, selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lernen25 import selectors, services
from lernen25.errors import Refused
from lernen25.forms import ConfirmationRequestForm, ProfileForm
from lernen25.middleware import set_language_cookie


@login_required
def profile_view(request):
    """Show and change the signed-in person's own profile."""
    profile = request.user.profile
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.update_profile(actor=request.user, profile=profile, **form.cleaned_data)
            except Refused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, _("Your profile has been saved."))
                response = redirect("profile")
                # The chosen language is the interface's, too: the cookie the language switch sets.
                set_language_cookie(response, profile.language)
                return response
    else:
        form = None
    return _profile_page(request, form=form, status=400 if form is not None and form.errors else 200)


def _profile_page(request, *, form=None, confirmation_form=None, status: int = 200):
    profile = request.user.profile
    if form is None:
        form = ProfileForm(
            initial={
                "display_name": profile.display_name,
                "subjects": profile.subjects.all(),
                "email_notifications": profile.email_notifications,
                "mention_digest": profile.mention_digest,
                "language": profile.language,
            }
        )
    return render(
        request,
        "lernen25/profile.html",
        {
            "form": form,
            "profile": profile,
            "functions": selectors.functions_of(request.user),
            "confirmation_requests": selectors.confirmation_requests_of(request.user)[:10],
            "confirmation_form": confirmation_form or ConfirmationRequestForm(prefix="confirm"),
            "managed_schools": selectors.schools_managed_by(request.user)[:20],
        },
        status=status,
    )


@login_required
@require_POST
def request_confirmation_view(request):
    """Ask a school to confirm the person as a teacher there."""
    form = ConfirmationRequestForm(request.POST, prefix="confirm")
    if form.is_valid():
        try:
            services.request_confirmation(
                actor=request.user, school=form.cleaned_data["school"], message=form.cleaned_data["message"]
            )
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request,
                _("Your request has been sent to %(school)s. You will be notified of the decision.")
                % {"school": form.cleaned_data["school"].name},
            )
            return redirect("profile")
    return _profile_page(request, confirmation_form=form, status=400)


@login_required
def notifications_view(request):
    """The person's notifications, with what the apps add above them (open invitations); POST marks them all read."""
    from django.core.paginator import Paginator

    from lernen25.notifications import mark_read
    from lernen25.registry import notification_panels

    if request.method == "POST":
        count = mark_read(user=request.user)
        if count:
            messages.success(request, _("All notifications are marked as read."))
        return redirect("notifications")
    notifications = request.user.notifications.select_related("actor__profile")
    page_obj = Paginator(notifications, 25).get_page(request.GET.get("seite"))
    return render(
        request,
        "lernen25/notifications.html",
        {"page_obj": page_obj, "panels": notification_panels.for_user(request.user)},
    )

"""A school's people: the principal's page (the SMZ and administrators for any school).

Who may open it is ``lernen25.view_people_school`` (lernen25/permissions.py); what the actor may
grant, revoke and decide is asked of the same predicates the services check, so the page offers
only what the services will do.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lernen25 import selectors, services
from lernen25.errors import Refused
from lernen25.forms import EmailDomainForm, GrantFunctionForm
from lernen25.http import confirm_page
from lernen25.models import Affiliation, ConfirmationRequest, School
from lernen25.permissions import allowed, grantable_functions, require


def _school_for(request, number: str) -> School:
    """The school, if the user may see its people: 404 for an unknown number, else 403 (the rule's page)."""
    school = get_object_or_404(School, number=number)
    require(request.user, "lernen25.view_people_school", school)
    return school


def _back(request, school: School):
    """Back to where the action started: the admin's screen (a safe ``next``) or the people page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("school_people", number=school.number)


def _page(request, school: School, *, grant_form=None, domain_form=None, status: int = 200):
    functions = grantable_functions(request.user, school)
    return render(
        request,
        "lernen25/school_people.html",
        {
            "school": school,
            "staff": Paginator(selectors.staff_of(school), 50).get_page(request.GET.get("seite")),
            "history": selectors.staff_history_of(school),
            "pending": selectors.pending_confirmations_for(school),
            "grantable": functions,
            "may_decide": allowed(request.user, "lernen25.decide_confirmation", school),
            "may_set_domain": allowed(request.user, "lernen25.set_staff_domain", school),
            "grant_form": grant_form or GrantFunctionForm(functions=functions),
            "domain_form": domain_form or EmailDomainForm(initial={"domain": school.staff_email_domain}),
        },
        status=status,
    )


@login_required
def school_people_view(request, number: str):
    """The school's people with their functions, open confirmation requests and the e-mail domain."""
    return _page(request, _school_for(request, number))


@login_required
@require_POST
def school_grant_view(request, number: str):
    """Give a colleague (found by e-mail address) a function at the school."""
    school = _school_for(request, number)
    functions = grantable_functions(request.user, school)
    form = GrantFunctionForm(request.POST, functions=functions)
    if form.is_valid():
        user = get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if user is None:
            form.add_error("email", _("Nobody has signed up to Lernen 25 with this address yet."))
        else:
            try:
                affiliation = services.grant_function(
                    actor=request.user, user=user, school=school, function=form.cleaned_data["function"]
                )
            except Refused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(
                    request,
                    _("%(name)s is now %(function)s at %(school)s.")
                    % {
                        "name": user.display_name,
                        "function": affiliation.get_function_display(),
                        "school": school.name,
                    },
                )
                return redirect("school_people", number=school.number)
    return _page(request, school, grant_form=form, status=400)


@login_required
def school_revoke_view(request, number: str, pk: int):
    """Confirm, then end a function; the person is notified."""
    school = _school_for(request, number)
    affiliation = get_object_or_404(Affiliation.objects.active().select_related("user__profile"), pk=pk, school=school)
    require(request.user, "lernen25.revoke_function", affiliation)
    if request.method == "POST":
        try:
            services.revoke_function(actor=request.user, affiliation=affiliation)
        except Refused as refusal:
            messages.error(request, refusal.message)
            return _back(request, school)
        messages.success(
            request,
            _("The function %(function)s of %(name)s has ended.")
            % {"function": affiliation.get_function_display(), "name": affiliation.user.display_name},
        )
        return _back(request, school)
    return confirm_page(
        request,
        title=_("End a function"),
        text=_("End the function %(function)s of %(name)s at %(school)s? %(name)s will be notified.")
        % {
            "function": affiliation.get_function_display(),
            "name": affiliation.user.display_name,
            "school": school.name,
        },
        button=_("End function"),
        hidden={"next": request.GET["next"]} if request.GET.get("next") else {},
        back=reverse("school_people", kwargs={"number": school.number}),
    )


@login_required
@require_POST
def school_decide_view(request, number: str, pk: int):
    """Confirm or decline a person's request to be confirmed as a teacher of the school."""
    school = _school_for(request, number)
    confirmation = get_object_or_404(ConfirmationRequest.objects.select_related("user__profile"), pk=pk, school=school)
    require(request.user, "lernen25.decide_confirmation", school)
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        messages.error(request, _("Please choose to confirm or to decline."))
        return _back(request, school)
    try:
        services.decide_confirmation(actor=request.user, confirmation=confirmation, accept=decision == "accept")
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        name = confirmation.user.display_name
        if decision == "accept":
            messages.success(request, _("%(name)s is confirmed as a teacher of your school.") % {"name": name})
        else:
            messages.success(request, _("The request of %(name)s has been declined.") % {"name": name})
    return _back(request, school)


@login_required
@require_POST
def school_domain_view(request, number: str):
    """Register or remove the school's staff e-mail domain."""
    school = _school_for(request, number)
    form = EmailDomainForm(request.POST)
    if form.is_valid():
        try:
            services.set_staff_email_domain(actor=request.user, school=school, domain=form.cleaned_data["domain"])
        except Refused as refusal:
            form.add_error("domain", refusal.message)
        else:
            if school.staff_email_domain:
                messages.success(
                    request,
                    _("Verified addresses in %(domain)s are now confirmed as teachers of your school.")
                    % {"domain": school.staff_email_domain},
                )
            else:
                messages.success(request, _("No e-mail domain confirms teachers of your school any more."))
            return redirect("school_people", number=school.number)
    return _page(request, school, domain_form=form, status=400)

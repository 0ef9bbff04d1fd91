"""What the PLG action views share: the loader that declares the rule, and the answers."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect

from lernen25.http import confirm_page, with_retry_after
from lernen25.permissions import allowed, require
from plc import permissions
from plc.models import PlgPage
from plc.pages import render_plg


def plg_action(rule: str | None = None):
    """Load the PLG the signed-in person may see (else 404), then require ``rule`` on it.

    A refusal, raised here or by the service, re-renders the PLG's page with the message and its
    4xx status (``request.render_refusal``, used by ``lernen25.http.RefusedMiddleware``), so the
    person sees what went wrong where they were.
    """

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, pk, *args, **kwargs):
            plg = get_object_or_404(permissions.plgs_visible_to(request.user).specific(), pk=pk)
            request.render_refusal = lambda refusal: render_plg(
                request, plg, status=refusal.status, error=str(refusal.message)
            )
            if rule is not None:
                require(request.user, rule, plg)
            return view(request, plg, *args, **kwargs)

        return wrapper

    return decorate


def plg_item(request, plg: PlgPage, queryset, **lookup):
    """A thing inside the PLG (a member, request, invitation, meeting, file, link, topic, message).

    Whoever may not see the PLG's content (``plc.view_content_plg``) gets the same 404 whether the
    thing exists or not, before any rule about the thing is asked: a 403 for a real id and a 404 for
    an invented one would tell an outsider who is a member and which meetings, files and messages
    exist. Those who see the content see these things anyway.
    """
    if not allowed(request.user, "plc.view_content_plg", plg):
        raise Http404
    return get_object_or_404(queryset, plg=plg, **lookup)


def done(request, plg: PlgPage, message: str, anchor: str = ""):
    messages.success(request, message)
    return redirect(plg.url + (f"#{anchor}" if anchor else ""))


def confirmed(request, plg: PlgPage, *, title: str, text: str, button: str, perform, done_message: str, anchor=""):
    """GET shows the confirmation page; POST performs the action and goes back to the PLG."""
    if request.method != "POST":
        return confirm_page(request, title=title, text=text, button=button, back=plg.url, plg=plg)
    perform()
    return done(request, plg, done_message, anchor)


def form_error(request, plg: PlgPage, name: str, form):
    return render_plg(request, plg, status=400, **{name: form})


def refused_in_form(request, plg: PlgPage, name: str, form, refusal):
    """The service refused what the form asked: show its message on the form, with the 4xx status."""
    from lernen25.errors import RefusalKind

    if refusal.kind == RefusalKind.NOT_FOUND:
        raise refusal
    form.add_error(None, str(refusal.message))
    return with_retry_after(render_plg(request, plg, status=refusal.status, **{name: form}), refusal)

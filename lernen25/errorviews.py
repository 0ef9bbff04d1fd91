"""Error pages in the site's layout and language. 500 renders without context processors."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from lernen25.mfa import setup_url
from lernen25.roles import mfa_pending


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    context = {"reason": str(exception or "")}
    if mfa_pending(getattr(request, "user", None)):
        # The role's powers wait for a second factor: say so, and where to set it up.
        context.update(mfa_pending=True, mfa_explained=True, mfa_setup_url=setup_url())
    return render(request, "errors/403.html", context, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return HttpResponseServerError(loader.get_template("errors/500.html").render())

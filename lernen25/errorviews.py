"""Error pages in the site's layout and language. 500 renders without context processors."""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from lernen25 import registry
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
    """The 404 page; for a guest inside a sign-in area the sign-in, as for the pages that exist there.

    Otherwise a guest could tell a closed PLG's or a file's URL (sign in first) from an invented one (404).
    """
    user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated and _in_sign_in_area(request.path):
        return redirect_to_login(request.get_full_path())
    return render(request, "errors/404.html", status=404)


def _in_sign_in_area(path: str) -> bool:
    for area in registry.sign_in_areas:
        prefix = area.prefix()
        if prefix and path.startswith(prefix):
            return True
    return False


def server_error(request):
    return HttpResponseServerError(loader.get_template("errors/500.html").render())

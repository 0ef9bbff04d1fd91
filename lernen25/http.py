"""What every view shares: refusals become pages in one place, one confirmation page.

A service or a view raises ``Refused`` (``lernen25.errors``); ``RefusedMiddleware`` turns it
into the answer: 404 for "may not even know it exists", the 403 page with the German reason,
and a 409/400 page with the message for conflicts and invalid input. A view that can show the
refusal in its own context (the PLG page re-rendered with the message) sets
``request.render_refusal`` to a function ``(refusal) -> response``; the middleware uses it.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from lernen25.errors import RefusalKind, Refused
from lernen25.permissions import require


def refusal_response(request, refusal: Refused):
    """The page for a refusal (the 404 page when the thing must stay unknown)."""
    from lernen25 import errorviews

    if refusal.kind == RefusalKind.NOT_FOUND:
        return errorviews.page_not_found(request, Http404())
    custom = getattr(request, "render_refusal", None)
    if custom is not None:
        return with_retry_after(custom(refusal), refusal)
    if refusal.kind == RefusalKind.FORBIDDEN:
        return errorviews.permission_denied(request, refusal.message)
    response = render(
        request,
        "errors/refused.html",
        {"reason": str(refusal.message), "details": refusal.details, "back": _safe_referer(request)},
        status=refusal.status,
    )
    return with_retry_after(response, refusal)


def with_retry_after(response, refusal: Refused):
    """A 429 tells the client when to try again (RFC 9110, Retry-After in seconds)."""
    if refusal.retry_after is not None:
        response["Retry-After"] = str(refusal.retry_after)
    return response


def _safe_referer(request) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    safe = url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=request.is_secure())
    return referer if safe else ""


class RefusedMiddleware:
    """Turn a ``Refused`` that a view did not handle into its page (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Refused):
            return refusal_response(request, exception)
        return None


def requires(name: str, obj_from=None):
    """Declare the rule a view needs: guests are sent to sign in, the refused get the rule's page.

    ``obj_from(request, **kwargs)`` loads the object the rule is about (it may raise Http404).
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            obj = obj_from(request, **kwargs) if obj_from is not None else None
            require(request.user, name, obj)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def confirm_page(request, *, title, text, button, back: str, hidden: dict | None = None, danger: bool = True, **extra):
    """The confirmation page of a destructive action: GET shows it, its form posts to the same URL."""
    context = {"title": title, "text": text, "button": button, "back": back, "hidden": hidden or {}, "danger": danger}
    return render(request, "confirm.html", {**context, **extra})

"""Who may use the admin areas, and the refusal in the site's layout for everyone else.

Wagtail decides in ``wagtail.admin.auth.require_admin_access``: a signed-in person without
``wagtailadmin.access_admin`` gets the message "You do not have permission to access the admin"
and a redirect to ``WAGTAILADMIN_LOGIN_URL``, a second sign-in form for someone already signed in
(Django's admin does the same for non-staff). Our login URL is allauth's, which sends a signed-in
person back to ``next``: a loop. ``AdminAccessMiddleware`` answers such a person before the admin
sees the request, with the site's 403 page, saying which roles the admin is for and linking home.

Guests pass untouched (Wagtail sends them to the site's sign-in, ``lernen25.mfa.sign_in_door``);
so does everyone whom the admin would let in, among them the powerful still without a second
factor, whom ``lernen25.mfa.MfaGateMiddleware`` (after this one) refuses with its own explanation.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from lernen25.mfa import setup_url
from lernen25.roles import GROUP_NAMES, ROLE_MODEL_PERMISSIONS, mfa_pending

WAGTAIL_ADMIN_PREFIX = "/admin/"
DJANGO_ADMIN_PREFIX = "/django-admin/"
ADMIN_ACCESS_PERMISSION = "wagtailadmin.access_admin"


def admin_roles() -> list[str]:
    """The names of the city-wide roles (groups) whose permissions open Wagtail's admin."""
    return [
        GROUP_NAMES[role]
        for role, permissions in ROLE_MODEL_PERMISSIONS.items()
        if ADMIN_ACCESS_PERMISSION in permissions
    ]


def may_use_admin(user, path: str) -> bool | None:
    """Whether the admin at ``path`` would let the signed-in ``user`` in; None: not an admin path.

    The admins' own tests: Wagtail's ``require_admin_access`` and Django's ``AdminSite.has_permission``.
    """
    if path.startswith(WAGTAIL_ADMIN_PREFIX):
        return user.has_perm(ADMIN_ACCESS_PERMISSION)
    if path.startswith(DJANGO_ADMIN_PREFIX):
        return user.is_active and user.is_staff
    return None


def no_access_response(request):
    """The site's 403 page for the admin area at ``request.path_info``: who it is for, and a way home."""
    if request.path_info.startswith(WAGTAIL_ADMIN_PREFIX):
        reason = _(
            "Your account has no access to the administration area. It is open to these roles only: %(roles)s. "
            "Teachers, media coordinators and principals find everything they do on the site itself. "
            "If your work needs the administration area, please contact the administration of Lernen 25."
        ) % {"roles": get_text_list(admin_roles(), _("and"))}
    else:
        reason = _(
            "Your account has no access to the administration area. This part of it is for the administrators "
            "of Lernen 25 only."
        )
    context = {"reason": reason}
    if mfa_pending(request.user):
        # A principal still without a second factor: the site's 403 says what is pending as well.
        context.update(mfa_pending=True, mfa_explained=True, mfa_setup_url=setup_url())
    return render(request, "errors/403.html", context, status=403)


class AdminAccessMiddleware:
    """403 in the site's layout for signed-in people whom an admin area would send to sign in again.

    Placed after allauth's ``AccountMiddleware`` and before ``lernen25.mfa.MfaGateMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and may_use_admin(user, request.path_info) is False:
            return no_access_response(request)
        return self.get_response(request)

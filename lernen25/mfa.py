"""Two-factor sign-in for the powerful: the gate people see around the withheld powers.

``lernen25.roles`` already holds back the powers of anyone who ``requires_mfa`` (city-wide roles
SMZ, Datenschutz, Schulträger and Administration; staff and superusers; active principals) until
they have a TOTP authenticator: ``mfa_pending(user)`` is then True and their capabilities are a
teacher's. Services, consumers and templates refuse on their own. This module adds what the
person sees:

- ``MfaGateMiddleware`` refuses Wagtail's ``/admin/`` and Django's ``/django-admin/`` with a 403
  page that explains why and links to allauth's TOTP set-up (Django's group permissions would
  otherwise open the admin: ``wagtailadmin.access_admin`` does not ask ``has_capability``). On
  every other page it sets ``request.mfa_pending``, and ``request.mfa_banner`` (off on the set-up
  path) for the warning banner in ``base.html``. It is Django middleware, so the WebSocket side
  never passes through it: consumers get the withheld capabilities and refuse by themselves.
- ``sign_in_door`` replaces the password forms of Wagtail (``/admin/login/``, ``/_util/login/``)
  and Django's admin (``/django-admin/login/``): every sign-in goes through allauth, whose login
  stages ask for the second factor.
- ``lernen25.adapters`` leads a pending person to the set-up after sign-in and keeps the powerful
  from switching their authenticator off.
- ``DEMO_TOTP_SECRETS``: the fixed secrets of the powerful demo accounts (``seed_demo``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from lernen25.roles import forget_grants, mfa_pending, requires_mfa

# Paths of the two admin areas; the same prefixes as the relaxed CSP in lernen25/csp.py.
ADMIN_PREFIXES = ("/admin/", "/django-admin/")
SETUP_URL_NAME = "mfa_activate_totp"
# The set-up and the password confirmation allauth asks for first: the banner would only repeat them.
NO_BANNER_URL_NAMES = frozenset({SETUP_URL_NAME, "account_reauthenticate", "mfa_reauthenticate"})

# Fixed TOTP secrets of the powerful demo accounts (base32, 32 characters, as allauth makes them).
# They are public, like the demo password: add one to an authenticator app to sign in as that
# account, or compute the current code with allauth's ``hotp_value`` (README, "Demo accounts").
# Demo data only: these addresses are under the reserved .test domain.
DEMO_TOTP_SECRETS: dict[str, str] = {
    "smz@demo.lernen25.test": "57Q33C4AB3IVVBX56YXP5EFBMV3TOC65",
    "schulleitung@demo.lernen25.test": "IDA67DUB4QHGA5XZHTMJJGNHD7OHIWN6",
    "datenschutz@demo.lernen25.test": "4LVR2GWRAZ5INNVVPZALW6J5AFU5QGTA",
    "schultraeger@demo.lernen25.test": "5F32KUBL2NOFF6MHYBD4W25TN223ALBF",
    "admin@demo.lernen25.test": "PSMP3W7V3VKE5J3FYVTVNNZED3GCZ74I",
}


def setup_url() -> str:
    """allauth's page for setting up an authenticator app."""
    return reverse(SETUP_URL_NAME)


def is_admin_path(path: str) -> bool:
    return path.startswith(ADMIN_PREFIXES)


def mfa_required_response(request):
    """The 403 page of the admin areas for a person whose role waits for a second factor."""
    return render(
        request,
        "errors/mfa_required.html",
        {"mfa_setup_url": setup_url(), "mfa_explained": True},
        status=403,
    )


class MfaGateMiddleware:
    """Refuses the admin areas to pending users and marks every other request for the banner.

    Placed after allauth's ``AccountMiddleware`` (``request.user`` is set by then) and after
    ``lernen25.admin_access.AdminAccessMiddleware``, which has answered signed-in people without any
    admin access already. Anonymous requests and people without a pending second factor pass.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.mfa_pending = request.mfa_banner = False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            in_admin = is_admin_path(request.path_info)
            if mfa_pending(user):
                if in_admin:
                    return mfa_required_response(request)
                request.mfa_pending = request.mfa_banner = True
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """No banner on the set-up path itself (``base.html`` reads ``request.mfa_banner``)."""
        match = getattr(request, "resolver_match", None)
        if request.mfa_banner and match is not None and match.url_name in NO_BANNER_URL_NAMES:
            request.mfa_banner = False
        return None


def _safe_next(request) -> str | None:
    wanted = request.POST.get("next") or request.GET.get("next")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return None


@csrf_exempt  # changes nothing and reads no credentials; a stale admin login form still gets its redirect
def sign_in_door(request):
    """Wagtail's and Django's own login pages: to allauth's sign-in, with a safe ``next``.

    Answers every method alike and never authenticates: credentials posted here are ignored
    (a 302 makes the browser follow with GET, so they are not sent on either).
    """
    url = reverse("account_login")
    wanted = _safe_next(request)
    if wanted:
        url = f"{url}?{urlencode({'next': wanted})}"
    return HttpResponseRedirect(url)


def _authenticators_changed(sender, request=None, user=None, authenticator=None, signal=None, **kwargs) -> None:
    """After allauth added or removed an authenticator: the grants anew, within this very request."""
    signed_in = getattr(request, "user", None)
    for person in (user, signed_in):
        if person is not None:
            forget_grants(person)
    if signed_in is None:
        return
    request.mfa_pending = request.mfa_banner = mfa_pending(signed_in)
    if (
        signal is mfa_signals.authenticator_added
        and authenticator is not None
        and authenticator.type == Authenticator.Type.TOTP
        and requires_mfa(signed_in)
    ):
        messages.success(request, _("Two-factor sign-in is set up: the powers of your role are active now."))


mfa_signals.authenticator_added.connect(_authenticators_changed, dispatch_uid="lernen25.mfa.authenticator_added")
mfa_signals.authenticator_removed.connect(_authenticators_changed, dispatch_uid="lernen25.mfa.authenticator_removed")

"""The whole-site URL permission matrix: persona × URL (× PLG visibility) → HTTP status.

Every URL pattern of the URLconf has at least one row: ``test_every_url_is_in_the_matrix`` walks
``lernen25.urls`` recursively (our apps ``lernen25``, ``plc``, ``sso`` and whatever else they
include; allauth's ``accounts/`` URLs by URL name, the school sign-ons' ``openid_connect_*``
among them; Wagtail's document serving and page serving) and fails for a pattern without a row,
or for a row whose pattern is gone. A pattern is known by its URL name (``plc:join``), or by its
route when it has none (``admin/login/``). Wagtail's admin below ``/admin/`` and Django's admin
below ``/django-admin/`` are represented by their entry points only (the keys ``admin/`` and
``django-admin/``): their inner URLs are the libraries' own, guarded by the same gate
(``lernen25.mfa.MfaGateMiddleware`` and the admins' permissions); a few rows look behind the
entry points anyway (pages, schools and their search, a school's people, users, audit, sign-ons,
groups; Wagtail's page and document API and its choosers, which must not show a closed PLG).

Columns (``tests.security.conftest.PERSONAS``): guest, signed_up, lehrkraft_a, lehrkraft_b,
plg_leitung, medienbeauftragte_a, schulleitung_a, smz, datenschutz, schultraeger, admin_user.
A row's expectation is a string of one token per column; ``token*n`` repeats a token. A token is
a status, optionally with where a redirect goes: ``302>login`` (allauth's sign-in), ``302>home``
(exactly ``/``), see ``TARGETS``. A bare ``302`` does not look at the target. ``200!`` is a 200 whose
page does not contain the row's ``secret`` (a closed PLG's address, a file's title): for lists and
choosers that answer 200 to everybody in the admin and must leave out what the persona may not know of.

What the statuses mean: 302 for a POST is "done" (or "sign in first" for the guest); 404 hides
what the persona may not even know of (a closed PLG, someone else's invitation, an object of
another PLG or school); 403 is "visible, but not allowed"; 400 and 409 are refusals with a German
message; 405 is the wrong method. Nothing may answer 500: a server error is a status like any
other here and fails its row.

PLG rows run on an open and a closed PLG (join requests on an on-request one), led by
plg_leitung, with lehrkraft_a as member; ``tests/plc/test_http_matrix.py`` is the finer PLG-only
matrix (on-request visibility for every action, every POST). Here every PLG action has its GET
row on both PLGs (the page, the confirmation page, or for a POST-only action the method check,
which comes before the sign-in check there: everybody, the guest included, gets 405, whether the
PLG is visible or not, so nothing is revealed), and its POST row on the closed PLG, where
outsiders must find nothing; on the open PLG the POST of one action per rule (join, request,
leave, step down, contribute, manage, curate, moderate, author). Objects of another PLG named
through a PLG's address, and people or requests of another school through school A's, are probed
as well.

Each request runs in a savepoint that is rolled back, so no persona's request changes the next
one's starting point; one client serves all personas, each with the cookies of its own
sign-in. Rows are grouped by area and PLG visibility, one test per group (the world is built once
per group); a row that shows a known defect has ``xfail`` (its correct expectation stays in the
row) and runs as its own test, marked ``xfail(strict=True)``, so that fixing the defect fails the
test until the mark goes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.security.conftest import PERSONAS, upload

# Where a redirect may go: name in an expectation -> test of the Location header (and the scene).
TARGETS: dict[str, Callable] = {
    "login": lambda location, scene: location.startswith("/accounts/login/"),
    "login-plain": lambda location, scene: location == "/accounts/login/",  # no ``next`` carried along
    "django-login": lambda location, scene: location.startswith("/django-admin/login/"),
    "home": lambda location, scene: location == "/",
    "admin": lambda location, scene: location == "/admin/",
    "reauth": lambda location, scene: location.startswith("/accounts/reauthenticate/"),
    "plg": lambda location, scene: location.startswith(scene.plg.url),
    "people": lambda location, scene: location.startswith(f"/schulen/{scene.school_a.number}/personen/"),
}

# Patterns represented by their entry point only (see the module docstring).
ENTRY_POINTS_ONLY = ("admin/", "django-admin/")


@dataclass(frozen=True)
class Row:
    """One URL and method; ``expect`` per PLG visibility for PLG rows, else one string."""

    key: str  # URL name (with namespace), or the route of an unnamed pattern
    expect: str | dict[str, str]
    method: str = "get"
    kwargs: Callable | None = None  # scene -> kwargs for ``reverse(key)``
    path: str | Callable | None = None  # instead of reversing the key: a path, or scene -> path
    data: Callable | None = None  # scene -> POST data (called anew for every request)
    area: str = ""  # rows of one area and visibility share a test and its world
    app: str | None = None  # the feature app the row needs (skipped without it)
    xfail: str | None = None  # a known defect: why the row fails today
    note: str = ""  # tells rows of one key and method apart
    covers: tuple[str, ...] = ()  # further pattern keys answered by this very URL
    secret: Callable | None = None  # scene -> text that a ``200!`` response must not contain

    def cases(self):
        return self.expect.items() if isinstance(self.expect, dict) else [(None, self.expect)]

    @property
    def label(self) -> str:
        return " ".join(part for part in (self.method.upper(), self.key, self.note) if part)


def expand(spec: str) -> list[str]:
    tokens = []
    for token in spec.split():
        code, _, times = token.partition("*")
        tokens += [code] * int(times or 1)
    assert len(tokens) == len(PERSONAS), f"{spec!r}: {len(tokens)} tokens for {len(PERSONAS)} personas"
    return tokens


def both(spec: str) -> dict[str, str]:
    return {"open": spec, "closed": spec}


# --- The core: profile, confirmation, notifications, a school's people --------------------------


def _school_a(scene, **extra):
    return {"number": scene.school_a.number, **extra}


def _school_b(scene, **extra):
    return {"number": scene.school_b.number, **extra}


CORE = [
    Row("healthz", "200*11"),
    Row("set_language", "302>home*11"),
    Row("set_language", "302*11", "post", data=lambda s: {"language": "en", "next": "/plg/"}),
    Row(
        "set_language",
        "302>home*11",
        "post",
        data=lambda s: {"language": "en", "next": "https://boese.example/"},
        note="foreign next",
    ),
    Row("profile", "302>login 200*10"),
    Row("profile", "302>login 302*10", "post", data=lambda s: {"display_name": "Neu"}),
    Row("request_confirmation", "302>login 405*10"),
    # Those already confirmed at school A get a form error (400); anyone else may ask.
    Row(
        "request_confirmation",
        "302>login 302 400 302 400 400 400 302 302 302 302",
        "post",
        data=lambda s: {"confirm-school": s.school_a.pk},
    ),
    Row("notifications", "302>login 200*10"),
    Row("notifications", "302>login 302*10", "post"),
    Row("styleguide", "302>login 403*6 200*4"),
    # A school's people: its principals, the SMZ and administrators (a school is public: 403, not 404).
    Row("school_people", "302>login 403*5 200 200 403 403 200", kwargs=_school_a),
    Row("school_people", "302>login 403*6 200 403 403 200", kwargs=_school_b, note="school B"),
    Row("school_grant", "302>login 405*10", kwargs=_school_a),
    # The SMZ grants only principals: a teacher is not among its choices (400).
    Row(
        "school_grant",
        "302>login 403*5 302>people 400 403 403 302>people",
        "post",
        kwargs=_school_a,
        data=lambda s: {"email": s["lehrkraft_b"].email, "function": "lehrkraft"},
    ),
    Row(
        "school_revoke",
        "302>login 403*5 200 403 403 403 200",
        kwargs=lambda s: _school_a(s, pk=s.teacher_affiliation.pk),
    ),
    Row(
        "school_revoke",
        "302>login 403*5 302>people 403 403 403 302>people",
        "post",
        kwargs=lambda s: _school_a(s, pk=s.teacher_affiliation.pk),
    ),
    # School B's teacher through school A's address: not found for those who see A's people.
    Row(
        "school_revoke",
        "302>login 403*5 404 404 403 403 404",
        "post",
        kwargs=lambda s: _school_a(s, pk=s.teacher_affiliation_b.pk),
        note="of school B",
    ),
    Row("school_decide", "302>login 405*10", kwargs=lambda s: _school_a(s, pk=s.pending_confirmation.pk)),
    Row(
        "school_decide",
        "302>login 403*5 302>people 403 403 403 302>people",
        "post",
        kwargs=lambda s: _school_a(s, pk=s.pending_confirmation.pk),
        data=lambda s: {"decision": "accept"},
    ),
    Row(
        "school_decide",
        "302>login 403*5 404 404 403 403 404",
        "post",
        kwargs=lambda s: _school_a(s, pk=s.pending_confirmation_b.pk),
        data=lambda s: {"decision": "accept"},
        note="of school B",
    ),
    Row("school_domain", "302>login 405*10", kwargs=_school_a),
    Row(
        "school_domain",
        "302>login 403*5 302>people 302>people 403 403 302>people",
        "post",
        kwargs=_school_a,
        data=lambda s: {"domain": "schule-a.de"},
    ),
]

# --- allauth: sign-in, sign-up, addresses, passwords, second factor, sessions, school sign-on ----


def _reset_key(scene):
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = scene.forgetful
    return {"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)}


def _confirmation_key(scene):
    from allauth.account.models import EmailConfirmationHMAC

    return {"key": EmailConfirmationHMAC(scene.unconfirmed_address).key}


def _provider(scene):
    return {"provider_id": scene.signon.provider_id}


SIGNED_IN_ONLY = "302>login 200*10"
ACCOUNTS = [
    Row("account_login", "200 302>home*10"),
    Row("account_login", "200 302>home*10", "post", data=lambda s: {"login": s["lehrkraft_a"].email, "password": "x"}),
    Row("account_logout", "302>home 200*10"),
    Row("account_logout", "302>home*11", "post"),
    Row("account_inactive", "200*11"),
    Row("account_signup", "200 302>home*10"),
    Row("account_signup", "200 302>home*10", "post", data=lambda s: {"email": "kaputt"}),
    Row("account_reauthenticate", SIGNED_IN_ONLY),
    Row("account_email", SIGNED_IN_ONLY),
    Row("account_email_verification_sent", "200*11"),
    Row("account_change_password", SIGNED_IN_ONLY),
    Row("account_set_password", "302>login 302*10"),  # everybody has a password: to the change form
    Row("account_reset_password", "200*11"),
    Row("account_reset_password", "302*11", "post", data=lambda s: {"email": s["lehrkraft_a"].email}),
    Row("account_reset_password_done", "200*11"),
    # The link in the mail: whoever holds the key may set the password (allauth hides the key first).
    Row("account_reset_password_from_key", "302*11", kwargs=_reset_key),
    Row("account_reset_password_from_key_done", "200*11"),
    Row("account_confirm_login_code", "302>login 302>home*10"),  # no login by code under way
    # The link in the mail: whoever holds the key may confirm the address.
    Row("account_confirm_email", "200*11", kwargs=_confirmation_key),
    Row("account_confirm_email", "302*11", "post", kwargs=_confirmation_key),
    Row("mfa_index", SIGNED_IN_ONLY),
    Row("mfa_authenticate", "302>login 302>home*10"),  # no sign-in waiting for a code
    # Without an authenticator allauth asks for the password instead of a code.
    Row("mfa_reauthenticate", "302>login 302>reauth*5 200*5"),
    Row("mfa_activate_totp", "302>login 302>reauth*10"),
    Row("mfa_deactivate_totp", "302>login 404*5 302>reauth*5"),
    Row("mfa_view_recovery_codes", "302>login 404*10"),  # nobody has recovery codes
    Row("mfa_generate_recovery_codes", "302>login 302>reauth*10"),
    Row("mfa_download_recovery_codes", "302>login 404*10"),
    Row("usersessions_list", SIGNED_IN_ONLY),
    Row("socialaccount_connections", SIGNED_IN_ONLY),
    Row("socialaccount_login_cancelled", "200*11"),
    Row("socialaccount_login_error", "401*11"),
    Row("socialaccount_signup", "302>login*11"),  # no school sign-on under way
    # allauth's old addresses, moved permanently.
    Row("accounts/social/login/cancelled/", "301*11", path="/accounts/social/login/cancelled/"),
    Row("accounts/social/login/error/", "301*11", path="/accounts/social/login/error/"),
    Row("accounts/social/signup/", "301*11", path="/accounts/social/signup/"),
    Row("accounts/social/connections/", "301*11", path="/accounts/social/connections/"),
    # A school's sign-on (sso): the confirmation page; the issuer cannot be reached (allauth's error page).
    Row("openid_connect_login", "200*11", kwargs=_provider, area="sso", app="sso"),
    Row("openid_connect_login", "401*11", "post", kwargs=_provider, area="sso", app="sso"),
    Row("openid_connect_callback", "401*11", kwargs=_provider, area="sso", app="sso"),
]

# --- PLG spaces ---------------------------------------------------------------------------------


def plg(**extra):
    """URL kwargs of a PLG action: the scene's PLG and the named objects in it."""

    def kwargs(scene):
        return {"pk": scene.plg.pk, **{name: get(scene) for name, get in extra.items()}}

    return kwargs


def other_plg(name: str, kwarg: str):
    """An action of the open PLG, naming an object of the closed one."""

    def kwargs(scene):
        return {"pk": scene.plg.pk, kwarg: getattr(scene.world.scene("closed"), name).pk}

    return kwargs


def _meeting_data(scene):
    start = timezone.localtime() + timedelta(days=3)
    return {
        "title": "Treffen",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "location": "SMZ",
    }


# GET of a POST-only action: the method is checked before anything else, so every persona gets 405,
# whether the PLG is visible to them or not (nothing is revealed).
POST_ONLY = both("405*11")
# Everybody signed in sees an open PLG's content; a closed PLG is 404 to all but members and curators.
CONTENT = {
    "open": "302>login 200*10",
    "closed": "302>login 404 200 404 200 404 404 200 404 404 200",
}
# The PLG's leads and the SMZ (and administrators through the SMZ's capability): invite, remove,
# promote, decide, meetings, results, change log, moderation.
MANAGE = {
    "open": "302>login 403 403 403 302 403 403 302 403 403 302",
    "closed": "302>login 404 403 404 302 404 404 302 404 404 302",
}
MANAGE_PAGE = {  # the confirmation pages of those actions
    "open": "302>login 403 403 403 200 403 403 200 403 403 200",
    "closed": "302>login 404 403 404 200 404 404 200 404 404 200",
}
# Members, leads and the SMZ: share files and links, open topics, write.
CONTRIBUTE = {
    "open": "302>login 403 302 403 302 403 403 302 403 403 302",
    "closed": "302>login 404 302 404 302 404 404 302 404 404 302",
}
CONTRIBUTE_PAGE = {
    "open": "302>login 403 200 403 200 403 403 200 403 403 200",
    "closed": "302>login 404 200 404 200 404 404 200 404 404 200",
}
# The SMZ only: feature, appoint leads.
CURATE = {
    "open": "302>login 403*6 302 403 403 302",
    "closed": "302>login 404 403 404 403 404 404 302 404 404 302",
}


def plg_rows(name, *, get=None, post=None, data=None, kwargs=None, open_post=False):
    """The GET row and the POST row of one PLG action (``None``: no such row).

    The POST runs on the closed PLG (where outsiders must find nothing); on the open PLG only for
    ``open_post``: one action per rule, the finer PLG matrix has the others.
    """
    rows = []
    kwargs = kwargs or plg()
    for method, expect in (("get", get), ("post", post)):
        if expect is not None:
            if method == "post" and not open_post:
                expect = {variant: spec for variant, spec in expect.items() if variant != "open"}
            rows.append(Row(f"plc:{name}", expect, method, kwargs=kwargs, data=data if method == "post" else None))
    return rows


PLG_ACTIONS = [
    # Joining: open PLGs at once, for members of the network (a guest of the network and the
    # city's offices without a school may not join); a closed PLG does not exist for outsiders.
    *plg_rows(
        "join",
        get=POST_ONLY,
        post={
            "open": "302>login 403 409 302>plg 409 302>plg 302>plg 302>plg 403 403 302>plg",
            "closed": "302>login 404 409 404 409 404 404 403 404 404 403",
        },
        open_post=True,
    ),
    *plg_rows(
        "request",
        get=POST_ONLY,
        post={
            "open": "302>login 409*10",  # an open PLG takes no requests: join it
            "closed": "302>login 404 409 404 409 404 404 403 404 404 403",
        },
        data=lambda s: {"message": "Ich möchte mitmachen."},
        open_post=True,
    ),
    # Only lehrkraft_b has a request (on-request PLG); it is nobody else's to withdraw.
    *plg_rows(
        "withdraw",
        get={"on_request": "405*11"},
        post={"on_request": "302>login 404 404 302>plg 404*7"},
        kwargs=plg(request_id=lambda s: s.join_request.pk),
    ),
    *plg_rows(
        "decide",
        get={"on_request": "405*11"},
        post={"on_request": "302>login 404 403 403 302>plg 403 403 302>plg 403 403 302>plg"},
        data=lambda s: {"decision": "accept"},
        kwargs=plg(request_id=lambda s: s.join_request.pk),
    ),
    *plg_rows("invite", get=POST_ONLY, post=MANAGE, data=lambda s: {"person": "neu@schule-c.de"}, open_post=True),
    *plg_rows(
        "revoke_invitation",
        get=POST_ONLY,
        post=MANAGE,
        kwargs=plg(invitation_id=lambda s: s.invitation.pk),
    ),
    # Members leave (the only lead may not: 409); the confirmation page first.
    *plg_rows(
        "leave",
        get={
            "open": "302>login 403 200 403 200 403*6",
            "closed": "302>login 404 200 404 200 404 404 403 404 404 403",
        },
        post={
            "open": "302>login 403 302 403 409 403*6",
            "closed": "302>login 404 302 404 409 404 404 403 404 404 403",
        },
        open_post=True,
    ),
    *plg_rows(
        "remove_member",
        get=MANAGE_PAGE,
        post=MANAGE,
        kwargs=plg(user_id=lambda s: s["lehrkraft_a"].pk),
    ),
    *plg_rows("promote", get=POST_ONLY, post=MANAGE, kwargs=plg(user_id=lambda s: s["lehrkraft_a"].pk)),
    *plg_rows("assign_lead", get=POST_ONLY, post=CURATE, data=lambda s: {"person": s["lehrkraft_b"].email}),
    # The only lead cannot step down, and nobody else leads: a refusal (409) for everyone who sees it.
    *plg_rows(
        "step_down",
        get=POST_ONLY,
        post={
            "open": "302>login 409*10",
            "closed": "302>login 404 409 404 409 404 404 409 404 404 409",
        },
        open_post=True,
    ),
    *plg_rows("feature", get=POST_ONLY, post=CURATE, data=lambda s: {"featured": "1"}, open_post=True),
    Row(
        "plc:status",
        {"open": "405*11"},
        kwargs=plg(),
    ),
    *plg_rows("status", post=MANAGE, data=lambda s: {"status": "completed"}),
    *plg_rows("visibility", get=POST_ONLY, post=MANAGE, data=lambda s: {"visibility": "on_request"}),
    *plg_rows(
        "upload", get=POST_ONLY, post=CONTRIBUTE, data=lambda s: {"file": upload(), "title": "Plan"}, open_post=True
    ),
    # The file and the link were shared by lehrkraft_a: they and the managers delete them.
    *plg_rows("delete_file", get=CONTRIBUTE_PAGE, post=CONTRIBUTE, kwargs=plg(file_id=lambda s: s.file.pk)),
    *plg_rows(
        "add_link",
        get=POST_ONLY,
        post=CONTRIBUTE,
        data=lambda s: {"title": "GeoGebra", "url": "https://www.geogebra.org"},
    ),
    *plg_rows("delete_link", get=CONTRIBUTE_PAGE, post=CONTRIBUTE, kwargs=plg(link_id=lambda s: s.link.pk)),
    *plg_rows("add_meeting", get=POST_ONLY, post=MANAGE, data=_meeting_data),
    *plg_rows(
        "cancel_meeting",
        get=MANAGE_PAGE,
        post=MANAGE,
        kwargs=plg(meeting_id=lambda s: s.meeting.pk),
    ),
    *plg_rows("calendar", get=CONTENT),
    *plg_rows("meeting_calendar", get=CONTENT, kwargs=plg(meeting_id=lambda s: s.meeting.pk)),
    *plg_rows(
        "publish_result",
        get=POST_ONLY,
        post=MANAGE,
        data=lambda s: {"title": "Ergebnis", "tried": "Tablets", "worked": "Vieles"},
    ),
    *plg_rows("change_log", get=MANAGE_PAGE),
    # The discussion.
    *plg_rows(
        "create_topic",
        get=POST_ONLY,
        post=CONTRIBUTE,
        data=lambda s: {"title": "Neues Thema", "body": "Hallo"},
        open_post=True,
    ),
    *plg_rows(
        "topic",
        get=CONTENT,
        post=CONTRIBUTE,
        data=lambda s: {"body": "Eine Antwort"},
        kwargs=plg(topic_id=lambda s: s.topic.pk),
    ),
    *plg_rows(
        "topic_flags",
        get=POST_ONLY,
        post=MANAGE,
        data=lambda s: {"pinned": "1"},
        kwargs=plg(topic_id=lambda s: s.topic.pk),
    ),
    # lehrkraft_a wrote the message: only they edit it; moderators delete or hide it.
    *plg_rows(
        "edit_message",
        get={
            "open": "302>login 403 200 403*8",
            "closed": "302>login 404 200 404 403 404 404 403 404 404 403",
        },
        post={
            "open": "302>login 403 302 403*8",
            "closed": "302>login 404 302 404 403 404 404 403 404 404 403",
        },
        data=lambda s: {"body": "Geändert"},
        kwargs=plg(message_id=lambda s: s.message.pk),
        open_post=True,
    ),
    *plg_rows(
        "delete_message",
        get=CONTRIBUTE_PAGE,
        post=CONTRIBUTE,
        kwargs=plg(message_id=lambda s: s.message.pk),
    ),
    *plg_rows(
        "hide_message",
        get=POST_ONLY,
        post=MANAGE,
        data=lambda s: {"hidden": "1"},
        kwargs=plg(message_id=lambda s: s.message.pk),
        open_post=True,
    ),
    # A PLG page and its files, served by Wagtail. The guest is sent to sign in even for a closed
    # PLG (as in the PLG matrix), while an address that is no page answers 404.
    Row(
        "wagtail_serve",
        {
            "open": "302>login 200*10",
            "on_request": "302>login 404 200*9",  # a guest of the network sees open PLGs only
            "closed": "302>login 404 200 404 200 404 404 200 404 404 200",
        },
        path=lambda s: s.plg.url,
        note="PLG page",
    ),
    Row("wagtaildocs_serve", CONTENT, path=lambda s: s.file.document.url, note="PLG file"),
]

# Through the open PLG's address, objects of the closed PLG: not found, for everybody.
CROSS_PLG = [
    Row(f"plc:{name}", {"open": "302>login 404*10"}, kwargs=other_plg(obj, kwarg), note="of another PLG")
    for name, obj, kwarg in [
        ("topic", "topic", "topic_id"),
        ("edit_message", "message", "message_id"),
        ("delete_message", "message", "message_id"),
        ("delete_file", "file", "file_id"),
        ("delete_link", "link", "link_id"),
        ("meeting_calendar", "meeting", "meeting_id"),
    ]
]
# Those who may not manage the PLG learn that first (403, whatever the id); the managers find nothing.
CROSS_PLG += [
    Row(
        "plc:cancel_meeting",
        {"open": "302>login 403 403 403 404 403 403 404 403 403 404"},
        kwargs=other_plg("meeting", "meeting_id"),
        note="of another PLG",
    ),
    Row(  # removing somebody who is no member (lehrkraft_b)
        "plc:remove_member",
        {"open": "302>login 403 403 403 404 403 403 404 403 403 404"},
        kwargs=plg(user_id=lambda s: s["lehrkraft_b"].pk),
        note="no member",
    ),
]

# Only lehrkraft_b is invited; for everybody else the invitation does not exist.
INVITATIONS = [
    Row(
        "plc:answer_invitation",
        both(spec),
        method,
        kwargs=lambda s: {"invitation_id": s.invitation_of_outsider.pk, "answer": "annehmen"},
        area="invitation",
    )
    for method, spec in (("get", "302>login 405*10"), ("post", "302>login 404 404 302>plg 404*7"))
]

PLG_GLOBAL = [
    Row("plc:create", "302>login 403*6 200 403 403 200"),
    Row(
        "plc:create",
        "302>login 403*6 302 403 403 302",
        "post",
        data=lambda s: {
            "title": "Neue PLG",
            "kind": "lesson_development",
            "visibility": "open",
            "goals": "Ziele",
            "lead": s["plg_leitung"].email,
        },
    ),
    # Members of the network propose; the city's offices without a school do not.
    Row("plc:proposals", "302>login 403 200*6 403 403 200"),
    Row(
        "plc:proposals",
        "302>login 403 302*6 403 403 302",
        "post",
        data=lambda s: {"title": "Vorschlag", "kind": "lesson_development", "visibility": "open", "goals": "Ziele"},
    ),
    Row("plc:decide_proposal", "302>login 405*10", kwargs=lambda s: {"proposal_id": s.proposal.pk}),
    Row(
        "plc:decide_proposal",
        "302>login 403*6 302 403 403 302",
        "post",
        kwargs=lambda s: {"proposal_id": s.proposal.pk},
        data=lambda s: {"decision": "approve"},
    ),
    # Published results are open to everybody signed in, a guest of the network included.
    Row("plc:results", SIGNED_IN_ONLY),
    Row("wagtail_serve", SIGNED_IN_ONLY, path="/plg/", note="directory"),
]

# --- Entry points: the admins, the sign-in doors, pages and documents ------------------------------

# The admin areas: teachers and principals have no access (403, no redirect loop); the city's
# offices open Wagtail's admin; only the superuser is staff for Django's admin.
ADMIN = [
    Row("admin/", "302>login 403*6 200*4", path="/admin/"),
    Row("admin/", "302>login 403*6 302 302>admin 302>admin 200", path="/admin/pages/", note="pages"),
    Row("admin/", "302>login 403*6 200 302>admin 200 200", path="/admin/schools/", note="schools"),
    Row(
        "admin/",
        "302>login 403*6 200 302>admin 200 200",
        path="/admin/schools/?q=Meiderich",
        note="schools search",
    ),
    Row(
        "admin/",
        "302>login 403*6 200 302>admin 302>admin 200",
        path=lambda s: f"/admin/schools/{s.school_a.pk}/people/",
        note="school people",
    ),
    Row("admin/", "302>login 403*6 302>admin*3 200", path="/admin/users/", note="users"),
    Row("admin/", "302>login 403*6 200 302>admin 302>admin 200", path="/admin/audit/", note="audit"),
    Row(
        "admin/",
        "302>login 403*6 302>admin*3 200",
        path="/admin/school_sign_ons/",
        note="sign-ons",
        area="sso",
        app="sso",
    ),
    Row("django-admin/", "302>django-login 403*9 200", path="/django-admin/"),
    Row("django-admin/", "302>django-login 403*9 200", path="/django-admin/auth/group/", note="groups"),
    # The admins' own sign-in pages lead to allauth's (second factor included).
    Row("admin/login/", "302>login 403*6 302>login*4", path="/admin/login/"),
    Row(
        "admin/login/",
        "302>login 403*6 302>login*4",
        "post",
        path="/admin/login/",
        data=lambda s: {"username": s["admin_user"].email, "password": "x"},
    ),
    Row(
        "admin/login/",
        "302>login-plain 403*6 302>login-plain*4",
        path="/admin/login/?next=https://boese.example/",
        note="foreign next",
    ),
    Row("django-admin/login/", "302>login 403*9 302>login", path="/django-admin/login/"),
    # Wagtail's login for private pages is shadowed by the door (same address).
    Row("_util/login/", "302>login*11", path="/_util/login/", covers=("wagtailcore_login",)),
]


# Behind the admin's entry point: Wagtail's page and document API and its choosers answer every
# admin user; a closed PLG and its files must stay unknown to those who are neither members nor
# curators (the data-protection officer and the school board office have admin access).
ADMIN_CLOSED = [
    Row(
        "admin/",
        {"closed": "302>login 403*6 200 404 404 200"},
        path=lambda s: f"/admin/api/main/pages/{s.plg.pk}/",
        note="API page",
    ),
    Row(
        "admin/",
        {"closed": "302>login 403*6 200 200! 200! 200"},
        path="/admin/api/main/pages/?type=plc.PlgPage&fields=title",
        secret=lambda s: s.plg.url,
        note="API pages",
    ),
    Row(
        "admin/",
        {"closed": "302>login 403*6 200 404 404 200"},
        path=lambda s: f"/admin/api/main/documents/{s.file.document.pk}/",
        note="API document",
    ),
    Row(
        "admin/",
        {"closed": "302>login 403*6 200 200! 200! 200"},
        path="/admin/api/main/documents/",
        secret=lambda s: s.file.document.title,
        note="API documents",
    ),
    Row(
        "admin/",
        {"closed": "302>login 403*6 200 200! 200! 200"},
        path="/admin/documents/chooser/",
        secret=lambda s: s.file.document.title,
        note="document chooser",
    ),
    Row(
        "admin/",
        {"closed": "302>login 403*6 200 200! 200! 200"},
        path=lambda s: f"/admin/choose-page/{s.plg.get_parent().pk}/",
        secret=lambda s: s.plg.url,
        note="page chooser",
    ),
    Row(
        "admin/",
        {"closed": "302>login 403*6 200 200! 200! 200"},
        path="/admin/choose-page/search/?q=Schulleitungsrunde",
        secret=lambda s: s.plg.url,
        note="page chooser search",
    ),
    # Wagtail's views that no hook reaches, routed by ``plc.urls`` at Wagtail's paths to narrowed
    # subclasses (``plc.admin_views``); tests/plc/test_admin_hides_closed_plgs.py has the details.
    Row(
        "plc:admin_chosen_multiple",
        {"closed": "302>login 403*6 200 200! 200! 200"},
        path=lambda s: f"/admin/choose-page/chosen-multiple/?id={s.plg.pk}",
        secret=lambda s: s.plg.url,
    ),
    Row(
        "plc:admin_site_history",
        {"closed": "302>login 403*6 200 200! 200! 200"},
        path="/admin/reports/site-history/",
        secret=lambda s: s.plg.title,
    ),
    Row(
        "plc:admin_site_history_results",
        {"closed": "302>login 403*6 200 200! 200! 200"},
        path="/admin/reports/site-history/results/",
        secret=lambda s: s.plg.title,
    ),
    Row(
        "plc:admin_page_types_usage",
        {"closed": "302>login 403*6 200 302>admin 302>admin 200"},  # only with page permissions
        path="/admin/reports/page-types-usage/",
    ),
    Row(
        "plc:admin_page_types_usage_results",
        {"closed": "302>login 403*6 200 302>admin 302>admin 200"},  # only with page permissions
        path="/admin/reports/page-types-usage/results/",
    ),
]

PAGES = [
    Row("wagtail_serve", "200*11", path="/", note="home"),
    Row("wagtail_serve", "404*11", path="/gibt-es-nicht/", note="missing"),
    # Wagtail's password forms (nothing of ours is password-protected; they must not fail).
    Row(
        "wagtaildocs_authenticate_with_password",
        "200*11",
        kwargs=lambda s: {"restriction_id": s.collection_restriction.pk},
    ),
    Row(
        "wagtailcore_authenticate_with_password",
        "200*11",
        kwargs=lambda s: {"page_view_restriction_id": s.page_restriction.pk, "page_id": s.page_restriction.page_id},
    ),
]


# --- Legal pages (legal): imprint, privacy, accessibility statement and its feedback form -----------
# Pages served by Wagtail (the form is a route of the accessibility statement's page): open to
# everybody, signed out too (BITV 2.0). A valid report goes to the confirmation; an empty one is a
# form error (400). The SMZ reads the reports in the admin (tests/legal/test_feedback.py).
LEGAL_FORM = "/barrierefreiheit/barriere-melden/"
LEGAL = [
    Row("wagtail_serve", "200*11", path="/impressum/", note="imprint"),
    Row("wagtail_serve", "200*11", path="/datenschutz/", note="privacy statement"),
    Row("wagtail_serve", "200*11", path="/barrierefreiheit/", note="accessibility statement"),
    Row("wagtail_serve", "200*11", path=LEGAL_FORM, note="barrier report form"),
    Row(
        "wagtail_serve",
        "302*11",
        "post",
        path=LEGAL_FORM,
        data=lambda s: {"description": "Der Kontrast ist zu gering.", "page_address": "/plg/"},
        note="barrier report",
    ),
    Row("wagtail_serve", "400*11", "post", path=LEGAL_FORM, data=lambda s: {"description": ""}, note="empty report"),
    Row("wagtail_serve", "200*11", path=f"{LEGAL_FORM}gesendet/", note="barrier report sent"),
    Row("wagtail_serve", "404*11", path="/impressum/barriere-melden/", note="no form on the imprint"),
]


def _in(area: str, app: str | None, rows: list[Row]) -> list[Row]:
    return [replace(row, area=row.area or area, app=row.app or app) for row in rows]


ROWS: list[Row] = [
    *_in("core", None, CORE),
    *_in("accounts", None, ACCOUNTS),
    *_in("plc", "plc", PLG_ACTIONS + CROSS_PLG + INVITATIONS + PLG_GLOBAL),
    *_in("admin", None, ADMIN),
    *_in("admin", "plc", ADMIN_CLOSED),
    *_in("pages", None, PAGES),
    *_in("legal", "legal", LEGAL),
]

# --- Every pattern has a row --------------------------------------------------------------------


def url_keys(patterns=None, prefix: str = "", namespace: str = "") -> set[str]:
    """Every pattern of the URLconf: its URL name (with namespace), or its route when unnamed."""
    keys = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route in ENTRY_POINTS_ONLY:
                keys.add(route)
            else:
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                keys |= url_keys(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            keys.add(f"{namespace}{pattern.name}" if pattern.name else route)
    return keys


def test_every_url_is_in_the_matrix():
    keys = url_keys()
    covered = {key for row in ROWS for key in (row.key, *row.covers)}
    installed = {key for row in ROWS if row.app is None or apps.is_installed(row.app) for key in (row.key, *row.covers)}

    assert keys - covered == set(), "URL patterns without a row in the matrix"
    assert installed - keys == set(), "rows for URL patterns that no longer exist"


def test_our_apps_and_allauth_are_walked():
    """The walk reaches into every included URLconf (a broken walk must not pass the test above)."""
    keys = url_keys()

    assert {"healthz", "school_people", "wagtail_serve", "wagtaildocs_serve"} <= keys
    assert {"account_login", "mfa_index", "usersessions_list", "socialaccount_connections"} <= keys
    assert {"openid_connect_login", "openid_connect_callback"} <= keys
    assert {"admin/", "django-admin/", "admin/login/"} <= keys
    if apps.is_installed("plc"):
        assert {"plc:join", "plc:hide_message", "plc:answer_invitation"} <= keys
    assert not any(key.startswith(("admin:", "wagtailadmin")) for key in keys)


# --- Running the rows ---------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _token(response, want: str, row: Row, scene) -> str:
    """What the response shows, written like the expected token ``want``."""
    code = str(response.status_code)
    if want.endswith("!"):
        shown = row.secret(scene) in response.content.decode(errors="replace")
        return f"{code}+secret" if shown else f"{code}!"
    if ">" not in want:
        return code
    location = response.get("Location", "")
    target = want.split(">", 1)[1]
    return f"{code}>{target}" if location and TARGETS[target](location, scene) else f"{code}>{location or '-'}"


def _request(client, cookies, row: Row, url: str, scene):
    """One request with the persona's cookies, in a savepoint that is rolled back."""
    client.cookies = copy.deepcopy(cookies)
    cache.clear()  # allauth's rate limits live in the cache
    try:
        with transaction.atomic():
            response = getattr(client, row.method)(url, row.data(scene) if row.data else {})
            raise _Rollback(response)
    except _Rollback as rollback:
        return rollback.args[0]


def _url(row: Row, scene) -> str:
    if row.path is not None:
        return row.path(scene) if callable(row.path) else row.path
    return reverse(row.key, kwargs=row.kwargs(scene) if row.kwargs else None)


def check(row: Row, variant: str | None, spec: str, world, matrix_client, sessions) -> str | None:
    """The row's mismatch for one PLG visibility, or ``None``."""
    scene = world.scene(variant)
    if variant is not None:
        scene.furnish()
    url = _url(row, scene)
    wants = expand(spec)
    got = [
        _token(_request(matrix_client, sessions[persona], row, url, scene), want, row, scene)
        for persona, want in zip(PERSONAS, wants, strict=True)
    ]
    if got == wants:
        return None
    where = f" ({variant} PLG)" if variant else ""
    differ = zip(PERSONAS, got, wants, strict=True)
    columns = ", ".join(f"{persona} got {token}, want {want}" for persona, token, want in differ if token != want)
    return f"{row.label}{where}: {row.method.upper()} {url}\n  {columns}"


def _cases():
    """One test per area and PLG visibility, largest first (for xdist to share them out evenly);
    each row with a known defect as a test of its own."""
    units = [(row, variant, spec) for row in ROWS for variant, spec in row.cases()]
    groups: dict[tuple[str, str], list] = {}
    for unit in units:
        if not unit[0].xfail:
            groups.setdefault((unit[0].area, unit[1] or ""), []).append(unit)
    params = []
    # Pages of an open PLG cost about twice the rest (every persona sees the whole PLG page).
    for (area, variant), group in sorted(groups.items(), key=lambda item: -len(item[1]) * (1 + (item[0][1] == "open"))):
        needs = sorted({row.app for row, _, _ in group if row.app})
        params.append(
            pytest.param(
                group,
                id=f"{area}-{variant}" if variant else area,
                marks=[pytest.mark.needs_app(*needs)] if needs else [],
            )
        )
    for row, variant, spec in units:
        if row.xfail:
            marks = [pytest.mark.xfail(strict=True, reason=row.xfail)]
            if row.app:
                marks.append(pytest.mark.needs_app(row.app))
            name = f"{row.label}-{variant}" if variant else row.label
            params.append(pytest.param([(row, variant, spec)], id=name.replace(" ", "-"), marks=marks))
    return params


@pytest.mark.parametrize("units", _cases())
def test_url_matrix(units, world, matrix_client, sessions):
    mismatches = [check(row, variant, spec, world, matrix_client, sessions) for row, variant, spec in units]

    assert not any(mismatches), "\n".join(filter(None, mismatches))

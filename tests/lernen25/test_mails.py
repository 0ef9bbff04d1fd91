"""Every mail of the platform: named Lernen 25, formal German, text and HTML in the one layout.

allauth's mails (confirmation, password reset, sign-in codes, unknown or existing account, the
security notices, the two-factor notices) and ours (notifications, the mention digest, plain service
mails) all go through ``lernen25.adapters.AccountAdapter.render_mail``. Each is checked for the
same things: the subject prefix, both parts, the name of the platform and the SMZ footer, a
greeting that names the person (never the host), "Sie", links on ``SITE_URL``, and an HTML part
without anything it would have to load from elsewhere.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from allauth.account.adapter import get_adapter
from allauth.core.context import request_context
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import RequestFactory

from lernen25 import services
from lernen25.notifications import notify
from lernen25.tasks import send_plain_mail
from tests.factories import SIGN_UP_NILS

INFORMAL = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|euch|euer)\b", re.IGNORECASE)
FOOTER = "Lernen 25 – das Netzwerk der Duisburger Schulen, betreut vom Schulmedienzentrum (SMZ)."
HOSTS = ("testserver", "127.0.0.1", "localhost", "example.com")


def assert_platform_mail(message, *, greeting: str) -> None:
    """The checks every mail of the platform passes (German, the recipient's greeting)."""
    html = {mimetype: body for body, mimetype in message.alternatives}.get("text/html")
    assert html is not None, "no HTML part"
    text = message.body
    assert message.subject.startswith("[Lernen 25] ")
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    for part in (text, html):
        assert "Lernen 25" in part
        assert FOOTER in part
        assert "Mit freundlichen Grüßen" in part
        assert "Hallo von" not in part and "Danke dass du" not in part  # allauth's greeting and farewell
        assert not INFORMAL.search(re.sub(r"<[^>]+>", " ", part)), f"informal German in {part!r}"
    assert text.splitlines()[0] == greeting
    assert f">{greeting}</p>" in html
    assert not any(host in text.splitlines()[0] for host in HOSTS)
    # Links point to the platform's address, never to the host a request came in on.
    for url in re.findall(r"https?://[^\s\"<]+", text + html):
        assert url.startswith(settings.SITE_URL), url
    # The HTML part loads nothing: no images, style sheets, scripts or frames.
    assert not re.search(r"<(img|link|script|iframe|object|embed)\b", html, re.IGNORECASE)
    assert "src=" not in html and "url(" not in html
    assert '<html lang="de"' in html


@pytest.fixture
def request_in_german(rf: RequestFactory, lehrkraft_a):
    """A request as allauth's flows have one (its host is not the platform's address)."""
    request = rf.get("/", HTTP_HOST="testserver")
    request.user = AnonymousUser()
    request.LANGUAGE_CODE = "de"
    request.COOKIES = {}
    with request_context(request):
        yield request


# allauth's mails to an address (send_mail): prefix, context (links as allauth builds them).
ADDRESS_MAILS = {
    "account/email/email_confirmation": {"activate_url": "http://testserver/accounts/confirm-email/KEY/", "key": "K"},
    "account/email/email_confirmation_signup": {"activate_url": "http://testserver/accounts/confirm-email/K/"},
    "account/email/password_reset_key": {"password_reset_url": "http://testserver/accounts/password/reset/key/1-a/"},
    "account/email/password_reset_code": {"code": "XK3F9Q"},
    "account/email/login_code": {"code": "XK3F9Q"},
    "account/email/account_already_exists": {"password_reset_url": "http://testserver/accounts/password/reset/"},
}
# allauth's security notices (send_notification_mail).
NOTICES = {
    "account/email/email_changed": {"from_email": "alt@schule-a.de", "to_email": "anna.lehrerin@schule-a.de"},
    "account/email/email_confirm": {"email": "anna.lehrerin@schule-a.de"},
    "account/email/email_deleted": {"deleted_email": "alt@schule-a.de"},
    "account/email/password_changed": {},
    "account/email/password_set": {},
    "account/email/password_reset": {},
    "mfa/email/totp_activated": {},
    "mfa/email/totp_deactivated": {},
    "mfa/email/recovery_codes_generated": {},
    "mfa/email/webauthn_added": {},
    "mfa/email/webauthn_removed": {},
    "socialaccount/email/account_connected": {"provider": SimpleNamespace(name="IServ")},
    "socialaccount/email/account_disconnected": {"provider": SimpleNamespace(name="IServ")},
}


@pytest.mark.parametrize("prefix", sorted(ADDRESS_MAILS))
def test_allauth_mails_to_an_account_are_the_platforms(prefix, request_in_german, lehrkraft_a):
    context = {"user": lehrkraft_a, **ADDRESS_MAILS[prefix]}

    get_adapter(request_in_german).send_mail(prefix, lehrkraft_a.email, context)

    (message,) = mail.outbox
    assert message.to == [lehrkraft_a.email]
    assert_platform_mail(message, greeting="Guten Tag Anna Lehmann,")
    for key, value in ADDRESS_MAILS[prefix].items():
        if key.endswith("_url"):
            assert value.replace("http://testserver", settings.SITE_URL) in message.body
        elif key == "code":
            assert value in message.body


@pytest.mark.parametrize("prefix", sorted(NOTICES))
def test_security_notices_are_the_platforms(prefix, request_in_german, lehrkraft_a):
    get_adapter(request_in_german).send_notification_mail(prefix, lehrkraft_a, dict(NOTICES[prefix]))

    (message,) = mail.outbox
    assert_platform_mail(message, greeting="Guten Tag Anna Lehmann,")
    assert "An Ihrem Konto bei Lernen 25 wurde Folgendes geändert:" in message.body
    assert f"{settings.SITE_URL}/accounts/password/change/" in message.body


def test_a_mail_to_an_address_without_account_greets_without_a_name(request_in_german, db):
    get_adapter(request_in_german).send_mail(
        "account/email/unknown_account", "niemand@schule-x.de", {"signup_url": "http://testserver/accounts/signup/"}
    )

    (message,) = mail.outbox
    assert_platform_mail(message, greeting="Guten Tag,")
    assert "niemand@schule-x.de" in message.body
    assert message.subject == "[Lernen 25] Kein Konto zu dieser Adresse"


def test_sign_up_mail_comes_from_the_real_flow_in_the_platforms_look(client, roles):
    client.post(
        "/accounts/signup/",
        SIGN_UP_NILS,
    )

    (message,) = mail.outbox
    assert message.subject == "[Lernen 25] Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert_platform_mail(message, greeting="Guten Tag Nils Neu,")
    assert "Vielen Dank für Ihre Registrierung bei Lernen 25." in message.body
    assert re.search(re.escape(settings.SITE_URL) + r"/accounts/confirm-email/\S+/", message.body)


def test_password_change_sends_a_security_notice(client, lehrkraft_a):
    from tests.factories import TEST_PASSWORD

    client.force_login(lehrkraft_a)
    new = "Neue-Passphrase-2026"
    response = client.post(
        "/accounts/password/change/", {"oldpassword": TEST_PASSWORD, "password1": new, "password2": new}
    )

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "[Lernen 25] Ihr Passwort wurde geändert"
    assert_platform_mail(message, greeting="Guten Tag Anna Lehmann,")


def test_notification_mail_is_the_platforms(signed_up, schulleitung_a, school_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.request_confirmation(actor=signed_up, school=school_a)

    (message,) = mail.outbox
    assert message.to == [schulleitung_a.email]
    text = f"Nora Neumann bittet um Bestätigung als Lehrkraft an der Schule {school_a.name}."
    assert_platform_mail(message, greeting="Guten Tag Sabine Leitz,")
    assert text in message.body and text in message.alternatives[0][0]
    assert message.subject.startswith("[Lernen 25] Nora Neumann")
    assert f"{settings.SITE_URL}/profil/" in message.body  # where to switch these mails off


@pytest.mark.needs_app("plc")
def test_mention_digest_is_the_platforms(lehrkraft_a, plg_leitung):
    from plc.digest import send_mention_digest

    params = {"name": plg_leitung.display_name, "topic": "Geometrie"}
    notify([lehrkraft_a], actor=plg_leitung, kind="plc.mention", params=params, url="/plg-raum/1/#m1", email=False)

    assert send_mention_digest() == 1
    (message,) = mail.outbox
    assert message.subject == "[Lernen 25] Sie wurden einmal erwähnt"
    assert_platform_mail(message, greeting="Guten Tag Anna Lehmann,")
    assert "Lena Leitner hat Sie in „Geometrie“ erwähnt." in message.body
    assert f"{settings.SITE_URL}/plg-raum/1/#m1" in message.alternatives[0][0]


def test_plain_service_mail_gets_the_layout(db):
    body = "Lena Leitner lädt Sie zur PLG „Geometrie“ ein.\n\nhttp://127.0.0.1:8000/accounts/signup/"

    send_plain_mail.call(to="neu@schule-x.de", subject="Einladung zur PLG", body=body)

    (message,) = mail.outbox
    assert message.subject == "[Lernen 25] Einladung zur PLG"
    html = message.alternatives[0][0]
    assert "Lena Leitner lädt Sie zur PLG „Geometrie“ ein." in message.body
    assert "Lena Leitner lädt Sie zur PLG „Geometrie“ ein.<br><br>" in html
    assert message.body.startswith("Guten Tag,\n")
    assert FOOTER in html and FOOTER in message.body

"""Identity with django-allauth: e-mail sign-in, verification, reset, rate limits, one account for site and admin."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail

from tests.factories import TEST_PASSWORD, UserFactory, totp_code, verified, with_totp

User = get_user_model()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


def sign_in(client, email, password=TEST_PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_sign_up_sends_a_german_verification_mail_and_the_link_signs_in(client, roles, school_a):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "neu@schule-a.de",
            "password1": "Lange-Passphrase-2025",
            "password2": "Lange-Passphrase-2025",
            "first_name": "Nora",
            "last_name": "Neumann",
            "school": school_a.pk,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="neu@schule-a.de")
    assert (user.first_name, user.last_name) == ("Nora", "Neumann")
    # choosing a school asks it to confirm; it grants nothing by itself (the principal decides)
    assert list(user.confirmation_requests.values_list("school", "status")) == [(school_a.pk, "pending")]
    assert not user.affiliations.exists()
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.startswith("[Lernen 25]")
    assert "E-Mail" in message.subject
    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/confirm-email/[^\s]+/)", message.body).group(1)

    # the link shows a confirmation page (GET changes nothing), the button confirms
    assert client.get(link).status_code == 200
    assert not EmailAddress.objects.get(user=user).verified
    confirmed = client.post(link)

    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.get("/").context["user"] == user


def test_unverified_account_cannot_sign_in(client, roles):
    UserFactory(email="ohne.bestaetigung@schule.de")

    response = sign_in(client, "ohne.bestaetigung@schule.de")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_sign_in_by_email_address_any_case(client, lehrkraft_a):
    response = sign_in(client, "Anna.Lehrerin@Schule-A.de")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(lehrkraft_a.pk)


def test_wrong_password_gives_a_german_error_and_no_session(client, lehrkraft_a):
    response = sign_in(client, lehrkraft_a.email, "falsch")

    assert response.status_code == 200
    assert "Die E-Mail-Adresse und/oder das Passwort sind leider falsch." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_sign_ins_pause_the_account_on_this_device_or_network(client, lehrkraft_a):
    for _ in range(5):
        assert sign_in(client, lehrkraft_a.email, "falsch").status_code == 200

    blocked = sign_in(client, lehrkraft_a.email, TEST_PASSWORD)

    # the same account from the same address is paused, even with the right password (lernen25.signin_throttle)
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "60"
    assert "Zu viele gescheiterte Anmeldeversuche." in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_rate_limit_of_one_account_does_not_block_another(client, lehrkraft_a, lehrkraft_b):
    for _ in range(5):
        sign_in(client, lehrkraft_a.email, "falsch")

    sign_in(client, lehrkraft_b.email)

    assert client.session["_auth_user_id"] == str(lehrkraft_b.pk)


def test_password_reset_mails_a_german_link_that_sets_a_new_password(client, lehrkraft_a):
    response = client.post("/accounts/password/reset/", {"email": lehrkraft_a.email})

    assert response.status_code == 302
    body = mail.outbox[0].body
    assert "Passwort" in mail.outbox[0].subject
    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/password/reset/key/[^\s]+/)", body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(set_url, {"password1": "Neue-Passphrase-2026", "password2": "Neue-Passphrase-2026"})
    assert done.status_code == 302
    lehrkraft_a.refresh_from_db()
    assert lehrkraft_a.check_password("Neue-Passphrase-2026")


def test_password_reset_for_unknown_address_reveals_nothing(client, roles):
    response = client.post("/accounts/password/reset/", {"email": "niemand@nirgends.de"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"


def test_sign_out_needs_a_post(client, lehrkraft_a):
    client.force_login(lehrkraft_a)

    assert client.get("/accounts/logout/").status_code == 200  # a confirmation page
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_the_admin_and_the_site_share_one_account(client, smz):
    # the SMZ has a second factor: allauth asks for the code after the password
    assert sign_in(client, smz.email)["Location"] == "/accounts/2fa/authenticate/"
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "Lernen 25" in response.content.decode()


def test_teacher_signed_in_on_the_site_is_not_let_into_the_admin(client, lehrkraft_a):
    sign_in(client, lehrkraft_a.email)

    response = client.get("/admin/")

    assert response.status_code == 403
    assert "Ihr Konto hat keinen Zugang zur Verwaltung." in response.content.decode()


@pytest.mark.django_db
def test_school_sso_button_appears_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "schul-sso",
                    "name": "Schul-Anmeldung",
                    "client_id": "lernen25",
                    "secret": "geheim",
                    "settings": {"server_url": "https://sso.iserv.example"},
                }
            ]
        }
    }

    page = client.get("/accounts/login/").content.decode()

    assert "Schul-Anmeldung" in page
    assert "/accounts/oidc/schul-sso/login/" in page


@pytest.mark.django_db
def test_no_sso_button_by_default(client):
    assert "/accounts/oidc/" not in client.get("/accounts/login/").content.decode()


def test_superuser_created_on_the_command_line_signs_in_by_email(client, db):
    user = verified(User.objects.create_superuser(email="Root@Lernen25.de", password=TEST_PASSWORD))

    assert user.email == "root@lernen25.de"
    sign_in(client, "root@lernen25.de")
    # without a second factor the admin stays closed, with the explanation (lernen25.mfa)
    assert client.get("/admin/").status_code == 403
    with_totp(user)
    assert client.get("/admin/").status_code == 200

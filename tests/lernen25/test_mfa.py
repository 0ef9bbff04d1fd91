"""Two-factor sign-in for the powerful: the gate, the lead to set-up, and every sign-in door.

The powerful personas (conftest) have a TOTP authenticator; ``pending()`` takes it away, which is
the state of a person who was given a role but has not set up an authenticator app yet.
"""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.messages import get_messages
from django.urls import resolve, reverse

from lernen25 import mfa
from lernen25.roles import Capability, forget_grants, has_capability, mfa_pending, requires_mfa
from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET, totp_code, with_totp

# German texts of this feature (lernen25/TRANSLATIONS_MFA.de.txt, merged into the catalog by the lead).
REQUIRED = "Zwei-Faktor-Anmeldung erforderlich"
EXPLANATION = "Ihre Rolle erfordert die Zwei-Faktor-Anmeldung. Bis Sie eine Authenticator-App eingerichtet haben"
LED_TO_SETUP = "Richten Sie jetzt eine Authenticator-App ein"
CANNOT_SWITCH_OFF = "Ihre Rolle erfordert die Zwei-Faktor-Anmeldung, daher können Sie sie nicht ausschalten."
POWERS_ACTIVE = "Die Befugnisse Ihrer Rolle sind jetzt aktiv."
NO_ADMIN_ACCESS = "Ihr Konto hat keinen Zugang zur Verwaltung."
# allauth's own German (already in its catalog).
WRONG_CODE = "Falscher Code."

# Persona -> a power of its role, and whether that power is asked for school A.
POWERFUL = {
    "smz": (Capability.PLG_CURATE, False),
    "datenschutz": (Capability.SOFTWARE_REVIEW, False),
    "schultraeger": (Capability.PLANNING_READ, False),
    "admin_user": (Capability.SCHOOLS_MANAGE, False),
    "schulleitung_a": (Capability.STAFF_MANAGE, True),
}
ADMIN_PERSONAS = ["smz", "datenschutz", "schultraeger", "admin_user"]  # open the Wagtail admin with TOTP
PEOPLE_VIEWERS = ["smz", "admin_user", "schulleitung_a"]  # see school A's people with TOTP
PEOPLE_URL = "/schulen/165432/personen/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and used TOTP codes live in the cache; every test starts without them."""
    from django.core.cache import cache

    cache.clear()


def pending(user):
    """The person without an authenticator: their powers wait for a second factor."""
    Authenticator.objects.filter(user=user).delete()
    forget_grants(user)
    return user


def holds_power(name, user, school) -> bool:
    capability, per_school = POWERFUL[name]
    return has_capability(user, capability, school=school) if per_school else has_capability(user, capability)


def sign_in(client, user, password=TEST_PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": user.email, "password": password, **extra})


def sign_in_with_code(client, user, secret=TEST_TOTP_SECRET):
    response = sign_in(client, user)
    assert response["Location"] == reverse("mfa_authenticate")
    return client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})


def confirm_password(client, next_url, password=TEST_PASSWORD):
    """allauth 65.21 asks for the password again before any change to the second factor, even
    right after sign-in (only records marked ``reauthenticated`` count); it then resumes ``next``."""
    response = client.get(next_url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": password})
    assert response.status_code == 302
    assert response["Location"] == next_url
    return client.get(next_url)


def signed_in_id(client):
    return client.session.get("_auth_user_id")


def message_texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The capability layer --------------------------------------------------------------------


@pytest.mark.parametrize("name", POWERFUL)
def test_without_an_authenticator_the_powers_of_the_role_are_withheld(request, name, school_a):
    user = request.getfixturevalue(name)
    assert requires_mfa(user) and not mfa_pending(user)
    assert holds_power(name, user, school_a)

    pending(user)

    assert mfa_pending(user)
    assert not holds_power(name, user, school_a)


@pytest.mark.parametrize("name", ["lehrkraft_a", "medienbeauftragte_a", "plg_leitung", "signed_up"])
def test_teachers_media_coordinators_plc_leads_and_guests_are_never_gated(request, client, name):
    user = request.getfixturevalue(name)

    assert not requires_mfa(user) and not mfa_pending(user)
    response = sign_in(client, user)
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get(reverse("profile")).content.decode()
    assert mfa.setup_url() not in page
    assert REQUIRED not in page


# --- The gate ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", POWERFUL)
@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/", "/django-admin/"])
def test_pending_person_is_refused_the_admin_areas_with_the_explanation(request, client, name, path):
    user = pending(request.getfixturevalue(name))
    client.force_login(user)

    response = client.get(path)

    assert response.status_code == 403
    page = response.content.decode()
    assert f'href="{mfa.setup_url()}"' in page
    assert REQUIRED in page
    assert EXPLANATION in page


@pytest.mark.parametrize("name", ADMIN_PERSONAS)
def test_with_an_authenticator_the_admin_opens(request, client, name):
    client.force_login(request.getfixturevalue(name))

    assert client.get("/admin/").status_code == 200


def test_with_an_authenticator_the_superuser_opens_django_admin(client, admin_user):
    client.force_login(admin_user)

    assert client.get("/django-admin/").status_code == 200


@pytest.mark.parametrize("name", POWERFUL)
def test_pending_person_refused_the_people_page_is_told_why_and_where_to_set_up(request, client, name, school_a):
    client.force_login(pending(request.getfixturevalue(name)))

    response = client.get(reverse("school_people", kwargs={"number": school_a.number}))

    assert response.status_code == 403
    page = response.content.decode()
    assert f'href="{mfa.setup_url()}"' in page
    assert EXPLANATION in page
    assert page.count(REQUIRED) == 1  # the explanation on the page, no banner above it


@pytest.mark.parametrize("name", PEOPLE_VIEWERS)
def test_with_an_authenticator_the_people_page_opens_without_a_banner(request, client, name, school_a):
    client.force_login(request.getfixturevalue(name))

    response = client.get(PEOPLE_URL)

    assert response.status_code == 200
    assert mfa.setup_url() not in response.content.decode()


def test_refused_without_a_role_problem_the_403_page_does_not_mention_two_factor(client, datenschutz, school_a):
    client.force_login(datenschutz)  # has an authenticator; the people page is not for this role

    response = client.get(PEOPLE_URL)

    assert response.status_code == 403
    assert mfa.setup_url() not in response.content.decode()


@pytest.mark.parametrize("name", POWERFUL)
def test_pending_person_sees_a_banner_on_every_other_page(request, client, name):
    client.force_login(pending(request.getfixturevalue(name)))

    for path in ("/", reverse("profile"), reverse("notifications")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.wsgi_request.mfa_pending
        page = response.content.decode()
        assert f'href="{mfa.setup_url()}"' in page, path
        assert REQUIRED in page, path


def test_no_banner_on_the_set_up_path_where_it_would_only_repeat_itself(client, smz):
    sign_in(client, pending(smz))

    confirmation = client.get(reverse("account_reauthenticate"))
    setup = confirm_password(client, mfa.setup_url())

    for response in (confirmation, setup):
        assert response.status_code == 200
        assert response.wsgi_request.mfa_pending
        assert REQUIRED not in response.content.decode()


def test_the_gate_leaves_guests_alone(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert response.wsgi_request.mfa_pending is False


def test_signed_in_person_without_admin_access_gets_a_403_not_a_redirect_loop(client, lehrkraft_a):
    client.force_login(lehrkraft_a)

    for path in ("/admin/", "/django-admin/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert NO_ADMIN_ACCESS in response.content.decode()
        assert mfa.setup_url() not in response.content.decode()


# --- Led to the set-up after sign-in ------------------------------------------------------------


@pytest.mark.parametrize("name", POWERFUL)
def test_pending_person_signing_in_is_led_to_the_totp_setup(request, client, name):
    user = pending(request.getfixturevalue(name))

    response = sign_in(client, user)

    assert response.status_code == 302
    assert response["Location"] == mfa.setup_url()
    assert signed_in_id(client) == str(user.pk)
    assert any(LED_TO_SETUP in text for text in message_texts(response))
    setup = confirm_password(client, mfa.setup_url())
    assert setup.status_code == 200
    assert REQUIRED in client.get(reverse("profile")).content.decode()  # the banner elsewhere
    assert REQUIRED not in setup.content.decode()  # no banner on the set-up page itself


def test_a_next_from_the_admin_door_does_not_skip_the_setup(client, smz):
    pending(smz)

    response = sign_in(client, smz, next="/admin/")

    assert response["Location"] == mfa.setup_url()


def test_a_person_with_an_authenticator_follows_next_after_the_code(client, smz):
    response = sign_in(client, smz, next="/admin/")
    assert response["Location"] == reverse("mfa_authenticate")

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})

    assert response["Location"] == "/admin/"


def test_setting_up_totp_makes_recovery_codes_and_lifts_the_gate_in_the_same_session(
    client, smz, django_capture_on_commit_callbacks
):
    pending(smz)
    sign_in(client, smz)
    confirm_password(client, mfa.setup_url())  # allauth keeps the proposed secret in the session
    secret = client.session["mfa.totp.secret"]

    # allauth announces the new authenticator after commit (autocommit in production).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(mfa.setup_url(), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert set(Authenticator.objects.filter(user=smz).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP,
        Authenticator.Type.RECOVERY_CODES,
    }
    assert response.wsgi_request.mfa_pending is False  # lifted within the activating request
    assert any(POWERS_ACTIVE in text for text in message_texts(response))
    assert client.get("/admin/").status_code == 200
    assert REQUIRED not in client.get(reverse("profile")).content.decode()
    forget_grants(smz)
    assert has_capability(smz, Capability.PLG_CURATE)


# --- The second factor at sign-in -----------------------------------------------------------------


def test_a_person_with_totp_is_asked_for_the_code_and_not_signed_in_before_it(client, smz):
    response = sign_in(client, smz)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_id(client) is None
    assert client.get(reverse("profile"))["Location"].startswith(reverse("account_login"))

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})

    assert response.status_code == 302
    assert signed_in_id(client) == str(smz.pk)


def test_a_wrong_code_is_refused_with_a_message_and_signs_nobody_in(client, smz):
    sign_in(client, smz)
    wrong = f"{(int(totp_code()) + 500_000) % 1_000_000:06d}"

    response = client.post(reverse("mfa_authenticate"), {"code": wrong})

    assert response.status_code == 200
    assert WRONG_CODE in response.content.decode()
    assert signed_in_id(client) is None


def test_a_principal_with_totp_is_asked_for_the_code_too(client, schulleitung_a):
    response = sign_in_with_code(client, schulleitung_a)

    assert response.status_code == 302
    assert signed_in_id(client) == str(schulleitung_a.pk)


# --- Keeping the second factor -------------------------------------------------------------------


def test_a_powerful_person_cannot_deactivate_totp_and_is_told_why(client, smz):
    sign_in_with_code(client, smz)
    url = reverse("mfa_deactivate_totp")

    page = confirm_password(client, url)
    response = client.post(url)

    assert page.status_code == 200
    assert CANNOT_SWITCH_OFF in page.content.decode()
    assert response.status_code == 200
    assert CANNOT_SWITCH_OFF in response.content.decode()
    assert Authenticator.objects.filter(user=smz, type=Authenticator.Type.TOTP).exists()


def test_a_teacher_may_deactivate_the_totp_they_chose_to_use(client, lehrkraft_a):
    with_totp(lehrkraft_a)
    sign_in_with_code(client, lehrkraft_a)
    confirm_password(client, reverse("mfa_deactivate_totp"))

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=lehrkraft_a, type=Authenticator.Type.TOTP).exists()


# --- Every sign-in door goes through allauth ------------------------------------------------------


@pytest.mark.parametrize("door", ["/admin/login/", "/django-admin/login/", "/_util/login/"])
def test_the_admins_login_pages_redirect_to_allauth_keeping_a_safe_next(client, door, db):
    response = client.get(door, {"next": "/admin/pages/"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2Fpages%2F"


@pytest.mark.parametrize("door", ["/admin/login/", "/django-admin/login/", "/_util/login/"])
def test_the_admins_login_pages_drop_a_next_to_another_site(client, door, db):
    response = client.get(door, {"next": "https://boese.example/admin/"})

    assert response["Location"] == reverse("account_login")


@pytest.mark.parametrize("door", ["/admin/login/", "/django-admin/login/"])
@pytest.mark.parametrize("name", ["smz", "admin_user", "lehrkraft_a"])
def test_posting_credentials_to_an_admin_login_page_signs_nobody_in(request, client, door, name):
    user = request.getfixturevalue(name)
    credentials = {"username": user.email, "password": TEST_PASSWORD, "next": "/admin/"}

    response = client.post(door, credentials)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"
    assert signed_in_id(client) is None


def test_the_door_answers_a_post_without_csrf_token_with_the_redirect_too(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x@y.de", "password": "z"})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")


def test_the_named_admin_login_urls_are_the_doors(db):
    assert resolve(reverse("wagtailadmin_login")).func is mfa.sign_in_door
    assert resolve(reverse("admin:login")).func is mfa.sign_in_door
    assert resolve(reverse("wagtailcore_login")).func is mfa.sign_in_door


def test_anonymous_visit_to_the_wagtail_admin_lands_on_allauth(client, db):
    response = client.get("/admin/pages/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/admin/pages/"


def test_anonymous_visit_to_django_admin_lands_on_allauth(client, db):
    response = client.get("/django-admin/", follow=True)

    assert response.redirect_chain[-1] == (f"{reverse('account_login')}?next=%2Fdjango-admin%2F", 302)
    assert response.status_code == 200


def test_wagtail_password_reset_and_allauth_code_login_are_off(client, db, settings):
    from allauth.account import app_settings as account_settings
    from allauth.mfa import app_settings as mfa_settings

    assert client.get("/admin/password_reset/").status_code == 404
    assert not account_settings.LOGIN_BY_CODE_ENABLED
    assert not mfa_settings.PASSKEY_LOGIN_ENABLED
    assert not mfa_settings.TRUST_ENABLED  # no "trust this browser": the code every time
    assert settings.WAGTAILADMIN_LOGIN_URL == settings.WAGTAIL_FRONTEND_LOGIN_URL == "account_login"


# --- Demo secrets ---------------------------------------------------------------------------------


def test_demo_secrets_give_codes_that_allauth_accepts():
    from allauth.mfa.totp.internal.auth import validate_totp_code

    for secret in mfa.DEMO_TOTP_SECRETS.values():
        assert validate_totp_code(secret, totp_code(secret))

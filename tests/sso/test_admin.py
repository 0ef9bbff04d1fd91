"""The Wagtail admin screen of the school sign-ons, and the services behind it: administrators only."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from allauth.socialaccount.models import SocialAccount

from lernen25.errors import RefusalKind, Refused
from lernen25.models import AuditEvent
from sso import services
from sso.models import SchoolSignOn
from tests.factories import UserFactory, verified

pytestmark = pytest.mark.django_db

INDEX = "/admin/school_sign_ons/"
ADD = "/admin/school_sign_ons/new/"


def edit_url(signon):
    return f"/admin/school_sign_ons/edit/{signon.pk}/"


def delete_url(signon):
    return f"/admin/school_sign_ons/delete/{signon.pk}/"


def refused(response) -> bool:
    """Refused the way the admin refuses: a redirect to the sign-in page (no admin access) or to
    the dashboard (no permission), or the MFA gate's 403 (powers waiting for a second factor)."""
    if response.status_code == 403:
        return True
    locations = ("/admin/", "/admin/login/", "/accounts/login/")
    return response.status_code == 302 and urlparse(response["Location"]).path in locations


def form_data(school, **overrides):
    data = {
        "school": school.pk,
        "provider_id": "iserv-165432",
        "name": "IServ Gesamtschule Meiderich",
        "server_url": "https://ge-meiderich.example/iserv/oauth/",
        "client_id": "lernen25-a",
        "secret": "sehr-geheim-123",
        "scopes": "openid profile email roles",
        "teacher_claim": "roles",
        "teacher_values": "teacher,lehrer",
        "enabled": "on",
    }
    data.update(overrides)
    return data


class TestAdminScreen:
    def test_admin_lists_sign_ons(self, client, admin_user, signon_a, signon_b):
        client.force_login(admin_user)

        response = client.get(INDEX)

        assert response.status_code == 200
        page = response.content.decode()
        assert "IServ Gesamtschule Meiderich" in page and "iserv-187654" in page
        assert "geheim-a" not in page

    def test_admin_finds_the_menu_item(self, client, admin_user):
        client.force_login(admin_user)

        assert INDEX in client.get("/admin/").content.decode()

    def test_admin_creates_a_sign_on(self, client, admin_user, school_a):
        client.force_login(admin_user)

        response = client.post(ADD, form_data(school_a))

        assert response.status_code == 302, response.content.decode()[:2000]
        signon = SchoolSignOn.objects.get(provider_id="iserv-165432")
        assert signon.school == school_a
        assert signon.secret == "sehr-geheim-123"
        assert signon.server_url == "https://ge-meiderich.example/iserv/oauth"  # trailing slash dropped
        assert signon.scope_list == ["openid", "profile", "email", "roles"]
        event = AuditEvent.objects.get(action="sso.signon.created")
        assert event.actor == admin_user
        assert event.data["provider_id"] == "iserv-165432" and event.data["school"] == "165432"
        assert "sehr-geheim-123" not in str(event.data)

    def test_create_needs_a_secret(self, client, admin_user, school_a):
        client.force_login(admin_user)

        response = client.post(ADD, form_data(school_a, secret=""))

        assert response.status_code == 200
        assert not SchoolSignOn.objects.exists()

    def test_http_issuer_is_refused_in_production(self, client, admin_user, school_a):
        client.force_login(admin_user)

        response = client.post(ADD, form_data(school_a, server_url="http://ge-meiderich.example/iserv/oauth"))

        assert response.status_code == 200
        assert not SchoolSignOn.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="sso.").exists()

    def test_edit_form_never_echoes_the_secret(self, client, admin_user, signon_a):
        client.force_login(admin_user)

        page = client.get(edit_url(signon_a)).content.decode()

        assert "geheim-a" not in page
        assert 'type="password"' in page

    def test_empty_secret_keeps_the_stored_one(self, client, admin_user, signon_a):
        client.force_login(admin_user)
        data = form_data(signon_a.school, secret="", name="IServ GE Meiderich", enabled="")

        response = client.post(edit_url(signon_a), data)

        assert response.status_code == 302, response.content.decode()[:2000]
        signon_a.refresh_from_db()
        assert signon_a.secret == "geheim-a"
        assert signon_a.name == "IServ GE Meiderich"
        assert signon_a.enabled is False
        event = AuditEvent.objects.get(action="sso.signon.changed")
        assert "secret" not in event.data["fields"]
        assert {"name", "enabled"} <= set(event.data["fields"])

    def test_new_secret_is_stored_and_audited_without_its_value(self, client, admin_user, signon_a):
        client.force_login(admin_user)

        client.post(edit_url(signon_a), form_data(signon_a.school, secret="neues-geheimnis"))

        signon_a.refresh_from_db()
        assert signon_a.secret == "neues-geheimnis"
        event = AuditEvent.objects.get(action="sso.signon.changed")
        assert "secret" in event.data["fields"]
        assert "neues-geheimnis" not in str(event.data)

    def test_provider_id_cannot_be_changed(self, client, admin_user, signon_a):
        client.force_login(admin_user)

        client.post(edit_url(signon_a), form_data(signon_a.school, provider_id="iserv-anders", secret=""))

        signon_a.refresh_from_db()
        assert signon_a.provider_id == "iserv-165432"

    def test_admin_deletes_and_accounts_are_disconnected(self, client, admin_user, signon_a, signed_up):
        SocialAccount.objects.create(user=signed_up, provider="iserv-165432", uid="x")
        client.force_login(admin_user)

        response = client.post(delete_url(signon_a))

        assert response.status_code == 302
        assert not SchoolSignOn.objects.exists()
        assert not SocialAccount.objects.exists()
        event = AuditEvent.objects.get(action="sso.signon.deleted")
        assert event.data["provider_id"] == "iserv-165432" and event.data["disconnected"] == 1
        signed_up.refresh_from_db()  # the person keeps the account

    def test_teacher_is_refused(self, client, lehrkraft_a, signon_a):
        client.force_login(lehrkraft_a)

        for url in (INDEX, ADD, edit_url(signon_a), delete_url(signon_a)):
            assert refused(client.get(url))
        client.post(ADD, form_data(signon_a.school, provider_id="iserv-neu"))
        assert SchoolSignOn.objects.count() == 1

    @pytest.mark.parametrize("persona", ["smz", "schulleitung_a"])
    def test_other_admin_users_are_refused(self, client, request, persona, signon_a):
        user = request.getfixturevalue(persona)
        client.force_login(user)

        for url in (INDEX, ADD, edit_url(signon_a)):
            assert refused(client.get(url))
        client.post(ADD, form_data(signon_a.school, provider_id="iserv-neu"))
        client.post(delete_url(signon_a))
        assert list(SchoolSignOn.objects.values_list("provider_id", flat=True)) == ["iserv-165432"]
        assert INDEX not in client.get("/admin/").content.decode()  # no menu item

    def test_superuser_without_second_factor_is_refused(self, client, roles, signon_a):
        root = verified(UserFactory(email="root@lernen25.de", is_staff=True, is_superuser=True))
        client.force_login(root)

        assert refused(client.get(INDEX))
        assert not services.may_manage(root)


class TestServices:
    def _create(self, actor, school, **overrides):
        values = {
            "provider_id": "iserv-165432",
            "name": "IServ",
            "server_url": "https://iserv.example/iserv/oauth",
            "client_id": "c",
            "secret": "s",
        }
        values.update(overrides)
        return services.create_signon(actor=actor, school=school, **values)

    def test_only_administrators(self, smz, lehrkraft_a, school_a):
        for actor in (smz, lehrkraft_a):
            with pytest.raises(Refused) as refusal:
                self._create(actor, school_a)
            assert refusal.value.kind == RefusalKind.FORBIDDEN
        assert not SchoolSignOn.objects.exists()

    def test_http_only_with_debug(self, settings, admin_user, school_a):
        with pytest.raises(Refused):
            self._create(admin_user, school_a, server_url="http://iserv.example/iserv/oauth")

        settings.DEBUG = True
        signon = self._create(admin_user, school_a, server_url="http://localhost:8080/realms/test")
        assert signon.server_url == "http://localhost:8080/realms/test"

    @pytest.mark.parametrize("provider_id", ["schul-sso", "openid_connect", "Iserv 1", "-x", "iserv/1"])
    def test_provider_id_must_be_free_and_a_slug(self, settings, admin_user, school_a, provider_id):
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "APPS": [
                    {
                        "provider_id": "schul-sso",
                        "client_id": "x",
                        "secret": "y",
                        "settings": {"server_url": "https://sso.example"},
                    }
                ]
            }
        }
        with pytest.raises(Refused) as refusal:
            self._create(admin_user, school_a, provider_id=provider_id)
        assert refusal.value.kind == RefusalKind.INVALID

    def test_provider_id_is_unique(self, admin_user, school_a, school_b):
        self._create(admin_user, school_a)
        with pytest.raises(Refused):
            self._create(admin_user, school_b)

    def test_change_refuses_a_new_provider_id(self, admin_user, signon_a):
        with pytest.raises(Refused):
            services.change_signon(actor=admin_user, signon=signon_a, provider_id="iserv-neu")

    def test_change_without_difference_writes_no_event(self, admin_user, signon_a):
        services.change_signon(actor=admin_user, signon=signon_a, name=signon_a.name, secret="")

        assert not AuditEvent.objects.filter(action="sso.signon.changed").exists()

    def test_delete_refused_for_teacher(self, lehrkraft_a, signon_a):
        with pytest.raises(Refused):
            services.delete_signon(actor=lehrkraft_a, signon=signon_a)
        assert SchoolSignOn.objects.exists()

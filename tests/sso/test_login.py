"""A login through a school's own sign-on confirms the Lehrkraft function there, and nothing else.

The claims come from a fake issuer (see helpers.py): no real IServ is reachable from here.
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.contrib.auth import get_user_model

from lernen25.models import Affiliation, AffiliationSource, AuditEvent, SchoolFunction
from lernen25.services import revoke_function, set_staff_email_domain
from sso import services
from sso.adapter import SocialAccountAdapter
from tests.sso.helpers import claims, make_request, sign_in_with, sociallogin_for

User = get_user_model()
pytestmark = pytest.mark.django_db


def functions_of(user):
    return set(Affiliation.objects.active().filter(user=user).values_list("school__number", "function"))


def user_with(email):
    return User.objects.get(email=email)


class TestSignUpAndLogin:
    def test_each_issuer_confirms_at_its_own_school_only(self, signon_a, signon_b):
        request_a, _ = sign_in_with("iserv-165432", claims("a-1", "lena.neu@schule-a.de", roles=["teacher"]))
        request_b, _ = sign_in_with("iserv-187654", claims("b-1", "ben.neu@schule-b.de", groups=["Lehrer"]))

        lena, ben = user_with("lena.neu@schule-a.de"), user_with("ben.neu@schule-b.de")
        assert functions_of(lena) == {("165432", SchoolFunction.LEHRKRAFT)}
        assert functions_of(ben) == {("187654", SchoolFunction.LEHRKRAFT)}
        # signed in, through the real allauth flow
        assert request_a.user == lena and request_b.user == ben
        assert SocialAccount.objects.get(user=lena).provider == "iserv-165432"
        affiliation = Affiliation.objects.get(user=lena)
        assert affiliation.source == AffiliationSource.SINGLE_SIGN_ON
        event = AuditEvent.objects.get(action="lernen25.affiliation.granted", data__user="lena.neu@schule-a.de")
        assert event.data["provider"] == "iserv-165432"
        assert event.data["source"] == "sso"

    def test_the_same_claim_of_another_issuer_does_not_count(self, signon_a, signon_b):
        # School B's sign-on reads "groups" with "Lehrer"; "roles: teacher" means nothing to it.
        sign_in_with("iserv-187654", claims("b-2", "carla@schule-b.de", roles=["teacher"]))

        assert functions_of(user_with("carla@schule-b.de")) == set()

    @pytest.mark.parametrize(
        "roles",
        ["teacher", ["student", "ROLE_TEACHER"], "Lehrer", ["lehrer"], " teacher "],
        ids=["string", "list", "string-other-case", "list-lower-case", "string-with-spaces"],
    )
    def test_teacher_claim_as_string_or_list(self, signon_a, roles):
        sign_in_with("iserv-165432", claims("a-2", "lena.neu@schule-a.de", roles=roles))

        assert functions_of(user_with("lena.neu@schule-a.de")) == {("165432", SchoolFunction.LEHRKRAFT)}

    @pytest.mark.parametrize(
        "extra",
        [{"roles": "student"}, {"roles": ["student", "parent"]}, {"roles": []}, {}, {"roles": {"teacher": True}}],
        ids=["string", "list", "empty", "missing", "object"],
    )
    def test_no_teacher_claim_grants_nothing_but_signs_in(self, signon_a, extra):
        request, _ = sign_in_with("iserv-165432", claims("a-3", "paul@schule-a.de", **extra))

        paul = user_with("paul@schule-a.de")
        assert request.user == paul
        assert functions_of(paul) == set()

    def test_claim_in_the_id_token_counts_too(self, signon_a):
        request = make_request()
        with context.request_context(request):
            login = sociallogin_for(request, "iserv-165432", claims("a-4", "ida@schule-a.de"))
            login.account.extra_data = {"userinfo": claims("a-4", "ida@schule-a.de"), "id_token": {"roles": "teacher"}}
            complete_social_login(request, login)

        assert functions_of(user_with("ida@schule-a.de")) == {("165432", SchoolFunction.LEHRKRAFT)}

    def test_nested_claim(self, signon_a):
        signon_a.teacher_claim = "realm_access.roles"
        signon_a.save()

        sign_in_with("iserv-165432", claims("a-5", "nina@schule-a.de", realm_access={"roles": ["teacher"]}))

        assert functions_of(user_with("nina@schule-a.de")) == {("165432", SchoolFunction.LEHRKRAFT)}

    def test_principal_and_admin_claims_grant_only_lehrkraft(self, signon_a):
        roles = ["teacher", "principal", "schulleitung", "admin", "medienbeauftragte", "ROLE_ADMIN"]

        sign_in_with("iserv-165432", claims("a-6", "chef@schule-a.de", roles=roles, is_admin=True))

        chef = user_with("chef@schule-a.de")
        assert functions_of(chef) == {("165432", SchoolFunction.LEHRKRAFT)}
        assert not chef.is_staff and not chef.is_superuser
        assert not chef.groups.exists()

    def test_principal_claim_without_teacher_grants_nothing(self, signon_a):
        sign_in_with("iserv-165432", claims("a-7", "chefin@schule-a.de", roles=["principal", "admin"]))

        assert functions_of(user_with("chefin@schule-a.de")) == set()

    def test_even_a_misconfigured_value_confirms_only_lehrkraft(self, signon_a):
        signon_a.teacher_values = "schulleitung,admin"
        signon_a.save()

        sign_in_with("iserv-165432", claims("a-8", "sl@schule-a.de", roles=["schulleitung"]))

        assert functions_of(user_with("sl@schule-a.de")) == {("165432", SchoolFunction.LEHRKRAFT)}

    def test_returning_person_is_confirmed_once_the_claim_says_teacher(self, signon_a):
        sign_in_with("iserv-165432", claims("a-9", "referendar@schule-a.de", roles=["student"]))
        person = user_with("referendar@schule-a.de")
        assert functions_of(person) == set()

        request, _ = sign_in_with("iserv-165432", claims("a-9", "referendar@schule-a.de", roles=["teacher"]))

        assert request.user == person
        assert functions_of(person) == {("165432", SchoolFunction.LEHRKRAFT)}
        assert SocialAccount.objects.get(user=person).extra_data["userinfo"]["roles"] == ["teacher"]
        # a third login changes nothing and writes no second grant
        sign_in_with("iserv-165432", claims("a-9", "referendar@schule-a.de", roles=["teacher"]))
        assert Affiliation.objects.filter(user=person).count() == 1

    def test_revoked_function_is_not_granted_again(self, signon_a, schulleitung_a):
        sign_in_with("iserv-165432", claims("a-10", "weg@schule-a.de", roles="teacher"))
        person = user_with("weg@schule-a.de")
        revoke_function(actor=schulleitung_a, affiliation=Affiliation.objects.get(user=person))

        request, _ = sign_in_with("iserv-165432", claims("a-10", "weg@schule-a.de", roles="teacher"))

        assert request.user == person  # still signs in ...
        assert functions_of(person) == set()  # ... but the school's decision stands
        assert Affiliation.objects.filter(user=person).count() == 1

    def test_connecting_a_school_account_confirms(self, signon_a, signed_up):
        request = make_request(signed_up)
        with context.request_context(request):
            login = sociallogin_for(request, "iserv-165432", claims("a-11", "nora@schule-a.de", roles="teacher"))
            login.lookup()
            login.connect(request, signed_up)

        assert functions_of(signed_up) == {("165432", SchoolFunction.LEHRKRAFT)}


class TestDisabledAndUnknown:
    def _existing(self, provider, email="alt@schule-b.de"):
        user = User.objects.create_user(email=email, password=None)
        return SocialAccount.objects.create(
            user=user, provider=provider, uid="x-1", extra_data={"userinfo": {"roles": ["teacher", "Lehrer"]}}
        )

    def test_disabled_sign_on_grants_nothing(self, signon_disabled):
        account = self._existing("iserv-aus")

        assert services.confirm_from_claims(user=account.user, account=account) is None
        # and through the adapter's hook for a returning person
        request = make_request()
        with context.request_context(request):
            login = SocialLogin(user=account.user, account=account)
            SocialAccountAdapter(request).pre_social_login(request, login)
        assert functions_of(account.user) == set()

    def test_disabled_sign_on_offers_no_app(self, signon_a, signon_disabled):
        request = make_request()

        provider_ids = {app.provider_id for app in SocialAccountAdapter(request).list_apps(request)}

        assert "iserv-aus" not in provider_ids
        assert "iserv-165432" in provider_ids

    def test_unknown_provider_grants_nothing(self, signon_a):
        account = self._existing("schul-sso")  # e.g. the environment-configured provider

        assert services.confirm_from_claims(user=account.user, account=account) is None
        assert functions_of(account.user) == set()

    def test_unsaved_user_gets_nothing(self, signon_a):
        account = SocialAccount(provider="iserv-165432", uid="new", extra_data={"roles": "teacher"})

        assert services.confirm_from_claims(user=User(email="x@schule-a.de"), account=account) is None
        assert not Affiliation.objects.exists()


class TestNoConnectionByEmail:
    def test_social_login_with_the_address_of_a_local_account_neither_signs_in_nor_connects(
        self, signon_b, lehrkraft_a
    ):
        # School B's issuer asserts the (verified) address of Anna, who has a local account.
        userinfo = claims("b-evil", "anna.lehrerin@schule-a.de", email_verified=True, groups=["Lehrer"])

        request, response = sign_in_with("iserv-187654", userinfo)

        assert request.user != lehrkraft_a
        assert not request.user.is_authenticated
        assert not SocialAccount.objects.exists()
        assert User.objects.filter(email__iexact="anna.lehrerin@schule-a.de").count() == 1
        assert functions_of(lehrkraft_a) == {("165432", SchoolFunction.LEHRKRAFT)}
        assert response.status_code in (200, 302)

    def test_hand_built_social_login_does_not_connect_either(self, signon_a, lehrkraft_a):
        request = make_request()
        with context.request_context(request):
            provider = get_adapter().get_provider(request, "iserv-165432")
            login = SocialLogin(
                user=User(email="anna.lehrerin@schule-a.de"),
                account=SocialAccount(
                    provider="iserv-165432",
                    uid="a-evil",
                    extra_data={"userinfo": claims("a-evil", "anna.lehrerin@schule-a.de", roles="teacher")},
                ),
                email_addresses=[EmailAddress(email="anna.lehrerin@schule-a.de", verified=True, primary=True)],
                provider=provider,
            )
            complete_social_login(request, login)

        assert not request.user.is_authenticated
        assert not SocialAccount.objects.filter(user=lehrkraft_a).exists()


class TestAssertedAddresses:
    """The staff-e-mail-domain rule counts only addresses confirmed through our own mail."""

    def test_address_in_another_schools_domain_confirms_nothing_there(self, signon_a, signon_b, admin_user):
        request, _ = sign_in_with(
            "iserv-165432", claims("a-20", "eve@schule-b.de", email_verified=True, roles="teacher")
        )

        eve = user_with("eve@schule-b.de")
        # A's issuer confirms her at A (its own claim) but cannot vouch for an address of school B.
        assert functions_of(eve) == {("165432", SchoolFunction.LEHRKRAFT)}
        address = EmailAddress.objects.get(user=eve)
        assert address.email == "eve@schule-b.de" and not address.verified
        # Re-registering B's domain confirms all verified addresses there: hers is not one.
        set_staff_email_domain(actor=admin_user, school=signon_b.school, domain="schule-b.de")
        assert functions_of(eve) == {("165432", SchoolFunction.LEHRKRAFT)}
        # allauth asked her to confirm the address by mail instead of signing her in.
        assert not request.user.is_authenticated

    def test_no_email_confirmed_signal_for_an_asserted_address(self, signon_a, signon_b):
        from allauth.account.signals import email_confirmed

        sent = []

        def receiver(**kwargs):
            sent.append(kwargs["email_address"].email)

        email_confirmed.connect(receiver)
        try:
            sign_in_with("iserv-165432", claims("a-21", "own@schule-a.de", roles="teacher"))
            sign_in_with("iserv-165432", claims("a-22", "foreign@schule-b.de", roles="teacher"))
        finally:
            email_confirmed.disconnect(receiver)

        assert sent == []
        assert functions_of(user_with("foreign@schule-b.de")) == {("165432", SchoolFunction.LEHRKRAFT)}

    def test_address_in_the_own_schools_domain_stays_verified(self, signon_a):
        request, _ = sign_in_with("iserv-165432", claims("a-23", "tom@schule-a.de", roles="teacher"))

        tom = user_with("tom@schule-a.de")
        assert EmailAddress.objects.get(user=tom).verified
        assert request.user == tom

    def test_address_outside_the_own_domain_is_confirmed_by_mail(self, signon_a):
        request, _ = sign_in_with("iserv-165432", claims("a-24", "lisa@privat.example", roles="teacher"))

        lisa = user_with("lisa@privat.example")
        assert not EmailAddress.objects.get(user=lisa).verified
        assert not request.user.is_authenticated
        assert functions_of(lisa) == {("165432", SchoolFunction.LEHRKRAFT)}  # the claim still counts

    def test_environment_provider_vouches_for_no_address(self, settings, signon_b):
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

        sign_in_with("schul-sso", claims("e-1", "zoe@schule-b.de", groups=["Lehrer"], roles="teacher"))
        sign_in_with("schul-sso", claims("e-2", "max@example.org"))

        zoe, max_ = user_with("zoe@schule-b.de"), user_with("max@example.org")
        assert functions_of(zoe) == set()
        assert not EmailAddress.objects.get(user=zoe).verified
        # not even outside every school's domain: the domain could be registered later
        assert not EmailAddress.objects.get(user=max_).verified

"""factory_boy factories. Related objects stay in the same school unless a test says otherwise."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from lernen25.models import District, School, SchoolType

TEST_PASSWORD = "Sicheres-Testpasswort-25"


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: f"{100000 + n:06d}")
    name = factory.Sequence(lambda n: f"Testschule {n}")
    school_type = SchoolType.GESAMTSCHULE
    district = District.MITTE
    street = "Musterstraße 1"
    postal_code = "47051"
    pupils = 800
    teachers = 60


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@schule.duisburg.de")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def schools(self, create, extracted, **kwargs):
        """``schools=[...]``: confirmed as Lehrkraft there (source "granted", by nobody)."""
        if create and extracted:
            from lernen25.models import Affiliation, AffiliationSource, SchoolFunction

            for school in extracted:
                Affiliation.objects.get_or_create(
                    user=self,
                    school=school,
                    function=SchoolFunction.LEHRKRAFT,
                    revoked_at=None,
                    defaults={"source": AffiliationSource.GRANTED},
                )
        if create:
            self.save()


def verified(user):
    """Mark the user's address verified, as allauth requires before sign-in."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


# A fixed TOTP secret for test personas of the powerful roles; tests compute codes from it.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def with_totp(user, secret: str = TEST_TOTP_SECRET):
    """Give the user a TOTP authenticator (allauth MFA), as after setting one up."""
    from allauth.mfa.totp.internal.auth import TOTP

    from lernen25.roles import forget_grants

    TOTP.activate(user, secret)
    forget_grants(user)
    return user


def totp_code(secret: str = TEST_TOTP_SECRET) -> str:
    """The current code of an authenticator app for ``secret``."""
    import time

    from allauth.mfa.app_settings import TOTP_PERIOD
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD))


def fresh_totp_code(secret: str = TEST_TOTP_SECRET, *, margin: float = 5.0) -> str:
    """``totp_code``, but never one about to expire: a browser test needs a few seconds to send it.

    allauth accepts only the current period's code; one computed at second 29.9 of a period and
    checked at 30.1 is refused (a flaky test, seen once in CI). Waits for the next period if fewer
    than ``margin`` seconds are left.
    """
    import time

    from allauth.mfa.app_settings import TOTP_PERIOD

    left = TOTP_PERIOD - time.time() % TOTP_PERIOD
    if left < margin:
        time.sleep(left + 0.05)
    return totp_code(secret)


def with_function(user, school, function, *, granted_by=None):
    """Record a school function as a grant would (without notifications)."""
    from lernen25.models import Affiliation, AffiliationSource
    from lernen25.roles import forget_grants

    Affiliation.objects.create(
        user=user, school=school, function=function, source=AffiliationSource.GRANTED, granted_by=granted_by
    )
    forget_grants(user)
    return user


# The sign-up form as a new teacher fills it in (allauth's fields and ours), for tests that sign up.
SIGN_UP_NILS = {
    "email": "nils.neu@schule-a.de",
    "password1": "Lange-Passphrase-2025",
    "password2": "Lange-Passphrase-2025",
    "first_name": "Nils",
    "last_name": "Neu",
}

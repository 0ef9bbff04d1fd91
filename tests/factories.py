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
        if create and extracted:
            self.profile.schools.add(*extracted)
        if create:
            self.save()


def verified(user):
    """Mark the user's address verified, as allauth requires before sign-in."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user

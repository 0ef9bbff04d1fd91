"""Receivers of the core app, connected in ``Lernen25Config.ready``."""

from __future__ import annotations

from allauth.account.signals import email_confirmed
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="lernen25.create_profile")
def create_profile(sender, instance, created, raw=False, **kwargs):
    """Every account has a profile, however it was made (sign-up, admin, SSO, shell)."""
    if created and not raw:
        from lernen25.models import Profile

        Profile.objects.get_or_create(user=instance)


@receiver(email_confirmed, dispatch_uid="lernen25.confirm_by_email_domain")
def confirm_by_email_domain(sender, request, email_address, **kwargs):
    """A verified address in a school's staff domain confirms the Lehrkraft function there.

    Only our own confirmation flow sends this signal; an address a sign-on provider asserts
    does not count (sso/ makes sure of it).
    """
    from lernen25.services import confirm_by_email_domain as confirm

    confirm(user=email_address.user, email=email_address.email)

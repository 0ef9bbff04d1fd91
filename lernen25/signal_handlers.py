"""Receivers of the core app, connected in ``Lernen25Config.ready``."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="lernen25.create_profile")
def create_profile(sender, instance, created, raw=False, **kwargs):
    """Every account has a profile, however it was made (sign-up, admin, SSO, shell)."""
    if created and not raw:
        from lernen25.models import Profile

        Profile.objects.get_or_create(user=instance)

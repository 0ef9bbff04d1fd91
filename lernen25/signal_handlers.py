"""Receivers of the core app, connected in ``Lernen25Config.ready``."""

from __future__ import annotations

from allauth.account.signals import email_confirmed
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from lernen25.sockets import recheck_user_sockets


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


# --- Open sockets follow the person's session and rights (lernen25.sockets) ---------------------


@receiver(user_logged_out, dispatch_uid="lernen25.sockets.signed_out")
def sockets_signed_out(sender, request, user, **kwargs):
    """Django sends this before it empties the session: name the session that ends."""
    if user is not None:
        session = getattr(request, "session", None)
        recheck_user_sockets(user.pk, ended_session=getattr(session, "session_key", None))


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="lernen25.sockets.user_before")
def remember_credentials(sender, instance, raw=False, update_fields=None, **kwargs):
    """Note the stored password and active flag, to see after the save whether either changed."""
    watched = {"password", "is_active"}
    if raw or instance.pk is None or (update_fields is not None and not watched & set(update_fields)):
        instance._sockets_before = None
        return
    instance._sockets_before = (
        type(instance).objects.filter(pk=instance.pk).values_list("password", "is_active").first()
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="lernen25.sockets.user_after")
def credentials_changed(sender, instance, created, raw=False, **kwargs):
    """A new password (other sessions end) or deactivation: the person's sockets check again."""
    before = getattr(instance, "_sockets_before", None)
    instance._sockets_before = None
    if before is not None and before != (instance.password, instance.is_active):
        recheck_user_sockets(instance.pk)


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="lernen25.sockets.roles")
def roles_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A role taken away (group membership removed): what it allowed may be gone."""
    if action not in ("post_remove", "post_clear"):
        return
    user_ids = {instance.pk} if not reverse else set(pk_set or ())
    if reverse and action == "post_clear":
        return  # a group emptied at once: not done by the platform (roles are removed one by one)
    for user_id in user_ids:
        recheck_user_sockets(user_id)


@receiver(post_save, sender="lernen25.Affiliation", dispatch_uid="lernen25.sockets.function_saved")
@receiver(post_delete, sender="lernen25.Affiliation", dispatch_uid="lernen25.sockets.function_deleted")
def functions_changed(sender, instance, raw=False, **kwargs):
    """A school function granted, revoked or removed: the rules that read functions may answer anew."""
    if not raw:
        recheck_user_sockets(instance.user_id)


@receiver(post_delete, sender=UserSession, dispatch_uid="lernen25.sockets.session_ended")
def session_ended(sender, instance, **kwargs):
    """A session ended from the list of one's sessions (allauth.usersessions)."""
    recheck_user_sockets(instance.user_id)

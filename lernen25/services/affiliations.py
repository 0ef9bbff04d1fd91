"""School functions: granted, confirmed and revoked; never chosen by the person themself.

- A principal (``STAFF_MANAGE`` at the school) grants and revokes Lehrkraft and
  Medienbeauftragte there, decides confirmation requests and registers the staff e-mail domain.
- The SMZ and administrators (``PRINCIPALS_APPOINT``) appoint and remove principals.
- A verified address in a school's staff domain, or a teacher claim of the school's own sign-on,
  confirms the Lehrkraft function automatically; neither ever grants Schulleitung, and neither
  re-grants a function that someone revoked at that school.

Every change is audited in its transaction and the person is notified after commit.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lernen25 import audit
from lernen25.errors import RefusalKind, Refused
from lernen25.models import (
    Affiliation,
    AffiliationSource,
    ConfirmationRequest,
    ConfirmationStatus,
    School,
    SchoolFunction,
)
from lernen25.notifications import notify
from lernen25.permissions import may_register_any_domain, refuse_unless, require
from lernen25.roles import GROUP_NAMES, Role, forget_grants

MAX_PENDING_REQUESTS = 3

# Public mail providers and the city's own domain: no school may claim them as its staff domain,
# or every address there would be confirmed as a teacher of that school.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "arcor.de",
        "duisburg.de",
        "email.de",
        "freenet.de",
        "gmail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hotmail.com",
        "hotmail.de",
        "icloud.com",
        "live.com",
        "live.de",
        "mail.de",
        "mailbox.org",
        "me.com",
        "online.de",
        "outlook.com",
        "outlook.de",
        "posteo.de",
        "proton.me",
        "protonmail.com",
        "t-online.de",
        "vodafone.de",
        "web.de",
        "yahoo.com",
        "yahoo.de",
    }
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)\Z")


def _people_url(school: School) -> str:
    return reverse("school_people", kwargs={"number": school.number})


def _function_label(function: str) -> str:
    return str(SchoolFunction(function).label)


def _grant(*, actor, user, school: School, function: str, source: str, **audit_data) -> Affiliation:
    """Write the affiliation, its audit event and the notification (inside the caller's transaction)."""
    try:
        with transaction.atomic():
            affiliation = Affiliation.objects.create(
                user=user,
                school=school,
                function=function,
                source=source,
                granted_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError:
        raise Refused(
            _("%(name)s already holds the function %(function)s at %(school)s.")
            % {"name": user.display_name, "function": _function_label(function), "school": school.name},
            RefusalKind.CONFLICT,
        ) from None
    # A pending request of the same person to the same school is settled by any grant there.
    ConfirmationRequest.objects.filter(user=user, school=school, status=ConfirmationStatus.PENDING).update(
        status=ConfirmationStatus.ACCEPTED,
        decided_by=affiliation.granted_by,
        decided_at=affiliation.granted_at,
    )
    audit.record(
        "lernen25.affiliation.granted",
        actor=actor,
        target=affiliation,
        user=user.email,
        school=school.number,
        function=str(function),
        source=str(source),
        **audit_data,
    )
    notify(
        [user],
        actor=actor,
        kind="lernen25.affiliation.granted",
        params={"function": str(function), "school": school.name},
        url=reverse("profile"),
    )
    forget_grants(user)
    return affiliation


def grant_function(*, actor, user, school: School, function: str) -> Affiliation:
    """Give ``user`` a function at ``school``, recorded with who granted it and when.

    Refuses when the actor may not grant this function at this school (Schulleitung: only the
    SMZ and administrators), when the account is inactive, or when the function is held already.
    """
    function = SchoolFunction(function)
    require(actor, "lernen25.grant_function", Affiliation(school=school, function=function))
    refuse_unless(
        user.is_active, _("The account of %(name)s is deactivated.") % {"name": user.display_name}, RefusalKind.INVALID
    )
    with transaction.atomic():
        return _grant(actor=actor, user=user, school=school, function=function, source=AffiliationSource.GRANTED)


def revoke_function(*, actor, affiliation: Affiliation) -> Affiliation:
    """End a function; the row stays as history with who revoked it and when.

    Refuses like ``grant_function``, and with a conflict when the function has ended already.
    """
    school = affiliation.school
    require(actor, "lernen25.revoke_function", affiliation)
    with transaction.atomic():
        locked = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
        refuse_unless(locked.revoked_at is None, _("This function has already been revoked."), RefusalKind.CONFLICT)
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor if actor is not None and actor.is_authenticated else None
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            "lernen25.affiliation.revoked",
            actor=actor,
            target=locked,
            user=locked.user.email,
            school=school.number,
            function=locked.function,
        )
        notify(
            [locked.user],
            actor=actor,
            kind="lernen25.affiliation.revoked",
            params={"function": str(locked.function), "school": school.name},
            url=reverse("profile"),
        )
    forget_grants(locked.user)
    affiliation.revoked_at, affiliation.revoked_by = locked.revoked_at, locked.revoked_by
    return locked


# --- Confirmation on request -----------------------------------------------------------------


def _principals_of(school: School) -> list:
    principals = list(
        get_user_model().objects.filter(
            is_active=True,
            affiliations__school=school,
            affiliations__function=SchoolFunction.SCHULLEITUNG,
            affiliations__revoked_at__isnull=True,
        )
    )
    if principals:
        return principals
    # A school without a principal on the platform: the SMZ, who appoint principals, decide.
    return list(get_user_model().objects.filter(is_active=True, groups__name=GROUP_NAMES[Role.SMZ_MODERATION]))


def request_confirmation(*, actor, school: School, message: str = "") -> ConfirmationRequest:
    """Ask ``school`` to confirm the actor as a teacher there; its principals are notified.

    Refuses when the actor is confirmed there already, has a pending request there, or has
    ``MAX_PENDING_REQUESTS`` pending requests in all.
    """
    require(actor, "lernen25.request_confirmation")
    message = (message or "").strip()
    refuse_unless(len(message) <= 1000, _("The message may have at most 1000 characters."), RefusalKind.INVALID)
    refuse_unless(
        not Affiliation.objects.active().filter(user=actor, school=school).exists(),
        _("You are already confirmed at %(school)s.") % {"school": school.name},
        RefusalKind.CONFLICT,
    )
    pending = ConfirmationRequest.objects.filter(user=actor, status=ConfirmationStatus.PENDING)
    refuse_unless(
        not pending.filter(school=school).exists(),
        _("Your request to %(school)s is still waiting for a decision.") % {"school": school.name},
        RefusalKind.CONFLICT,
    )
    refuse_unless(
        pending.count() < MAX_PENDING_REQUESTS,
        _("You have %(count)d requests waiting for a decision; please wait for them first.")
        % {"count": MAX_PENDING_REQUESTS},
        RefusalKind.CONFLICT,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                request = ConfirmationRequest.objects.create(user=actor, school=school, message=message)
        except IntegrityError:
            raise Refused(
                _("Your request to %(school)s is still waiting for a decision.") % {"school": school.name},
                RefusalKind.CONFLICT,
            ) from None
        audit.record("lernen25.confirmation.requested", actor=actor, target=request, school=school.number)
        notify(
            _principals_of(school),
            actor=actor,
            kind="lernen25.confirmation.requested",
            params={"name": actor.display_name, "school": school.name},
            url=_people_url(school),
        )
    return request


def decide_confirmation(*, actor, confirmation: ConfirmationRequest, accept: bool) -> ConfirmationRequest:
    """Confirm (the Lehrkraft function) or decline a request; the person is notified.

    Refuses when the actor does not manage the school's staff, and with a conflict when the
    request has been decided already.
    """
    school = confirmation.school
    require(actor, "lernen25.decide_confirmation", school)
    with transaction.atomic():
        locked = ConfirmationRequest.objects.select_for_update().get(pk=confirmation.pk)
        refuse_unless(
            locked.status == ConfirmationStatus.PENDING,
            _("This request has already been decided."),
            RefusalKind.CONFLICT,
        )
        locked.status = ConfirmationStatus.ACCEPTED if accept else ConfirmationStatus.DECLINED
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(
            "lernen25.confirmation.accepted" if accept else "lernen25.confirmation.declined",
            actor=actor,
            target=locked,
            user=locked.user.email,
            school=school.number,
        )
        if accept:
            already = Affiliation.objects.active().filter(
                user=locked.user, school=school, function=SchoolFunction.LEHRKRAFT
            )
            if not already.exists():
                _grant(
                    actor=actor,
                    user=locked.user,
                    school=school,
                    function=SchoolFunction.LEHRKRAFT,
                    source=AffiliationSource.REQUEST,
                )
        else:
            notify(
                [locked.user],
                actor=actor,
                kind="lernen25.confirmation.declined",
                params={"school": school.name},
                url=reverse("profile"),
            )
    confirmation.status = locked.status
    return locked


# --- Automatic confirmation: the staff e-mail domain and the school's sign-on -----------------


def normalise_domain(value: str) -> str:
    """``"@Schule-XYZ.de "`` -> ``"schule-xyz.de"``; umlaut domains in their ASCII form. Raises Refused."""
    domain = (value or "").strip().lower().lstrip("@").rstrip(".")
    if not domain:
        return ""
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = ""
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise Refused(_("“%(value)s” is not a domain such as schule-xyz.de.") % {"value": value}, RefusalKind.INVALID)
    if domain in PUBLIC_MAIL_DOMAINS:
        raise Refused(
            _("%(domain)s is a public mail provider; only a domain of the school itself can be registered.")
            % {"domain": domain},
            RefusalKind.INVALID,
        )
    return domain


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in (email or "") else ""


def _revoked_before(user, school: School, function: str = SchoolFunction.LEHRKRAFT) -> bool:
    return Affiliation.objects.filter(user=user, school=school, function=function, revoked_at__isnull=False).exists()


def _confirm_automatically(*, user, school: School, source: str, **audit_data) -> Affiliation | None:
    """Confirm Lehrkraft for the system, unless the person holds a function there or lost it there before."""
    if not user.is_active:
        return None
    with transaction.atomic():
        if Affiliation.objects.active().filter(user=user, school=school).exists():
            return None  # any function there makes the person a teacher of the school already
        if _revoked_before(user, school):
            return None
        return _grant(
            actor=None, user=user, school=school, function=SchoolFunction.LEHRKRAFT, source=source, **audit_data
        )


def confirm_by_email_domain(*, user, email: str) -> Affiliation | None:
    """A verified ``email`` in a school's staff domain confirms the Lehrkraft function there.

    Called by the system when allauth reports a verified address; does nothing when no school
    has the domain, the person holds a function there already, or someone revoked their
    Lehrkraft function at that school before.
    """
    domain = email_domain(email)
    school = School.objects.filter(staff_email_domain=domain).first() if domain else None
    if school is None:
        return None
    return _confirm_automatically(user=user, school=school, source=AffiliationSource.EMAIL_DOMAIN, email=email)


def set_staff_email_domain(*, actor, school: School, domain: str) -> School:
    """Register (or, with an empty value, remove) the school's staff e-mail domain.

    A principal may register only a domain in which they have a verified address themself;
    the SMZ and administrators any. Refuses public mail providers and a domain another school
    has. Verified addresses already in the domain are confirmed at once.
    """
    from allauth.account.models import EmailAddress

    require(actor, "lernen25.set_staff_domain", school)
    domain = normalise_domain(domain)
    if domain and not may_register_any_domain(actor):
        own = EmailAddress.objects.filter(user=actor, verified=True, email__iendswith=f"@{domain}").exists()
        refuse_unless(
            own,
            _("You can only register a domain in which you have a verified e-mail address yourself."),
            RefusalKind.INVALID,
        )
    taken = School.objects.filter(staff_email_domain=domain).exclude(pk=school.pk).first() if domain else None
    refuse_unless(
        taken is None,
        _("The domain %(domain)s is already registered for %(school)s.")
        % {"domain": domain, "school": taken.name if taken else ""},
        RefusalKind.CONFLICT,
    )
    with transaction.atomic():
        previous = school.staff_email_domain
        school.staff_email_domain = domain
        school.save(update_fields=["staff_email_domain"])
        audit.record("lernen25.school.email_domain_set", actor=actor, target=school, domain=domain, previous=previous)
        if domain:
            addresses = EmailAddress.objects.filter(verified=True, email__iendswith=f"@{domain}").select_related("user")
            for address in addresses:
                confirm_by_email_domain(user=address.user, email=address.email)
    return school


def confirm_by_single_sign_on(*, user, school: School, provider: str) -> Affiliation | None:
    """The school's own sign-on says ``user`` teaches there: confirm the Lehrkraft function.

    Only Lehrkraft, never Schulleitung; nothing when a function is held there already or the
    Lehrkraft function was revoked there before.
    """
    return _confirm_automatically(user=user, school=school, source=AffiliationSource.SINGLE_SIGN_ON, provider=provider)

"""Writes of the sign-on app, and what a school sign-on's claims confirm.

- Administrators create, change and delete ``SchoolSignOn`` rows; every write is audited
  (``sso.signon.created`` / ``changed`` / ``deleted``), the secret never in the audit data.
- ``confirm_from_claims`` runs on every social login through a school's sign-on (sign-up,
  login, connect): a teacher claim confirms the Lehrkraft function at that school, never more.
- ``distrust_foreign_addresses`` keeps an issuer from vouching for addresses outside its own
  school's staff domain, so the staff-e-mail-domain rule never counts an asserted address.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lernen25 import audit
from lernen25.errors import RefusalKind, Refused
from lernen25.models import Affiliation, School
from lernen25.permissions import allowed, require
from lernen25.services import confirm_by_single_sign_on
from lernen25.services.affiliations import email_domain
from sso.models import SchoolSignOn

EDITABLE_FIELDS = (
    "school",
    "name",
    "server_url",
    "client_id",
    "secret",
    "scopes",
    "teacher_claim",
    "teacher_values",
    "enabled",
)


def may_manage(user, action: str = "change") -> bool:
    return allowed(user, f"sso.{action}_signon")


def _require_manager(actor, action: str) -> None:
    require(actor, f"sso.{action}_signon")


def _validate(signon: SchoolSignOn) -> None:
    try:
        signon.full_clean()
    except ValidationError as error:
        messages = [str(message) for message in error.messages]
        raise Refused(" ".join(messages), RefusalKind.INVALID, details=messages) from None


def _audit_data(signon: SchoolSignOn) -> dict:
    return {
        "provider_id": signon.provider_id,
        "school": signon.school.number,
        "server_url": signon.server_url,
        "enabled": signon.enabled,
    }


def create_signon(
    *, actor, school: School, provider_id: str, name: str, server_url: str, client_id: str, secret: str, **options
) -> SchoolSignOn:
    """Add a school's sign-on. ``options``: scopes, teacher_claim, teacher_values, enabled.

    Refuses non-administrators and invalid values (http issuer outside DEBUG, a taken provider ID).
    """
    _require_manager(actor, "add")
    unknown = set(options) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown sign-on fields: {sorted(unknown)}")
    signon = SchoolSignOn(
        school=school,
        provider_id=(provider_id or "").strip(),
        name=(name or "").strip(),
        server_url=server_url,
        client_id=(client_id or "").strip(),
        secret=secret or "",
        **options,
    )
    _validate(signon)
    with transaction.atomic():
        signon.save()
        audit.record("sso.signon.created", actor=actor, target=signon, **_audit_data(signon))
    return signon


def change_signon(*, actor, signon: SchoolSignOn, **changes) -> SchoolSignOn:
    """Change a sign-on; an empty ``secret`` keeps the stored one. The provider ID never changes.

    The audit event names the changed fields (the secret only as "changed").
    """
    _require_manager(actor, "change")
    if "provider_id" in changes:
        raise Refused(_("The provider ID of a sign-on cannot be changed."), RefusalKind.INVALID)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown sign-on fields: {sorted(unknown)}")
    if not changes.get("secret", True):
        changes.pop("secret")
    with transaction.atomic():
        locked = SchoolSignOn.objects.select_for_update().get(pk=signon.pk)
        before = {field: getattr(locked, field) for field in EDITABLE_FIELDS}
        for field, value in changes.items():
            setattr(locked, field, value)
        _validate(locked)  # also normalises, e.g. the issuer URL's trailing slash
        changed = sorted(field for field in EDITABLE_FIELDS if getattr(locked, field) != before[field])
        if changed:
            locked.save()
            audit.record("sso.signon.changed", actor=actor, target=locked, fields=changed, **_audit_data(locked))
    for field in EDITABLE_FIELDS:
        setattr(signon, field, getattr(locked, field))
    return locked


def delete_signon(*, actor, signon: SchoolSignOn) -> int:
    """Delete a sign-on and disconnect the accounts made through it; returns how many.

    The people keep their accounts and school functions; they sign in with their e-mail
    address (after setting a password) or through another sign-on.
    """
    from allauth.socialaccount.models import SocialAccount

    _require_manager(actor, "delete")
    with transaction.atomic():
        data = _audit_data(signon)
        disconnected, _details = SocialAccount.objects.filter(provider=signon.provider_id).delete()
        audit.record("sso.signon.deleted", actor=actor, target=signon, disconnected=disconnected, **data)
        signon.delete()
    return disconnected


# --- What a login through a school's sign-on confirms ---------------------------------------


def signon_for(provider_id: str, *, enabled_only: bool = True) -> SchoolSignOn | None:
    signons = SchoolSignOn.objects.select_related("school").filter(provider_id=provider_id or "")
    if enabled_only:
        signons = signons.filter(enabled=True)
    return signons.first()


def confirm_from_claims(*, user, account) -> Affiliation | None:
    """A teacher claim of the school's own, enabled sign-on confirms the Lehrkraft function there.

    ``account`` is the allauth ``SocialAccount`` of this login (its ``provider`` is the sign-on's
    provider ID, its ``extra_data`` the claims). Nothing for another provider, a disabled sign-on,
    claims without a teacher value, or a function someone revoked; never Schulleitung or
    Medienbeauftragte, whatever the claims say.
    """
    if user is None or user.pk is None:
        return None
    signon = signon_for(account.provider)
    if signon is None or not signon.says_teacher(account.extra_data):
        return None
    return confirm_by_single_sign_on(user=user, school=signon.school, provider=signon.provider_id)


def distrust_foreign_addresses(sociallogin) -> list[str]:
    """Keep as verified only the addresses the issuer may vouch for; returns the others.

    A school's sign-on vouches for addresses in its own school's staff e-mail domain (its IServ
    is that school's own system, usually the mail server of that domain); any other provider,
    and a school's sign-on for any other address, vouches for none. Those addresses are stored
    unverified, so allauth asks the person to confirm them by mail, and only that confirmation
    (allauth's ``email_confirmed``) lets the staff-e-mail-domain rule count them, now or when a
    school registers the domain later.
    """
    signon = signon_for(sociallogin.account.provider, enabled_only=False)
    own_domain = signon.school.staff_email_domain if signon is not None else ""
    distrusted = []
    for address in sociallogin.email_addresses:
        if address.verified and not (own_domain and email_domain(address.email) == own_domain):
            address.verified = False
            distrusted.append(address.email)
    return distrusted

"""The demo accounts: one fixed, memorable account per role and school function, written through
the ordinary paths (save, so the profile comes by signal; ``assign_role``), and read back for the
report of a second run."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from lernen25.demo.report import AccountRow
from lernen25.mfa import DEMO_TOTP_SECRETS
from lernen25.models import Affiliation, AffiliationSource, School, SchoolFunction
from lernen25.roles import GROUP_NAMES, Role, forget_grants
from lernen25.services import assign_role

DEMO_DOMAIN = "demo.lernen25.test"  # .test is reserved (RFC 2606): no mail ever leaves


@dataclass(frozen=True)
class DemoAccount:
    """One fixed, memorable account to try a role with."""

    email: str
    first_name: str
    last_name: str
    role: Role | None = None  # a city-wide role (group)
    function: SchoolFunction | None = None  # a function at the demo school (the plan's first school)
    superuser: bool = False  # also is_staff: Django's and Wagtail's admin in full
    subjects: tuple[str, ...] = ()

    @property
    def at_school(self) -> bool:
        return self.function is not None

    @property
    def key(self) -> str:
        """``"smz_moderation"``, ``"lehrkraft"``, …: the role's or the function's value."""
        return str(self.role or self.function or "gast")

    @property
    def label(self) -> str:
        """What the account is, as the output table names it (group names are fixed German words)."""
        if self.role:
            name = GROUP_NAMES[self.role]
        else:
            name = FUNCTION_NAMES[self.function] if self.function else "Gast (nicht bestätigt)"
        return f"{name} (Superuser)" if self.superuser else name


DEMO_ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"

# Fixed German words, as the output table and the README name the functions.
FUNCTION_NAMES = {
    SchoolFunction.LEHRKRAFT: "Lehrkraft",
    SchoolFunction.MEDIENBEAUFTRAGTE: "Medienbeauftragte",
    SchoolFunction.SCHULLEITUNG: "Schulleitung",
}


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        f"lehrkraft@{DEMO_DOMAIN}",
        "Anna",
        "Lehmann",
        function=SchoolFunction.LEHRKRAFT,
        subjects=("Deutsch", "Englisch"),
    ),
    DemoAccount(
        f"plg-leitung@{DEMO_DOMAIN}",
        "Paul",
        "Leitner",
        Role.PLG_LEITUNG,
        SchoolFunction.LEHRKRAFT,
        subjects=("Mathematik",),
    ),
    DemoAccount(f"smz@{DEMO_DOMAIN}", "Sam", "Schulz", Role.SMZ_MODERATION),
    DemoAccount(
        f"medienbeauftragte@{DEMO_DOMAIN}",
        "Mia",
        "Maurer",
        function=SchoolFunction.MEDIENBEAUFTRAGTE,
        subjects=("Informatik",),
    ),
    DemoAccount(
        f"schulleitung@{DEMO_DOMAIN}",
        "Sabine",
        "Leitz",
        function=SchoolFunction.SCHULLEITUNG,
        subjects=("Geschichte",),
    ),
    DemoAccount(f"datenschutz@{DEMO_DOMAIN}", "Dana", "Schutz", Role.DATENSCHUTZ),
    DemoAccount(f"schultraeger@{DEMO_DOMAIN}", "Tom", "Träger", Role.SCHULTRAEGER),
    DemoAccount(f"admin@{DEMO_DOMAIN}", "Alex", "Admin", Role.ADMINISTRATION, superuser=True),
    # Signed up, confirmed by no school yet: sees what a new colleague sees before the principal decides.
    DemoAccount(f"gast@{DEMO_DOMAIN}", "Gerd", "Gast"),
)


def create_account(account: DemoAccount, password_hash: str, school: School, subjects: dict[str, int]) -> AccountRow:
    """One demo account through the ordinary paths: save (profile by signal) and ``assign_role``."""
    user = get_user_model().objects.create(
        email=account.email,
        first_name=account.first_name,
        last_name=account.last_name,
        password=password_hash,
        is_staff=account.superuser,
        is_superuser=account.superuser,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if account.function:
        Affiliation.objects.create(
            user=user, school=school, function=account.function, source=AffiliationSource.GRANTED
        )
    user.profile.subjects.add(*(subjects[name] for name in account.subjects if name in subjects))
    if account.role:
        assign_role(actor=None, user=user, role=account.role)
    secret = DEMO_TOTP_SECRETS.get(account.email, "")
    if secret:
        # Roles that need a second factor get a fixed, documented one, with recovery codes as after set-up.
        from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
        from allauth.mfa.totp.internal.auth import TOTP

        TOTP.activate(user, secret)
        RecoveryCodes.activate(user)
        forget_grants(user)
    return AccountRow(account.label, account.email, school.name if account.at_school else "", secret)


def existing_rows() -> list[AccountRow]:
    """The report's rows for the demo accounts that exist (a second run writes nothing)."""
    User = get_user_model()
    users = {user.email: user for user in User.objects.filter(email__in=[a.email for a in DEMO_ACCOUNTS])}
    rows = []
    for account in DEMO_ACCOUNTS:
        user = users.get(account.email)
        if user is not None:
            affiliation = user.affiliations.active().select_related("school").first() if account.at_school else None
            school = affiliation.school if affiliation else None
            rows.append(AccountRow(account.label, account.email, school.name if school else "", _demo_secret_of(user)))
    return rows


def _demo_secret_of(user) -> str:
    """The account's demo TOTP secret while its authenticator app still uses it."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    secret = DEMO_TOTP_SECRETS.get(user.email, "")
    if not secret:
        return ""
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return (
        secret
        if totp and decrypt(totp.data.get("secret", "")) == secret
        else "(changed since the demo data was loaded)"
    )

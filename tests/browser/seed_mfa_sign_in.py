"""Creates the two-factor journeys' people: two SMZ staff, one with an authenticator app, one without.

Run as ``manage.py shell -c <this file's text>`` against the browser server's database (by the
``mfa_people`` fixture of ``test_mfa_sign_in.py``, after ``conftest.py`` set up the roles).
``test_mfa_sign_in.py`` imports the names below; seeding runs only under ``manage.py shell``.
"""

PASSWORD = "Duisburg-Hochfeld-2026!"
# Sina has set up her authenticator app with SINA_SECRET; the test computes her codes from it.
SINA = {"email": "sina.sommer@smz.duisburg.de", "first_name": "Sina", "last_name": "Sommer"}
SINA_SECRET = "MDC3PWJL555WZCLL3N6EKZYXGZLRXQE3"
# Nico has just been given the SMZ role and has no authenticator yet: his powers wait for it.
NICO = {"email": "nico.neumann@smz.duisburg.de", "first_name": "Nico", "last_name": "Neumann"}


def seed() -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    from lernen25.models import User
    from lernen25.roles import Role
    from lernen25.services import assign_role

    people = {}
    for key, person in (("sina", SINA), ("nico", NICO)):
        user = User.objects.create_user(password=PASSWORD, **person)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        assign_role(actor=None, user=user, role=Role.SMZ_MODERATION)
        people[key] = user
    # As after setting up the app on the site: the secret, and recovery codes with it.
    TOTP.activate(people["sina"], SINA_SECRET)
    RecoveryCodes.activate(people["sina"])
    print(f"mfa people {SINA['email']} {NICO['email']}")


if __name__ != "tests.browser.seed_mfa_sign_in":  # under `manage.py shell -c`, not when imported
    seed()

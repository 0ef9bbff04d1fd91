"""Creates the school-people journey's people: school A's principal and a new colleague who asked to be confirmed.

Run as ``manage.py shell -c <this file's text>`` against the browser server's database (by the
``school_people`` fixture of ``test_school_people.py``). The test imports the names below.
"""

PASSWORD = "Duisburg-Neudorf-2026!"
# Petra leads school A (165432) and has set up her authenticator app with PETRA_SECRET.
PETRA = {"email": "petra.prinz@schule-a.de", "first_name": "Petra", "last_name": "Prinz"}
PETRA_SECRET = "KRUGS4ZANFZSAYJAONSWG4TFOQQQ2345"
# Jonas signed up last week and asked school A to confirm him; nobody has decided yet.
JONAS = {"email": "jonas.jung@example.org", "first_name": "Jonas", "last_name": "Jung"}


def seed() -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    from lernen25.models import Affiliation, AffiliationSource, School, SchoolFunction, User
    from lernen25.services import request_confirmation

    school = School.objects.get(number="165432")
    people = {}
    for key, person in (("petra", PETRA), ("jonas", JONAS)):
        user = User.objects.create_user(password=PASSWORD, **person)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        people[key] = user
    Affiliation.objects.create(
        user=people["petra"], school=school, function=SchoolFunction.SCHULLEITUNG, source=AffiliationSource.GRANTED
    )
    TOTP.activate(people["petra"], PETRA_SECRET)
    RecoveryCodes.activate(people["petra"])
    request_confirmation(actor=people["jonas"], school=school, message="Ich unterrichte seit August Physik.")
    print(f"school people {PETRA['email']} {JONAS['email']}")


if __name__ != "tests.browser.seed_school_people":  # under `manage.py shell -c`, not when imported
    seed()

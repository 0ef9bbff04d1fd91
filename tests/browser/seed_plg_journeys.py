"""Creates the PLG journeys' data: a lead of school A with one open and one on-request PLG.

Run by ``conftest.py`` as ``manage.py shell -c <this file's text>`` after ``seed_personas.py``.
``test_plg_journeys.py`` imports the names below; seeding runs only under ``manage.py shell``.
"""

PASSWORD = "Duisburg-Ruhrort-2026!"
# Fiona leads both PLGs; Erik (school B) finds them, joins one, asks to join the other, shares a file.
LEAD = {"email": "fiona.fuchs@schule-a.de", "first_name": "Fiona", "last_name": "Fuchs"}
TEACHER = {"email": "erik.eder@schule-b.de", "first_name": "Erik", "last_name": "Eder"}
OPEN_TITLE = "Lesen mit Tablets"
REQUEST_TITLE = "Robotik mit Calliope"


def seed() -> None:
    from allauth.account.models import EmailAddress

    from lernen25.models import Affiliation, AffiliationSource, School, SchoolFunction, User
    from lernen25.roles import Role
    from lernen25.services import assign_role
    from plc import services
    from plc.models import PlgKind, Visibility

    people = {}
    for key, person, number in (("lead", LEAD, "165432"), ("teacher", TEACHER, "187654")):
        user = User.objects.create_user(password=PASSWORD, **person)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        Affiliation.objects.create(
            user=user,
            school=School.objects.get(number=number),
            function=SchoolFunction.LEHRKRAFT,
            source=AffiliationSource.GRANTED,
        )
        if key == "lead":
            assign_role(actor=None, user=user, role=Role.PLG_LEITUNG)
        people[key] = user
    for title, visibility, kind in (
        (OPEN_TITLE, Visibility.OPEN, PlgKind.LESSON_DEVELOPMENT),
        (REQUEST_TITLE, Visibility.ON_REQUEST, PlgKind.INNOVATION),
    ):
        services.create_plg(
            actor=None,
            system=True,
            title=title,
            kind=kind,
            visibility=visibility,
            leads=[people["lead"]],
            goals=f"<p>{title}: gemeinsam erproben und teilen.</p>",
            notify_leads=False,
        )


if __name__ != "tests.browser.seed_plg_journeys":  # under `manage.py shell -c`, not when imported
    seed()

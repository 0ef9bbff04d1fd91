"""Creates the live-discussion journey's PLG: two teachers of school A (one leads), one topic.

Run by ``conftest.py`` as ``manage.py shell -c <this file's text>`` after ``seed_personas.py`` (school A
exists then). ``test_discussion_live.py`` imports the names below; the seeding itself runs only under
``manage.py shell``, never on import. Made with the services the SMZ and the teachers would use.
"""

PASSWORD = "Duisburg-Rhein-2026!"
# The two people who talk to each other; the first leads the PLG, the second was invited and accepted.
MEMBERS = [
    {"email": "clara.conrad@schule-a.de", "first_name": "Clara", "last_name": "Conrad"},
    {"email": "david.dietz@schule-a.de", "first_name": "David", "last_name": "Dietz"},
]
PLG_TITLE = "Digitale Lernpfade in Klasse 5"
TOPIC_TITLE = "Welche Apps nutzen wir?"
FIRST_MESSAGE = "Ich fange an: Wir testen **Lernpfade** mit der Tablet-Klasse."


def seed() -> None:
    from allauth.account.models import EmailAddress

    from lernen25.models import Affiliation, AffiliationSource, School, SchoolFunction, User
    from plc import services
    from plc.models import PlgKind, Visibility

    school = School.objects.get(number="165432")
    people = []
    for member in MEMBERS:
        user = User.objects.create_user(password=PASSWORD, **member)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        Affiliation.objects.create(
            user=user, school=school, function=SchoolFunction.LEHRKRAFT, source=AffiliationSource.GRANTED
        )
        people.append(user)
    lead, member = people
    plg = services.create_plg(
        actor=None,
        system=True,
        title=PLG_TITLE,
        kind=PlgKind.LESSON_DEVELOPMENT,
        visibility=Visibility.CLOSED,
        leads=[lead],
        goals="<p>Gemeinsam Lernpfade entwickeln und erproben.</p>",
        schools=[school],
        notify_leads=False,
    )
    services.invite_member(actor=lead, plg=plg, user=member)
    services.accept_invitation(actor=member, invitation=plg.invitations.get(email=member.email))
    topic = services.create_topic(actor=lead, plg=plg, title=TOPIC_TITLE, body=FIRST_MESSAGE)
    print(f"discussion plg={plg.pk} topic={topic.pk}")


if __name__ != "tests.browser.seed_discussion":  # under `manage.py shell -c`, not when imported
    seed()

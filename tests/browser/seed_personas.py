"""Creates the browser tests' schools and personas in the server's database.

Run by ``conftest.py`` as ``manage.py shell -c <this file's text>`` with the personas as JSON in
``BROWSER_PERSONAS``; ``tests.factories`` exists only inside pytest, so objects are made directly,
with the same services an operator would use.
"""

import json
import os

from allauth.account.models import EmailAddress

from lernen25.models import Affiliation, AffiliationSource, District, School, SchoolFunction, SchoolType, User
from lernen25.roles import Role
from lernen25.services import assign_role

schools = {
    "A": School.objects.create(
        number="165432",
        name="Gesamtschule Meiderich",
        school_type=SchoolType.GESAMTSCHULE,
        district=District.MEIDERICH_BEECK,
    ),
    "B": School.objects.create(
        number="187654", name="Grundschule Walsum", school_type=SchoolType.GRUNDSCHULE, district=District.WALSUM
    ),
}

for persona in json.loads(os.environ["BROWSER_PERSONAS"]):
    user = User.objects.create_user(
        email=persona["email"],
        password=persona["password"],
        first_name=persona["first_name"],
        last_name=persona["last_name"],
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    # "role" is a school function at the persona's school, or a city-wide role (then also Lehrkraft there).
    function = persona["role"] if persona["role"] in SchoolFunction.values else SchoolFunction.LEHRKRAFT
    if persona["school"]:
        Affiliation.objects.create(
            user=user, school=schools[persona["school"]], function=function, source=AffiliationSource.GRANTED
        )
    if persona["role"] in Role.values:
        assign_role(actor=None, user=user, role=Role(persona["role"]))
    print(f"persona {user.email}")

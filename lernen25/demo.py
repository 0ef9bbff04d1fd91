"""The demo data set: a Duisburg-like city of schools, teachers and one account per role.

``manage.py seed_demo`` calls :func:`seed_demo`; everything else here is the plan it follows.
The plan (:func:`plan_demo`) is pure: the same seed and sizes give the same schools, numbers,
names and e-mail addresses on every machine, so the README can quote the command's output and
tests can compare two runs. Seeding is idempotent: when the demo accounts exist it changes
nothing.

Thousands of teachers are written with ``bulk_create``: the ``post_save`` signal that makes a
profile does not fire then, so profiles, their school and subject rows, group memberships and
allauth's verified e-mail addresses are written here too. The password is hashed once and the
hash shared by every demo account, which is what makes 6,000 teachers take seconds, not hours.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from lernen25 import audit
from lernen25.errors import RefusalKind, Refused
from lernen25.mfa import DEMO_TOTP_SECRETS
from lernen25.models import (
    Affiliation,
    AffiliationSource,
    District,
    Profile,
    School,
    SchoolFunction,
    SchoolType,
    Subject,
)
from lernen25.roles import GROUP_NAMES, Role, forget_grants
from lernen25.services import assign_role
from lernen25.setup import setup_roles

DEFAULT_SEED = 25
DEFAULT_SCHOOLS = 40
DEFAULT_TEACHERS = 120
MIN_SCHOOLS = len(SchoolType)  # one of each type; the first seven also cover every district
MAX_SCHOOLS = 2000
MAX_TEACHERS = 50_000
DEMO_DOMAIN = "demo.lernen25.test"  # .test is reserved (RFC 2606): no mail ever leaves
TEACHER_DOMAIN = "schule-{number}.lernen25.test"
BATCH_SIZE = 1000

# --- Reference lists -----------------------------------------------------------------------

# Ortsteile per Stadtbezirk: (place used in school names, postal code). Duisburg: 47051–47279.
PLACES: dict[District, tuple[tuple[str, str], ...]] = {
    District.WALSUM: (
        ("Walsum", "47179"),
        ("Vierlinden", "47178"),
        ("Overbruch", "47178"),
        ("Aldenrade", "47179"),
        ("Wehofen", "47179"),
        ("Fahrn", "47179"),
    ),
    District.HAMBORN: (
        ("Hamborn", "47166"),
        ("Marxloh", "47169"),
        ("Obermarxloh", "47166"),
        ("Röttgersbach", "47167"),
        ("Neumühl", "47167"),
    ),
    District.MEIDERICH_BEECK: (
        ("Meiderich", "47137"),
        ("Obermeiderich", "47138"),
        ("Untermeiderich", "47137"),
        ("Beeck", "47139"),
        ("Beeckerwerth", "47139"),
        ("Laar", "47119"),
        ("Bruckhausen", "47166"),
    ),
    District.HOMBERG_RUHRORT_BAERL: (
        ("Homberg", "47198"),
        ("Hochheide", "47198"),
        ("Ruhrort", "47119"),
        ("Baerl", "47199"),
    ),
    District.MITTE: (
        ("Duisburg-Mitte", "47051"),
        ("Dellviertel", "47053"),
        ("Hochfeld", "47053"),
        ("Wanheimerort", "47055"),
        ("Neudorf", "47057"),
        ("Duissern", "47058"),
        ("Kaßlerfeld", "47059"),
        ("Neuenkamp", "47059"),
    ),
    District.RHEINHAUSEN: (
        ("Rheinhausen", "47226"),
        ("Hochemmerich", "47226"),
        ("Bergheim", "47228"),
        ("Friemersheim", "47229"),
        ("Rumeln-Kaldenhausen", "47239"),
    ),
    District.SUED: (
        ("Huckingen", "47259"),
        ("Buchholz", "47249"),
        ("Wanheim-Angerhausen", "47249"),
        ("Großenbaum", "47269"),
        ("Rahm", "47269"),
        ("Wedau", "47279"),
        ("Bissingheim", "47279"),
        ("Hüttenheim", "47259"),
        ("Ungelsheim", "47259"),
        ("Mündelheim", "47259"),
    ),
}

# Relative size of the districts when more schools are drawn (roughly by population).
DISTRICT_WEIGHTS: dict[District, int] = {
    District.WALSUM: 9,
    District.HAMBORN: 14,
    District.MEIDERICH_BEECK: 12,
    District.HOMBERG_RUHRORT_BAERL: 9,
    District.MITTE: 20,
    District.RHEINHAUSEN: 13,
    District.SUED: 14,
}

STREETS = (
    "Am Hagelkreuz",
    "Am Mühlenberg",
    "Am Sportplatz",
    "Am Park",
    "Am Rheindeich",
    "Am Förderturm",
    "Im Heidekamp",
    "Auf dem Damm",
    "An der Kaiserlinde",
    "Zoppenbrück",
    "Sandmüllersweg",
    "Schulstraße",
    "Kirchstraße",
    "Lindenallee",
    "Ahornstraße",
    "Buchenweg",
    "Eichendorffstraße",
    "Goethestraße",
    "Schillerstraße",
    "Uhlandstraße",
    "Mozartstraße",
    "Beethovenstraße",
    "Rosenstraße",
    "Gartenstraße",
    "Waldstraße",
    "Wiesenstraße",
    "Feldstraße",
    "Deichstraße",
    "Hafenstraße",
    "Kanalstraße",
    "Brückenstraße",
    "Zechenstraße",
    "Hüttenstraße",
    "Glückaufstraße",
    "Mercatorstraße",
    "Friedrich-Ebert-Straße",
    "Kaiser-Wilhelm-Straße",
    "Düsseldorfer Straße",
    "Krefelder Straße",
    "Moerser Straße",
    "Weseler Straße",
    "Mülheimer Straße",
    "Dr.-Wilhelm-Roelen-Straße",
    "Erzstraße",
)

# Name patterns per school type (GGS/KGS/EGS: community, Catholic, Protestant primary school).
NAME_PATTERNS: dict[SchoolType, tuple[str, ...]] = {
    SchoolType.GRUNDSCHULE: (
        "GGS {street}",
        "GGS {street}",
        "GGS {street}",
        "KGS {street}",
        "KGS {street}",
        "EGS {street}",
        "GGS {place}",
        "Grundschule {place}",
    ),
    SchoolType.HAUPTSCHULE: ("Hauptschule {place}", "Städtische Hauptschule {place}"),
    SchoolType.REALSCHULE: ("Realschule {place}", "Städtische Realschule {place}"),
    SchoolType.SEKUNDARSCHULE: ("Sekundarschule {place}",),
    SchoolType.GESAMTSCHULE: ("Gesamtschule {place}", "Städtische Gesamtschule {place}"),
    SchoolType.GYMNASIUM: ("Städtisches Gymnasium {place}", "Gymnasium {place}"),
    SchoolType.FOERDERSCHULE: (
        "Förderschule {place}, Förderschwerpunkt Lernen",
        "Förderschule {place}, Förderschwerpunkt Sprache",
        "Förderschule {place}, Förderschwerpunkt Emotionale und soziale Entwicklung",
        "Förderschule {place}, Förderschwerpunkt Geistige Entwicklung",
    ),
    SchoolType.BERUFSKOLLEG: (
        "Berufskolleg {place}",
        "Kaufmännisches Berufskolleg {place}",
        "Technisches Berufskolleg {place}",
    ),
    SchoolType.WEITERBILDUNGSKOLLEG: (
        "Weiterbildungskolleg {place} (Abendgymnasium)",
        "Weiterbildungskolleg {place} (Abendrealschule)",
    ),
}

# Pupils (low, high) and pupils per teacher, per school type (NRW orders of magnitude).
SIZES: dict[SchoolType, tuple[int, int, int]] = {
    SchoolType.GRUNDSCHULE: (150, 450, 20),
    SchoolType.HAUPTSCHULE: (200, 500, 14),
    SchoolType.REALSCHULE: (400, 900, 18),
    SchoolType.SEKUNDARSCHULE: (300, 700, 16),
    SchoolType.GESAMTSCHULE: (800, 1500, 13),
    SchoolType.GYMNASIUM: (600, 1200, 16),
    SchoolType.FOERDERSCHULE: (80, 250, 6),
    SchoolType.BERUFSKOLLEG: (1500, 4000, 30),
    SchoolType.WEITERBILDUNGSKOLLEG: (200, 600, 20),
}

# How often each type occurs once every type has one school (Duisburg-like shares).
TYPE_WEIGHTS: dict[SchoolType, int] = {
    SchoolType.GRUNDSCHULE: 75,
    SchoolType.HAUPTSCHULE: 5,
    SchoolType.REALSCHULE: 8,
    SchoolType.SEKUNDARSCHULE: 2,
    SchoolType.GESAMTSCHULE: 13,
    SchoolType.GYMNASIUM: 13,
    SchoolType.FOERDERSCHULE: 12,
    SchoolType.BERUFSKOLLEG: 9,
    SchoolType.WEITERBILDUNGSKOLLEG: 1,
}

# The first schools, in this order, give every type; the demo school (first) is a Gesamtschule.
FIRST_TYPES = (
    SchoolType.GESAMTSCHULE,
    SchoolType.GRUNDSCHULE,
    SchoolType.GYMNASIUM,
    SchoolType.REALSCHULE,
    SchoolType.HAUPTSCHULE,
    SchoolType.FOERDERSCHULE,
    SchoolType.BERUFSKOLLEG,
    SchoolType.SEKUNDARSCHULE,
    SchoolType.WEITERBILDUNGSKOLLEG,
)
FIRST_DISTRICTS = (
    District.MEIDERICH_BEECK,
    District.WALSUM,
    District.HAMBORN,
    District.HOMBERG_RUHRORT_BAERL,
    District.MITTE,
    District.RHEINHAUSEN,
    District.SUED,
)

FIRST_NAMES = (
    "Anna", "Lena", "Laura", "Julia", "Sarah", "Katharina", "Christina", "Sabine", "Petra", "Andrea",
    "Claudia", "Stefanie", "Nicole", "Melanie", "Sandra", "Birgit", "Jana", "Miriam", "Johanna", "Hannah",
    "Lea", "Marie", "Sophie", "Charlotte", "Ayşe", "Elif", "Zeynep", "Fatma", "Agnieszka", "Natalia",
    "Ines", "Ulrike", "Jörg", "Jürgen", "Thomas", "Michael", "Andreas", "Stefan", "Markus", "Christian",
    "Daniel", "Tobias", "Sebastian", "Jan", "Lukas", "Felix", "Jonas", "Maximilian", "Matthias", "Frank",
    "Ralf", "Uwe", "Dirk", "Björn", "Sören", "Mehmet", "Emre", "Can", "Piotr", "Marco",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
    "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
    "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Vogel",
    "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann",
    "Brinkmann", "Terhorst", "Kowalski", "Nowak", "Wiśniewski", "Yılmaz", "Kaya", "Demir", "Şahin", "Öztürk",
    "Aydın", "Çelik", "Rossi", "Papadopoulos", "Janssen", "van der Berg", "Heinrichs", "Ter Haar", "Dahlmann",
    "Overbeck",
)  # fmt: skip

SUBJECT_POOLS: dict[str, tuple[str, ...]] = {
    "primary": (
        "Deutsch", "Mathematik", "Sachunterricht", "Englisch", "Kunst", "Musik", "Sport",
        "Evangelische Religionslehre", "Katholische Religionslehre", "Deutsch als Zweitsprache",
    ),
    "secondary": (
        "Deutsch", "Mathematik", "Englisch", "Französisch", "Spanisch", "Latein", "Türkisch", "Biologie",
        "Chemie", "Physik", "Informatik", "Technik", "Geschichte", "Erdkunde", "Politik/Wirtschaft",
        "Sozialwissenschaften", "Philosophie", "Praktische Philosophie", "Evangelische Religionslehre",
        "Katholische Religionslehre", "Islamischer Religionsunterricht", "Kunst", "Musik", "Sport",
        "Textilgestaltung", "Hauswirtschaft", "Arbeitslehre",
    ),
    "vocational": (
        "Deutsch", "Englisch", "Mathematik", "Politik/Wirtschaft", "Informatik", "Technik", "Sport",
        "Biologie", "Chemie", "Physik", "Sozialwissenschaften", "Philosophie", "Evangelische Religionslehre",
    ),
}  # fmt: skip
_SUBJECT_POOL_OF_TYPE = {
    SchoolType.GRUNDSCHULE: "primary",
    SchoolType.FOERDERSCHULE: "primary",
    SchoolType.BERUFSKOLLEG: "vocational",
    SchoolType.WEITERBILDUNGSKOLLEG: "vocational",
}
SECOND_SCHOOL_SHARE = 0.04  # teachers delegated to a second school of their district (Abordnung)


# --- Demo accounts -------------------------------------------------------------------------


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


# --- The plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolPlan:
    number: str
    name: str
    school_type: SchoolType
    district: District
    street: str
    postal_code: str
    pupils: int
    teachers: int


@dataclass(frozen=True)
class TeacherPlan:
    email: str
    first_name: str
    last_name: str
    school_numbers: tuple[str, ...]
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class DemoPlan:
    """Everything the seed will write, decided before anything is written."""

    seed: int
    schools: tuple[SchoolPlan, ...]
    teachers: tuple[TeacherPlan, ...]

    @property
    def demo_school(self) -> SchoolPlan:
        """The school the school-bound demo accounts belong to (a Gesamtschule)."""
        return self.schools[0]


def email_part(text: str) -> str:
    """``"Ayşe" -> "ayse"``, ``"Müller" -> "mueller"``, ``"van der Berg" -> "vanderberg"``."""
    text = text.lower()
    for umlaut, ascii_ in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("ı", "i")):
        text = text.replace(umlaut, ascii_)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(char for char in text if char.isalnum() or char == "-")


def _check_sizes(schools: int, teachers: int) -> None:
    if not MIN_SCHOOLS <= schools <= MAX_SCHOOLS:
        raise Refused(
            f"The number of schools must be between {MIN_SCHOOLS} (one of each type) and {MAX_SCHOOLS}.",
            RefusalKind.INVALID,
        )
    if not 0 <= teachers <= MAX_TEACHERS:
        raise Refused(f"The number of teachers must be between 0 and {MAX_TEACHERS}.", RefusalKind.INVALID)


def _plan_schools(rng: random.Random, count: int) -> list[SchoolPlan]:
    """Draw school after school, so that a smaller data set is the start of a larger one."""
    type_choices, type_weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    district_choices, district_weights = list(DISTRICT_WEIGHTS), list(DISTRICT_WEIGHTS.values())
    used_numbers: set[int] = set()
    used_names: set[str] = set()
    schools = []
    for index in range(count):
        if index < len(FIRST_TYPES):
            school_type = FIRST_TYPES[index]
        else:
            school_type = rng.choices(type_choices, weights=type_weights)[0]
        if index < len(FIRST_DISTRICTS):
            district = FIRST_DISTRICTS[index]
        else:
            district = rng.choices(district_choices, weights=district_weights)[0]
        # Six-digit Schulnummern as in the Regierungsbezirk Düsseldorf (1xxxxx).
        number = rng.randrange(100_000, 200_000)
        while number in used_numbers:
            number = rng.randrange(100_000, 200_000)
        used_numbers.add(number)
        name = place = postal_code = street = ""
        for _attempt in range(30):  # names stay distinct; only very large sets need a Teilstandort
            place, postal_code = rng.choice(PLACES[district])
            street = rng.choice(STREETS)
            name = rng.choice(NAME_PATTERNS[school_type]).format(place=place, street=street)
            if name not in used_names:
                break
        site = 2
        base = name
        while name in used_names:
            name = f"{base}, Teilstandort {site}"
            site += 1
        used_names.add(name)
        low, high, pupils_per_teacher = SIZES[school_type]
        pupils = rng.randint(low, high)
        staff = max(4, round(pupils / pupils_per_teacher * rng.uniform(0.9, 1.1)))
        schools.append(
            SchoolPlan(
                number=f"{number:06d}",
                name=name,
                school_type=school_type,
                district=district,
                street=f"{street} {rng.randint(1, 120)}",
                postal_code=postal_code,
                pupils=pupils,
                teachers=staff,
            )
        )
    return schools


def _two_subjects(rng: random.Random, pool: Sequence[str]) -> tuple[str, str]:
    """Two different subjects, not two religions (one person rarely teaches both)."""
    first = rng.choice(pool)
    second = rng.choice([name for name in pool if name != first and not ("Relig" in name and "Relig" in first)])
    return first, second


def _plan_teachers(rng: random.Random, count: int, schools: Sequence[SchoolPlan]) -> list[TeacherPlan]:
    """Every school gets one teacher first; the rest follow the schools' staff sizes."""
    firsts = [schools[i % len(schools)] for i in range(min(count, len(schools)))]
    rest = rng.choices(schools, weights=[school.teachers for school in schools], k=count - len(firsts))
    by_district: dict[District, list[SchoolPlan]] = {}
    for school in schools:
        by_district.setdefault(school.district, []).append(school)
    teachers = []
    for index, school in enumerate(firsts + rest, start=1):
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        school_numbers: tuple[str, ...] = (school.number,)
        if rng.random() < SECOND_SCHOOL_SHARE:
            others = [other for other in by_district[school.district] if other.number != school.number]
            if others:
                school_numbers += (rng.choice(others).number,)
        pool = SUBJECT_POOLS[_SUBJECT_POOL_OF_TYPE.get(school.school_type, "secondary")]
        domain = TEACHER_DOMAIN.format(number=school.number)
        teachers.append(
            TeacherPlan(
                email=f"{email_part(first_name)}.{email_part(last_name)}{index}@{domain}",
                first_name=first_name,
                last_name=last_name,
                school_numbers=school_numbers,
                subjects=_two_subjects(rng, pool),
            )
        )
    return teachers


def plan_demo(
    *, seed: int = DEFAULT_SEED, schools: int = DEFAULT_SCHOOLS, teachers: int = DEFAULT_TEACHERS
) -> DemoPlan:
    """Decide the whole data set from the seed alone, without touching the database."""
    _check_sizes(schools, teachers)
    # Reproducible, not secret, randomness; one stream each, so the schools do not depend on --teachers.
    school_plans = _plan_schools(random.Random(f"lernen25-demo-{seed}-schools"), schools)  # noqa: S311
    teacher_plans = _plan_teachers(random.Random(f"lernen25-demo-{seed}-teachers"), teachers, school_plans)  # noqa: S311
    return DemoPlan(seed=seed, schools=tuple(school_plans), teachers=tuple(teacher_plans))


# --- Writing -------------------------------------------------------------------------------


@dataclass
class AccountRow:
    label: str
    email: str
    school: str = ""
    totp_secret: str = ""  # the authenticator app's secret of the powerful accounts (lernen25.mfa)


@dataclass
class SeedReport:
    """What ``seed_demo`` did, for the command to print."""

    created: bool  # False: the demo data was already there and nothing changed
    accounts: list[AccountRow] = field(default_factory=list)
    password: str | None = None  # None: the accounts' password is no longer the one given
    seed: int | None = None
    schools: int = 0
    teachers: int = 0
    teacher_example: str = ""
    roles_changed: list[str] = field(default_factory=list)


def demo_accounts_present() -> list[str]:
    """The e-mail addresses of the demo accounts that exist already."""
    emails = [account.email for account in DEMO_ACCOUNTS]
    return sorted(get_user_model().objects.filter(email__in=emails).values_list("email", flat=True))


def _check_conflicts(plan: DemoPlan) -> None:
    """Refuse, before writing, when a planned Schulnummer or teacher address is taken."""
    numbers = [school.number for school in plan.schools]
    taken = sorted(School.objects.filter(number__in=numbers).values_list("number", flat=True))
    if taken:
        shown = ", ".join(taken[:5]) + (" …" if len(taken) > 5 else "")
        raise Refused(
            f"{len(taken)} planned Schulnummer(n) already exist ({shown}); try another --seed.", RefusalKind.CONFLICT
        )
    planned = {teacher.email for teacher in plan.teachers}
    existing = set(
        get_user_model().objects.filter(email__endswith=".lernen25.test").values_list("email", flat=True)
    ) | set(EmailAddress.objects.filter(email__endswith=".lernen25.test").values_list("email", flat=True))
    clashes = sorted(planned & {email.lower() for email in existing})
    if clashes:
        raise Refused(
            f"{len(clashes)} planned teacher address(es) already exist, e.g. {clashes[0]}.", RefusalKind.CONFLICT
        )


def _bulk_through(model, rows: Iterable) -> int:
    rows = list(rows)
    model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def _create_schools(plan: DemoPlan) -> dict[str, School]:
    """Save the schools one by one: few, validated, and indexed for search by the save signal."""
    schools = {}
    for entry in plan.schools:
        school = School(
            number=entry.number,
            name=entry.name,
            school_type=entry.school_type,
            district=entry.district,
            street=entry.street,
            postal_code=entry.postal_code,
            city="Duisburg",
            pupils=entry.pupils,
            teachers=entry.teachers,
        )
        school.full_clean(validate_unique=False)  # uniqueness was checked for the whole plan
        school.save()
        schools[entry.number] = school
    return schools


def _create_teachers(plan: DemoPlan, schools: dict[str, School], password_hash: str, subjects: dict[str, int]) -> int:
    """Bulk-write the teachers with everything a signed-up, verified Lehrkraft has."""
    if not plan.teachers:
        return 0
    User = get_user_model()
    users = User.objects.bulk_create(
        [
            User(email=t.email, first_name=t.first_name, last_name=t.last_name, password=password_hash)
            for t in plan.teachers
        ],
        batch_size=BATCH_SIZE,
    )
    if any(user.pk is None for user in users):  # backends that cannot return primary keys
        ids = dict(User.objects.filter(email__endswith=".lernen25.test").values_list("email", "pk"))
        for user in users:
            user.pk = ids[user.email]
    # bulk_create sends no post_save: the profile the signal would have made is made here.
    profiles = Profile.objects.bulk_create([Profile(user_id=user.pk) for user in users], batch_size=BATCH_SIZE)
    if any(profile.pk is None for profile in profiles):
        ids = dict(Profile.objects.filter(user_id__in=[user.pk for user in users]).values_list("user_id", "pk"))
        for profile in profiles:
            profile.pk = ids[profile.user_id]
    SubjectLink = Profile.subjects.through
    # Confirmed as Lehrkraft at their schools, as if each school's principal had confirmed them.
    _bulk_through(
        Affiliation,
        (
            Affiliation(
                user_id=user.pk,
                school_id=schools[number].pk,
                function=SchoolFunction.LEHRKRAFT,
                source=AffiliationSource.GRANTED,
            )
            for user, teacher in zip(users, plan.teachers, strict=True)
            for number in teacher.school_numbers
        ),
    )
    _bulk_through(
        SubjectLink,
        (
            SubjectLink(profile_id=profile.pk, subject_id=subjects[name])
            for profile, teacher in zip(profiles, plan.teachers, strict=True)
            for name in teacher.subjects
            if name in subjects
        ),
    )
    _bulk_through(
        EmailAddress, (EmailAddress(user_id=user.pk, email=user.email, verified=True, primary=True) for user in users)
    )
    return len(users)


def _create_account(account: DemoAccount, password_hash: str, school: School, subjects: dict[str, int]) -> AccountRow:
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


def _existing_rows() -> list[AccountRow]:
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


def _create_demo_plgs(plan: DemoPlan, schools: dict[str, School]) -> int:
    """A few PLGs of every visibility, with members, a discussion, a meeting and a result.

    Built with the PLG services where they send nothing; memberships, a request and a meeting are
    written directly so that seeding does not mail the demo accounts.
    """
    from datetime import timedelta

    from django.utils import timezone

    from plc import discussion, services
    from plc.models import JoinRequest, Meeting, Membership, PlgKind, PlgStatus, Visibility

    users = {account.key: get_user_model().objects.get(email=account.email) for account in DEMO_ACCOUNTS}
    lead, teacher = users[Role.PLG_LEITUNG], users[SchoolFunction.LEHRKRAFT]
    colleagues = list(get_user_model().objects.filter(email__in=[t.email for t in plan.teachers[:12]]))
    subject = dict(Subject.objects.values_list("name", "pk"))
    some_schools = list(schools.values())[:4]

    def make(title, kind, visibility, leader, goals, members=(), **extra):
        plg = services.create_plg(
            actor=None,
            system=True,
            title=title,
            kind=kind,
            visibility=visibility,
            leads=[leader],
            goals=f"<p>{goals}</p>",
            notify_leads=False,
            **extra,
        )
        Membership.objects.bulk_create(
            [Membership(plg=plg, user=user) for user in members if user != leader], ignore_conflicts=True
        )
        return plg

    maths = make(
        "Tablets im Mathematikunterricht",
        PlgKind.LESSON_DEVELOPMENT,
        Visibility.OPEN,
        lead,
        "Wir entwickeln Unterrichtsreihen mit GeoGebra und iPads für die Jahrgangsstufen 7 und 8.",
        members=[teacher, *colleagues[:8]],
        subjects=[subject["Mathematik"]],
        schools=some_schools[:3],
    )
    services.set_featured(actor=users[Role.SMZ_MODERATION], plg=maths, featured=True)
    topic = discussion.create_topic(
        actor=lead,
        plg=maths,
        title="Erste Erfahrungen mit GeoGebra",
        body="Wie klappt es bei Ihnen mit **GeoGebra** in der 7? Wir sammeln hier Erfahrungen.",
    )
    discussion.post_message(actor=teacher, topic=topic, body="Gut! Die Schüler:innen mögen die *Schieberegler*.")
    start = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=7)
    Meeting.objects.create(
        plg=maths,
        title="Auftakttreffen",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="Schulmedienzentrum, Raum 2",
        created_by=lead,
    )
    videos = make(
        "Erklärvideos im Sachunterricht",
        PlgKind.INNOVATION,
        Visibility.ON_REQUEST,
        lead,
        "Kinder der Klassen 3 und 4 drehen Erklärvideos mit iPads; das MediaLab des SMZ leiht die Technik.",
        members=colleagues[8:10],
        subjects=[subject["Sachunterricht"]],
    )
    JoinRequest.objects.create(plg=videos, user=teacher, message="Ich würde gern mit meiner 4b mitmachen.")
    make(
        "Schulleitungsrunde Nord",
        PlgKind.PRINCIPALS,
        Visibility.CLOSED,
        users[SchoolFunction.SCHULLEITUNG],
        "Die Schulleitungen aus Walsum und Hamborn stimmen die Ausstattungsplanung ab.",
    )
    padlet = make(
        "Padlet als digitale Pinnwand",
        PlgKind.LESSON_DEVELOPMENT,
        Visibility.OPEN,
        lead,
        "Kollaboratives Arbeiten mit digitalen Pinnwänden in der Sekundarstufe I.",
        members=colleagues[10:12],
        subjects=[subject["Deutsch"]],
    )
    services.publish_result(
        actor=lead,
        plg=padlet,
        title="Pinnwände für Gruppenarbeit",
        tried="Sechs Klassen haben Gruppenergebnisse auf digitalen Pinnwänden gesammelt.",
        worked="Kurze Arbeitsaufträge und feste Spalten je Gruppe; das Moderieren der Beiträge kostet Zeit.",
    )
    services.set_status(actor=lead, plg=padlet, status=PlgStatus.COMPLETED)
    return 4


def seed_demo(
    *,
    seed: int = DEFAULT_SEED,
    schools: int = DEFAULT_SCHOOLS,
    teachers: int = DEFAULT_TEACHERS,
    password: str | None = None,
) -> SeedReport:
    """Load the demo data once: set up the roles, then schools, teachers and demo accounts.

    Idempotent: when any demo account exists, nothing is written and the report says so.
    Refuses (``Refused``, nothing written) for sizes out of range or when a planned
    Schulnummer or teacher address is already taken. All in one transaction, with one audit
    event ``lernen25.demo.seeded`` carrying the counts.
    """
    password = password or settings.LERNEN25_DEMO_PASSWORD
    plan = plan_demo(seed=seed, schools=schools, teachers=teachers)
    with transaction.atomic():
        roles = setup_roles()
        roles_changed = roles.created_groups + roles.changed_groups
        if demo_accounts_present():
            admin = get_user_model().objects.filter(email=DEMO_ADMIN_EMAIL).first()
            # check_password without a setter: never re-hashes, so this run writes nothing.
            still_valid = admin is not None and check_password(password, admin.password)
            return SeedReport(
                created=False,
                accounts=_existing_rows(),
                password=password if still_valid else None,
                roles_changed=roles_changed,
            )
        _check_conflicts(plan)
        password_hash = make_password(password)  # once: PBKDF2 costs ~0.3 s per call
        subjects = dict(Subject.objects.values_list("name", "pk"))
        school_objects = _create_schools(plan)
        teacher_count = _create_teachers(plan, school_objects, password_hash, subjects)
        demo_school = school_objects[plan.demo_school.number]
        rows = [_create_account(account, password_hash, demo_school, subjects) for account in DEMO_ACCOUNTS]
        plg_count = _create_demo_plgs(plan, school_objects)
        audit.record(
            "lernen25.demo.seeded",
            seed=seed,
            schools=len(school_objects),
            teachers=teacher_count,
            accounts=len(rows),
            plgs=plg_count,
        )
    return SeedReport(
        created=True,
        accounts=rows,
        password=password,
        seed=seed,
        schools=len(school_objects),
        teachers=teacher_count,
        teacher_example=plan.teachers[0].email if plan.teachers else "",
        roles_changed=roles_changed,
    )

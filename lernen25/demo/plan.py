"""The plan of the demo data set: pure, decided from the seed alone.

The same seed and sizes give the same schools, numbers, names and e-mail addresses on every
machine, so the README can quote the command's output and tests can compare two runs.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from lernen25.demo.reference import (
    DISTRICT_WEIGHTS,
    FIRST_DISTRICTS,
    FIRST_NAMES,
    FIRST_TYPES,
    LAST_NAMES,
    NAME_PATTERNS,
    PLACES,
    SECOND_SCHOOL_SHARE,
    SIZES,
    STREETS,
    SUBJECT_POOL_OF_TYPE,
    SUBJECT_POOLS,
    TYPE_WEIGHTS,
)
from lernen25.errors import RefusalKind, Refused
from lernen25.models import District, SchoolType

DEFAULT_SEED = 25
DEFAULT_SCHOOLS = 40
DEFAULT_TEACHERS = 120
MIN_SCHOOLS = len(SchoolType)  # one of each type; the first seven also cover every district
MAX_SCHOOLS = 2000
MAX_TEACHERS = 50_000
TEACHER_DOMAIN = "schule-{number}.lernen25.test"


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
        pool = SUBJECT_POOLS[SUBJECT_POOL_OF_TYPE.get(school.school_type, "secondary")]
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

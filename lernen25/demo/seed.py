"""Writing the demo data set: the core's schools, teachers and accounts, then each app's part.

Thousands of teachers are written with ``bulk_create``: the ``post_save`` signal that makes a
profile does not fire then, so profiles, their school and subject rows and allauth's verified
e-mail addresses are written here too. The password is hashed once and the hash shared by every
demo account, which is what makes 6,000 teachers take seconds, not hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from lernen25 import audit, registry
from lernen25.demo.accounts import DEMO_ACCOUNTS, DEMO_ADMIN_EMAIL, create_account, existing_rows
from lernen25.demo.plan import DEFAULT_SCHOOLS, DEFAULT_SEED, DEFAULT_TEACHERS, DemoPlan, plan_demo
from lernen25.demo.report import SeedReport
from lernen25.errors import RefusalKind, Refused
from lernen25.models import Affiliation, AffiliationSource, Profile, School, SchoolFunction, Subject
from lernen25.setup import setup_roles

BATCH_SIZE = 1000
CORE_COUNTS = ("seed", "schools", "teachers", "accounts")  # the audit event's own keys


@dataclass(frozen=True)
class DemoContext:
    """What an app's seeder (``lernen25.registry.DemoSeeder``) gets: the plan and what the core wrote."""

    plan: DemoPlan
    schools: dict[str, School]  # by Schulnummer, in the plan's order; the first is the demo school
    accounts: dict[str, object]  # the demo accounts' users by ``DemoAccount.key``: "lehrkraft", "plg_leitung", …
    subjects: dict[str, int]  # subject name -> primary key

    def teachers(self, count: int) -> list:
        """The first ``count`` planned teachers (the same people for the same seed), in plan order."""
        emails = [teacher.email for teacher in self.plan.teachers[:count]]
        users = {user.email: user for user in get_user_model().objects.filter(email__in=emails)}
        return [users[email] for email in emails if email in users]


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


def seed_demo(
    *,
    seed: int = DEFAULT_SEED,
    schools: int = DEFAULT_SCHOOLS,
    teachers: int = DEFAULT_TEACHERS,
    password: str | None = None,
) -> SeedReport:
    """Load the demo data once: set up the roles, then schools, teachers and demo accounts, then
    each installed app's part (``lernen25.registry.demo_seeders``, in their order).

    Idempotent: when any demo account exists, nothing is written and the report says so.
    Refuses (``Refused``, nothing written) for sizes out of range or when a planned
    Schulnummer or teacher address is already taken. All in one transaction, with one audit
    event ``lernen25.demo.seeded`` carrying the core's counts and the apps' counts.
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
                accounts=existing_rows(),
                password=password if still_valid else None,
                roles_changed=roles_changed,
            )
        _check_conflicts(plan)
        password_hash = make_password(password)  # once: PBKDF2 costs ~0.3 s per call
        subjects = dict(Subject.objects.values_list("name", "pk"))
        school_objects = _create_schools(plan)
        teacher_count = _create_teachers(plan, school_objects, password_hash, subjects)
        demo_school = school_objects[plan.demo_school.number]
        rows = [create_account(account, password_hash, demo_school, subjects) for account in DEMO_ACCOUNTS]
        context = DemoContext(plan=plan, schools=school_objects, accounts=_account_users(), subjects=subjects)
        by_app = _seed_apps(context)
        audit.record(
            "lernen25.demo.seeded",
            seed=seed,
            schools=len(school_objects),
            teachers=teacher_count,
            accounts=len(rows),
            **{name: count for counts in by_app.values() for name, count in counts.items()},
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
        by_app=by_app,
    )


def _account_users() -> dict[str, object]:
    users = {user.email: user for user in get_user_model().objects.filter(email__in=[a.email for a in DEMO_ACCOUNTS])}
    return {account.key: users[account.email] for account in DEMO_ACCOUNTS}


def _seed_apps(context: DemoContext) -> dict[str, dict[str, int]]:
    """Run every registered app seeder; their counts by app label, in the order they ran."""
    by_app: dict[str, dict[str, int]] = {}
    taken = set(CORE_COUNTS)
    for seeder in registry.demo_seeders:
        counts = dict(seeder.seed(context) or {})
        clash = taken & set(counts)
        if clash:
            raise ImproperlyConfigured(f"Demo seeder {seeder.name!r} reports taken counts: {sorted(clash)}.")
        taken |= set(counts)
        by_app[seeder.name] = counts
    return by_app

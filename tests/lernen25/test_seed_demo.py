"""``manage.py seed_demo``: the Duisburg-like demo data set, loaded once."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lernen25 import registry
from lernen25.demo import DEMO_ACCOUNTS, SIZES, plan_demo
from lernen25.errors import RefusalKind, Refused
from lernen25.mfa import DEMO_TOTP_SECRETS
from lernen25.models import Affiliation, AuditEvent, District, Profile, School, SchoolFunction, SchoolType
from lernen25.roles import GROUP_NAMES, Role, mfa_pending, requires_mfa
from tests.demo_helpers import SMALL, seed

User = get_user_model()
TEACHER_EMAIL = re.compile(r"^[a-z-]+\.[a-z-]+\d+@schule-(\d{6})\.lernen25\.test$")


def table_rows(output: str) -> dict[str, list[str]]:
    """The printed account table as {e-mail: [role, e-mail, password, school, TOTP secret]}.

    Cells are cut at the columns of the dashes under the header, so empty cells keep their place.
    """
    lines = output.splitlines()
    rule = next(index for index, line in enumerate(lines) if re.fullmatch(r"-+(  -+)+", line))
    spans = [match.span() for match in re.finditer(r"-+", lines[rule])]
    rows = {}
    for line in lines[rule + 1 :]:
        if "@demo.lernen25.test" not in line:
            break
        cells = [line[start:end].strip() for start, end in spans[:-1]] + [line[spans[-1][0] :].strip()]
        rows[cells[1]] = cells
    return rows


def demo_teachers():
    return User.objects.filter(email__contains="@schule-")


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "profiles": Profile.objects.count(),
        "schools": School.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "profile_subjects": Profile.subjects.through.objects.count(),
        "memberships": User.groups.through.objects.count(),
        "emails": EmailAddress.objects.count(),
        "audit": AuditEvent.objects.count(),
        "groups": Group.objects.count(),
        "authenticators": Authenticator.objects.count(),
    }


@pytest.mark.django_db
def test_seed_creates_schools_of_every_type_in_every_district():
    seed(*SMALL)

    assert set(School.objects.values_list("school_type", flat=True)) == set(SchoolType.values)
    assert set(School.objects.values_list("district", flat=True)) == set(District.values)


@pytest.mark.django_db
def test_schools_have_six_digit_numbers_duisburg_addresses_and_sizes_plausible_for_their_type():
    seed("--schools", "60", "--teachers", "0")

    schools = list(School.objects.all())
    assert len({school.number for school in schools}) == 60
    for school in schools:
        assert re.fullmatch(r"\d{6}", school.number)
        assert 47051 <= int(school.postal_code) <= 47279
        assert school.city == "Duisburg"
        assert re.fullmatch(r".+ \d+", school.street)
        low, high, _ratio = SIZES[SchoolType(school.school_type)]
        assert low <= school.pupils <= high
        assert 0 < school.teachers < school.pupils
    assert len({school.name for school in schools}) == 60
    names = " ".join(school.name for school in schools)
    assert "Gesamtschule" in names and "Gymnasium" in names and "GS " in names


@pytest.mark.django_db
def test_size_options_are_honoured():
    seed("--schools", "12", "--teachers", "50")

    assert School.objects.count() == 12
    assert demo_teachers().count() == 50
    assert User.objects.count() == 50 + len(DEMO_ACCOUNTS)


@pytest.mark.django_db
def test_defaults_give_about_forty_schools_and_a_hundred_twenty_teachers():
    output = seed()

    assert School.objects.count() == 40
    assert demo_teachers().count() == 120
    assert f"40 schools, 120 teachers, {len(DEMO_ACCOUNTS)} demo accounts" in output


@pytest.mark.django_db
def test_every_role_has_a_demo_account_in_its_group_that_signs_in_with_the_printed_password():
    output = seed(*SMALL)
    rows = table_rows(output)

    for role in Role:
        account = next(account for account in DEMO_ACCOUNTS if account.role == role)
        user = User.objects.get(email=account.email)
        assert set(user.groups.values_list("name", flat=True)) == {GROUP_NAMES[role]}
        label, email, password = rows[account.email][:3]
        assert label.startswith(GROUP_NAMES[role])
        assert password == "Lernen25-Demo!"
        assert authenticate(email=email, password=password) == user


@pytest.mark.django_db
def test_demo_admin_is_the_administration_account_and_a_staff_superuser():
    output = seed(*SMALL)

    admin = User.objects.get(email="admin@demo.lernen25.test")
    assert admin.is_staff and admin.is_superuser
    assert set(admin.groups.values_list("name", flat=True)) == {GROUP_NAMES[Role.ADMINISTRATION]}
    assert table_rows(output)[admin.email][0] == "Administration (Superuser)"
    assert authenticate(email=admin.email, password="Lernen25-Demo!") == admin
    assert not User.objects.filter(is_superuser=True).exclude(pk=admin.pk).exists()


@pytest.mark.django_db
def test_accounts_that_need_a_second_factor_have_the_documented_totp_secret_and_recovery_codes():
    from allauth.mfa.totp.internal.auth import TOTP

    from tests.factories import totp_code

    output = seed(*SMALL)
    rows = table_rows(output)

    needing = {account.email for account in DEMO_ACCOUNTS if requires_mfa(User.objects.get(email=account.email))}
    assert (
        needing
        == set(DEMO_TOTP_SECRETS)
        == {
            "smz@demo.lernen25.test",
            "datenschutz@demo.lernen25.test",
            "schultraeger@demo.lernen25.test",
            "admin@demo.lernen25.test",
            "schulleitung@demo.lernen25.test",
        }
    )
    for email, secret in DEMO_TOTP_SECRETS.items():
        user = User.objects.get(email=email)
        assert not mfa_pending(user)
        assert set(Authenticator.objects.filter(user=user).values_list("type", flat=True)) == {
            Authenticator.Type.TOTP,
            Authenticator.Type.RECOVERY_CODES,
        }
        totp = TOTP(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP))
        assert totp.validate_code(totp_code(secret))
        assert rows[email][4] == secret
    for account in DEMO_ACCOUNTS:
        if account.email not in DEMO_TOTP_SECRETS:
            assert rows[account.email][4] == ""
            assert not Authenticator.objects.filter(user__email=account.email).exists()
    assert "authenticator app" in output


def test_demo_totp_secrets_are_distinct_base32_of_32_characters():
    secrets = list(DEMO_TOTP_SECRETS.values())
    assert len(set(secrets)) == len(secrets)
    for secret in secrets:
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)


@pytest.mark.django_db
def test_second_run_prints_the_secret_while_the_authenticator_still_uses_it():
    seed(*SMALL)
    Authenticator.objects.filter(user__email="datenschutz@demo.lernen25.test").delete()

    rows = table_rows(seed(*SMALL))

    assert rows["smz@demo.lernen25.test"][4] == DEMO_TOTP_SECRETS["smz@demo.lernen25.test"]
    assert rows["datenschutz@demo.lernen25.test"][4] == "(changed since the demo data was loaded)"


@pytest.mark.django_db
def test_demo_teachers_sign_in_with_the_same_password():
    seed(*SMALL)

    teacher = demo_teachers().order_by("pk").last()
    assert authenticate(email=teacher.email, password="Lernen25-Demo!") == teacher
    assert not teacher.groups.exists()
    assert set(teacher.affiliations.active().values_list("function", flat=True)) == {SchoolFunction.LEHRKRAFT}
    # One hash for everyone: PBKDF2 once, not 6,000 times.
    assert demo_teachers().values("password").distinct().count() == 1


@pytest.mark.django_db
def test_password_option_replaces_the_configured_demo_password(settings):
    settings.LERNEN25_DEMO_PASSWORD = "Nicht-dieses-25"
    output = seed(*SMALL, "--password", "Anderes-Demo-25!")

    assert "Anderes-Demo-25!" in output
    assert "Nicht-dieses-25" not in output
    assert authenticate(email="schulleitung@demo.lernen25.test", password="Anderes-Demo-25!") is not None
    assert authenticate(email="schulleitung@demo.lernen25.test", password="Nicht-dieses-25") is None


@pytest.mark.django_db
def test_every_seeded_user_has_a_profile_and_a_verified_primary_email_address():
    seed(*SMALL)

    users = User.objects.all()
    assert users.count() == 30 + len(DEMO_ACCOUNTS)
    assert Profile.objects.filter(user__in=users).count() == users.count()
    verified = EmailAddress.objects.filter(verified=True, primary=True)
    assert {(address.user_id, address.email) for address in verified} == {(user.pk, user.email) for user in users}


@pytest.mark.django_db
def test_teachers_belong_to_the_school_of_their_address_and_have_two_subjects():
    seed(*SMALL)

    for teacher in demo_teachers().select_related("profile"):
        match = TEACHER_EMAIL.match(teacher.email)
        assert match, teacher.email
        numbers = set(teacher.affiliations.active().values_list("school__number", flat=True))
        assert match.group(1) in numbers
        assert teacher.profile.subjects.count() == 2
    # With at least as many teachers as schools, every school has a teacher on the network.
    assert not School.objects.filter(affiliations__isnull=True).exists()


@pytest.mark.django_db
def test_school_bound_demo_accounts_share_the_demo_school_and_the_others_have_none():
    output = seed(*SMALL)

    demo_school = School.objects.get(number=plan_demo(schools=12, teachers=30).demo_school.number)
    assert demo_school.school_type == SchoolType.GESAMTSCHULE
    for account in DEMO_ACCOUNTS:
        held = list(User.objects.get(email=account.email).affiliations.active().values_list("school", "function"))
        assert held == ([(demo_school.pk, account.function)] if account.at_school else [])
    assert table_rows(output)["lehrkraft@demo.lernen25.test"][3] == demo_school.name
    assert table_rows(output)["gast@demo.lernen25.test"][3] == ""


@pytest.mark.django_db
def test_seeding_records_one_audit_event_with_the_counts():
    seed(*SMALL)

    event = AuditEvent.objects.get(action="lernen25.demo.seeded")
    assert event.actor is None
    # The core's counts, then each installed app's (tests/plc/test_demo.py: "plgs").
    core = {"seed": 25, "schools": 12, "teachers": 30, "accounts": len(DEMO_ACCOUNTS)}
    assert {key: event.data[key] for key in core} == core


@pytest.mark.django_db
def test_each_registered_app_seeder_runs_once_after_the_core_with_the_demo_context():
    calls = []

    def fake_seed(context):
        calls.append(context)
        return {"fakes": 3}

    with registry.demo_seeders.override(registry.DemoSeeder("fake", fake_seed)):
        output = seed(*SMALL)
        seed(*SMALL)  # the second run writes nothing, apps included

    assert len(calls) == 1
    context = calls[0]
    assert list(context.schools) == [school.number for school in plan_demo(schools=12, teachers=30).schools]
    assert context.accounts["plg_leitung"].email == "plg-leitung@demo.lernen25.test"
    assert [user.email for user in context.teachers(3)] == [t.email for t in context.plan.teachers[:3]]
    assert "Mathematik" in context.subjects
    assert AuditEvent.objects.get(action="lernen25.demo.seeded").data["fakes"] == 3
    assert "  fake: 3 fakes" in output


@pytest.mark.django_db
def test_an_app_seeder_that_fails_rolls_the_whole_seed_back():
    def failing_seed(context):
        raise Refused("kaputt", RefusalKind.CONFLICT)

    with registry.demo_seeders.override(registry.DemoSeeder("broken", failing_seed)), pytest.raises(CommandError):
        seed(*SMALL)

    assert not User.objects.exists()
    assert not School.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_an_app_seeder_may_not_report_a_count_of_the_core():
    with (
        registry.demo_seeders.override(registry.DemoSeeder("greedy", lambda context: {"schools": 1})),
        pytest.raises(ImproperlyConfigured, match="greedy"),
    ):
        seed(*SMALL)

    assert not School.objects.exists()


@pytest.mark.django_db
def test_second_run_changes_nothing_and_says_the_demo_data_is_present():
    seed(*SMALL)
    before = counts()

    output = seed(*SMALL)

    assert counts() == before
    assert "already present; nothing changed" in output
    assert table_rows(output)["smz@demo.lernen25.test"][2] == "Lernen25-Demo!"


@pytest.mark.django_db
def test_second_run_with_other_sizes_changes_nothing_either():
    seed(*SMALL)
    before = counts()

    seed("--schools", "30", "--teachers", "80", "--seed", "7")

    assert counts() == before


@pytest.mark.django_db
def test_same_seed_gives_the_same_schools_and_addresses_after_a_reset():
    seed(*SMALL)
    first = (
        list(School.objects.order_by("number").values_list("number", "name", "district", "street")),
        sorted(User.objects.values_list("email", flat=True)),
    )
    User.objects.all().delete()
    School.objects.all().delete()

    seed(*SMALL)

    second = (
        list(School.objects.order_by("number").values_list("number", "name", "district", "street")),
        sorted(User.objects.values_list("email", flat=True)),
    )
    assert second == first


def test_plan_depends_on_the_seed_only():
    assert plan_demo(seed=25, schools=20, teachers=40) == plan_demo(seed=25, schools=20, teachers=40)
    other = plan_demo(seed=26, schools=20, teachers=40)
    assert [s.number for s in other.schools] != [s.number for s in plan_demo(seed=25, schools=20, teachers=40).schools]


def test_a_larger_data_set_starts_with_the_smaller_one():
    small, large = plan_demo(schools=40, teachers=10), plan_demo(schools=200, teachers=6000)

    assert large.schools[:40] == small.schools


@pytest.mark.django_db
def test_too_few_schools_for_every_type_is_refused_and_writes_nothing():
    with pytest.raises(CommandError, match="one of each type"):
        seed("--schools", "5")

    assert not User.objects.exists()
    assert not School.objects.exists()


@pytest.mark.django_db
def test_a_taken_schulnummer_is_refused_and_writes_nothing():
    number = plan_demo(schools=12, teachers=30).schools[3].number
    School.objects.create(number=number, name="Echte Schule", school_type="realschule", district="mitte")

    with pytest.raises(CommandError, match=number):
        seed(*SMALL)

    assert School.objects.count() == 1
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def queries_for(teachers: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        seed("--schools", "12", "--teachers", str(teachers))
    User.objects.all().delete()
    School.objects.all().delete()
    AuditEvent.objects.all().delete()
    return len(queries.captured_queries)


@pytest.mark.django_db
def test_teachers_are_written_in_batches_not_one_query_each():
    queries_for(20)  # the first run also makes the role groups and fills caches

    # 380 more teachers: a few more batch inserts (SQLite caps a batch at 999 parameters), not 380 × 6 queries.
    assert queries_for(400) - queries_for(20) <= 10

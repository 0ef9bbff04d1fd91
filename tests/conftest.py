"""Shared fixtures: the fixed cast of personas, built with factories and real services.

Each persona is a person the platform is for (see ../shared/domain.md). Roles are given with
``lernen25.services.assign_role``, as an operator would, after ``setup_roles`` made the groups.

``assert_refused`` calls a service expecting a refusal and checks the German message, the kind,
that no row of any table changed and that nothing was queued after the commit or mailed.

Why the cast is built per test, not once per session (measured with -n 2 on tests/plc and
tests/lernen25): the personas cost about 50 ms of setup per test (``setup_roles`` 25-40 ms of it,
each person about 5 ms); about 550 of the 700 tests use them, so building them once would save
some 25 s of CPU, 3-4 % of the run (the three PLGs of tests/plc cost 130-500 ms each and dominate).
It is not safe here:

- Rows committed once per worker are in every later test's database, asked for or not. Tests assert
  on what exists: ``setup_roles`` creating the groups, the school import and the demo seeding
  counting schools and users, a confirmation request going to the SMZ because school A has no
  principal.
- Built lazily, on the first test asking for a persona, whether a test sees the cast would depend
  on which tests xdist happened to run before it on that worker.
- Transactional tests (the WebSocket tests, ``live_server``) flush the database, and tests that
  take personas only through ``request.getfixturevalue`` (no ``db`` fixture of their own) are run
  after them by pytest-django, so the cast would be gone for exactly those tests.

A trial (personas, schools and groups built at session start, each test given fresh instances by
primary key, rebuilt per test where gone) had 54 failures and 33 errors of 700: about 30 because
the cast was there, the rest because the flush had taken it.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection

from lernen25.errors import RefusalKind, Refused
from lernen25.models import District, SchoolFunction, SchoolType
from lernen25.roles import Role
from lernen25.services import assign_role
from lernen25.setup import setup_roles
from tests.factories import SchoolFactory, UserFactory, verified, with_function, with_totp


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: rate-limit counts, presence, cached pages.

    Without it, the posts of one test count against the limits of the next one on the same worker.
    """
    from django.core.cache import caches

    caches["default"].clear()
    yield


@pytest.fixture
def unlimited(monkeypatch):
    """Lift every rate limit (``lernen25.limits``) for a test that needs many writes quickly."""
    from lernen25 import limits

    for name, spec in limits.registered_limits().items():
        monkeypatch.setitem(limits._limits, name, limits.Limit(name, 10**9, spec.seconds, spec.message))


@pytest.fixture
def roles(db):
    setup_roles()


@pytest.fixture
def school_a(db):
    return SchoolFactory(
        number="165432",
        name="Gesamtschule Meiderich",
        school_type=SchoolType.GESAMTSCHULE,
        district=District.MEIDERICH_BEECK,
    )


@pytest.fixture
def school_b(db):
    return SchoolFactory(
        number="187654", name="Grundschule Walsum", school_type=SchoolType.GRUNDSCHULE, district=District.WALSUM
    )


def _person(email, role, schools, *, function=None, totp=False, **names):
    """A verified account; ``schools``: confirmed Lehrkraft there, or ``function`` there."""
    user = verified(UserFactory(email=email, schools=None if function else schools, **names))
    for school in schools if function else ():
        with_function(user, school, function)
    if role is not None:
        assign_role(actor=None, user=user, role=role)
    if totp:
        # The powerful roles hold their powers only with a second factor (lernen25.roles).
        with_totp(user)
    return user


@pytest.fixture
def lehrkraft_a(roles, school_a):
    """A teacher of school A (confirmed Lehrkraft there): member of the network, no special role."""
    return _person("anna.lehrerin@schule-a.de", None, [school_a], first_name="Anna", last_name="Lehmann")


@pytest.fixture
def lehrkraft_b(roles, school_b):
    """A teacher of school B: the outsider to anything of school A."""
    return _person("bernd.lehrer@schule-b.de", None, [school_b], first_name="Bernd", last_name="Becker")


@pytest.fixture
def plg_leitung(roles, school_a):
    """A teacher of school A who leads PLGs."""
    return _person("lena.leitung@schule-a.de", Role.PLG_LEITUNG, [school_a], first_name="Lena", last_name="Leitner")


@pytest.fixture
def smz(roles):
    """Staff of the school media centre: curates and moderates the whole network."""
    return _person("sam.smz@smz.duisburg.de", Role.SMZ_MODERATION, [], totp=True, first_name="Sam", last_name="Schulz")


@pytest.fixture
def medienbeauftragte_a(roles, school_a):
    """School A's media coordinator: writes its media concept and annual reflection."""
    return _person(
        "mia.medien@schule-a.de",
        None,
        [school_a],
        function=SchoolFunction.MEDIENBEAUFTRAGTE,
        first_name="Mia",
        last_name="Maurer",
    )


@pytest.fixture
def schulleitung_a(roles, school_a):
    """School A's principal (with a second factor): manages its people, approves its concept and reflection."""
    return _person(
        "sl@schule-a.de",
        None,
        [school_a],
        function=SchoolFunction.SCHULLEITUNG,
        totp=True,
        first_name="Sabine",
        last_name="Leitz",
    )


@pytest.fixture
def datenschutz(roles):
    """The data-protection officer for the Duisburg schools: vets learning software."""
    return _person("dsb@duisburg.de", Role.DATENSCHUTZ, [], totp=True, first_name="Dana", last_name="Schutz")


@pytest.fixture
def schultraeger(roles):
    """The city's school board office: opens reflection campaigns, reads the planning."""
    return _person("amt40@duisburg.de", Role.SCHULTRAEGER, [], totp=True, first_name="Tom", last_name="Träger")


@pytest.fixture
def admin_user(roles):
    """A platform administrator (superuser, with a second factor)."""
    return with_totp(verified(UserFactory(email="admin@lernen25.de", is_staff=True, is_superuser=True)))


@pytest.fixture
def schulleitung_b(roles, school_b):
    """School B's principal: the outsider to school A's people."""
    return _person(
        "sl@schule-b.de",
        None,
        [school_b],
        function=SchoolFunction.SCHULLEITUNG,
        totp=True,
        first_name="Sven",
        last_name="Leiter",
    )


@pytest.fixture
def signed_up(roles):
    """Signed up and verified, but confirmed by no school: a guest of the network."""
    return _person("neu@example.org", None, [], first_name="Nora", last_name="Neumann")


@pytest.fixture
def guest(client):
    """Nobody signed in."""
    return client


# --- Refusals ---------------------------------------------------------------------------------


def database_rows() -> dict[str, list]:
    """Every row of every table: a refused call must leave all of them as they were."""
    with connection.cursor() as cursor:
        state = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (names from the schema)
            state[table] = sorted(cursor.fetchall(), key=repr)
    return state


@pytest.fixture
def assert_refused(django_capture_on_commit_callbacks):
    """Call a service expecting a refusal: ``assert_refused(service, message, kind, **kwargs)``.

    Checks the exact German message and the kind, that no row of any table changed (audit events,
    notifications, memberships, documents, …), that nothing was queued to run after the commit
    (mails, broadcasts) and no mail sent. Returns the ``Refused``.
    """

    def check(service, message: str, kind: RefusalKind, /, **kwargs) -> Refused:
        name = getattr(service, "__name__", repr(service))
        before, mails_before = database_rows(), len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                service(**kwargs)
            except Refused as refusal:
                caught = refusal
            else:
                pytest.fail(f"{name} did not refuse; expected {kind}: {message!r}")
        assert str(caught.message) == message
        assert caught.kind == kind, f"{name}: kind {caught.kind}, expected {kind}"
        after = database_rows()
        written = sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))
        assert not written, f"{name} wrote to {', '.join(written)} although it refused"
        assert callbacks == [], f"{name} scheduled work after commit although it refused"
        assert len(mail.outbox) == mails_before, f"{name} sent mail although it refused"
        return caught

    return check


def pytest_runtest_setup(item):
    """``@pytest.mark.needs_app("plc")``: skipped when the app is not installed (tests.settings_core)."""
    from django.apps import apps

    for marker in item.iter_markers("needs_app"):
        missing = [label for label in marker.args if not apps.is_installed(label)]
        if missing:
            pytest.skip(f"needs the app(s) {', '.join(missing)}, not installed under these settings")

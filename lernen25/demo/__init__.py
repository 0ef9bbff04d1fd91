"""The demo data set: a Duisburg-like city of schools, teachers and one account per role.

``manage.py seed_demo`` calls :func:`seed_demo`. The package, by concern:

- ``reference``: the reference lists (places, streets, school names and sizes, names, subjects);
- ``plan``: :func:`plan_demo`, pure: the same seed and sizes give the same schools, numbers,
  names and e-mail addresses on every machine, so the README can quote the command's output and
  tests can compare two runs;
- ``accounts``: the fixed demo accounts, one per role and school function;
- ``seed``: writing it all in one transaction, then each installed app's part
  (``lernen25.registry.demo_seeders``, e.g. ``plc.demo``), which gets a :class:`DemoContext`;
- ``report``: what the command prints.

Seeding is idempotent: when the demo accounts exist it changes nothing.
"""

from lernen25.demo.accounts import DEMO_ACCOUNTS, DEMO_ADMIN_EMAIL, DEMO_DOMAIN, FUNCTION_NAMES, DemoAccount
from lernen25.demo.plan import (
    DEFAULT_SCHOOLS,
    DEFAULT_SEED,
    DEFAULT_TEACHERS,
    MAX_SCHOOLS,
    MAX_TEACHERS,
    MIN_SCHOOLS,
    DemoPlan,
    SchoolPlan,
    TeacherPlan,
    email_part,
    plan_demo,
)
from lernen25.demo.reference import SIZES
from lernen25.demo.report import AccountRow, SeedReport
from lernen25.demo.seed import DemoContext, demo_accounts_present, seed_demo

__all__ = [
    "DEFAULT_SCHOOLS",
    "DEFAULT_SEED",
    "DEFAULT_TEACHERS",
    "DEMO_ACCOUNTS",
    "DEMO_ADMIN_EMAIL",
    "DEMO_DOMAIN",
    "FUNCTION_NAMES",
    "MAX_SCHOOLS",
    "MAX_TEACHERS",
    "MIN_SCHOOLS",
    "SIZES",
    "AccountRow",
    "DemoAccount",
    "DemoContext",
    "DemoPlan",
    "SchoolPlan",
    "SeedReport",
    "TeacherPlan",
    "demo_accounts_present",
    "email_part",
    "plan_demo",
    "seed_demo",
]

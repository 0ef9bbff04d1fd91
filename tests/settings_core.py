"""The core without its feature apps: the test settings minus plc, sso, medienkonzepte, software_catalog.

The core must boot and pass its own tests without them (docs/architecture.md, "Registries and
the dependency direction"):

    DJANGO_SETTINGS_MODULE=tests.settings_core .venv/bin/python manage.py check
    .venv/bin/python -m pytest --ds=tests.settings_core tests/lernen25

Tests that need an app are marked ``@pytest.mark.needs_app("plc")`` and skipped here.
"""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS as ALL_APPS

FEATURE_APPS = ("plc", "sso", "medienkonzepte", "software_catalog", "legal")
INSTALLED_APPS = [app for app in ALL_APPS if app not in FEATURE_APPS]

# The school sign-ons' adapter lives in sso: allauth's own without it.
SOCIALACCOUNT_ADAPTER = "allauth.socialaccount.adapter.DefaultSocialAccountAdapter"

"""Fixtures of the PLG service tests: uploads go to a throw-away folder, people read German."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.utils import translation


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a throw-away folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def german():
    """People read the default language; pin it, whatever an earlier request left activated."""
    with translation.override(django_settings.LANGUAGE_CODE):
        yield

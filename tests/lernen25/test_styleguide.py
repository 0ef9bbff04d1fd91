"""The living style guide (``/komponenten/``): for staff, every component section, in German and English."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

pytestmark = pytest.mark.django_db

SECTIONS = ["sg-buttons", "sg-badges", "sg-alerts", "sg-forms", "sg-tables", "sg-lists", "sg-pagination"]


def test_staff_see_every_component_with_its_error_states(client, smz):
    client.force_login(smz)

    page = client.get(reverse("styleguide")).content.decode()

    for section in SECTIONS:
        assert f'id="{section}"' in page
    assert "Komponentenbibliothek" in page
    assert "kern-form-input--error" in page and "Dieses Feld muss ausgefüllt werden." in page
    assert 'aria-current="page"' in page  # the pagination's current page
    assert ('id="sg-discussion"' in page) == apps.is_installed("plc")


def test_the_guide_reads_in_english_too(client, smz):
    client.force_login(smz)
    client.cookies["django_language"] = "en"

    page = client.get(reverse("styleguide")).content.decode()

    assert "Component library" in page and "Komponentenbibliothek" not in page


def test_teachers_are_refused_in_german(client, lehrkraft_a):
    client.force_login(lehrkraft_a)

    response = client.get(reverse("styleguide"))

    assert response.status_code == 403
    assert "Die Komponentenbibliothek ist für das Team der Plattform." in response.content.decode()

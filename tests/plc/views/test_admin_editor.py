"""The PLG page editor in Wagtail's admin shows status, visibility and featuring without changing them."""

from __future__ import annotations

from django.urls import reverse


def test_editor_shows_status_visibility_and_featuring_read_only(client, open_plg, smz):
    client.force_login(smz)

    response = client.get(reverse("wagtailadmin_pages:edit", args=[open_plg.pk]))

    assert response.status_code == 200
    form = response.context["form"]
    assert {"status", "visibility", "featured"}.isdisjoint(form.fields)  # read-only panels: not form fields
    assert "Status, Sichtbarkeit und Hervorhebung werden auf der Seite der PLG geändert." in response.content.decode()

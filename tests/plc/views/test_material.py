"""Material pages (plc/views/material.py): a refused upload says why and stores nothing."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile


def test_invalid_upload_is_refused_with_a_field_error_and_nothing_stored(client, open_plg, lehrkraft_a):
    client.force_login(lehrkraft_a)

    response = client.post(
        f"/plg-raum/{open_plg.pk}/dateien/",
        {"file": SimpleUploadedFile("virus.exe", b"MZ...", content_type="application/octet-stream")},
    )

    assert response.status_code == 400
    assert "können nicht geteilt werden" in response.content.decode()
    assert not open_plg.files.exists()

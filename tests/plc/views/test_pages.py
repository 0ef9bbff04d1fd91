"""PLG pages (plc/pages.py) as people see them: the PLG page, the directory, the home page's PLGs; bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plc import services
from plc.models import Visibility
from tests.factories import UserFactory, verified
from tests.plc.helpers import make_plg


def _grow(plg, lead, n):
    """Give the PLG n more members, files, links and meetings."""
    for i in range(n):
        user = verified(UserFactory())
        services.invite_member(actor=lead, plg=plg, user=user)
        services.accept_invitation(actor=user, invitation=plg.invitations.get(email=user.email))
        services.upload_file(
            actor=user, plg=plg, upload=SimpleUploadedFile(f"f{i}.pdf", b"%PDF-1.4", content_type="application/pdf")
        )
        services.add_link(actor=user, plg=plg, title=f"Link {i}", url=f"https://example.org/{i}")
        start = timezone.now() + timedelta(days=i + 1)
        services.schedule_meeting(
            actor=lead,
            plg=plg,
            title=f"Termin {i}",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="SMZ",
        )


def _queries_for_page(client, url):
    client.get(url)  # warm up: session tracking and content-type caches happen on the first request only
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_plg_page_queries_do_not_grow_with_members_files_and_meetings(client, open_plg, plg_leitung):
    client.force_login(plg_leitung)
    _grow(open_plg, plg_leitung, 2)
    small = _queries_for_page(client, open_plg.url)

    _grow(open_plg, plg_leitung, 20)
    large = _queries_for_page(client, open_plg.url)

    assert large == small
    assert large <= 45


def test_directory_queries_do_not_grow_with_the_number_of_plgs(client, plg_leitung, lehrkraft_a):
    client.force_login(lehrkraft_a)
    make_plg(title="PLG 0", visibility=Visibility.OPEN, lead=plg_leitung)
    small = _queries_for_page(client, "/plg/")
    for i in range(1, 15):
        make_plg(title=f"PLG {i}", visibility=Visibility.OPEN, lead=plg_leitung)

    assert _queries_for_page(client, "/plg/") == small


def test_member_sees_content_and_outsider_of_on_request_plg_sees_only_the_door(
    client, request_plg, lehrkraft_a, lehrkraft_b
):
    client.force_login(lehrkraft_a)
    member_page = client.get(request_plg.url).content.decode()
    client.force_login(lehrkraft_b)
    outsider_page = client.get(request_plg.url).content.decode()

    assert "Diskussion" in member_page and "Termine" in member_page
    assert "Beitritt anfragen" not in member_page
    assert "Diskussion, Termine und Material dieser PLG sind nur für ihre Mitglieder sichtbar." in outsider_page
    assert "Beitritt anfragen" in outsider_page
    assert lehrkraft_a.display_name not in outsider_page  # the member list is for members


def test_home_page_shows_my_plgs_meetings_and_featured(client, open_plg, lehrkraft_a, smz):
    services.set_featured(actor=smz, plg=open_plg, featured=True)
    client.force_login(lehrkraft_a)

    page = client.get("/").content.decode()

    assert "Meine PLGs" in page
    assert open_plg.title in page
    assert "Vom SMZ hervorgehoben" in page


@pytest.mark.django_db
def test_guest_is_sent_to_sign_in_for_the_directory(client):
    response = client.get("/plg/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Taking part: the box is never empty ------------------------------------------------------


def _take_part_box(client, plg) -> str:
    page = client.get(plg.url).content.decode()
    start = page.index('id="mitmachen"')
    return page[start : page.index("</aside>", start)]


def test_a_guest_learns_why_they_cannot_join_and_how_a_school_confirms_them(client, open_plg, signed_up):
    client.force_login(signed_up)

    box = _take_part_box(client, open_plg)

    assert "Beitreten" not in box
    assert "muss Sie zuerst eine Schule als Lehrkraft bestätigen" in box
    assert 'href="/profil/#schools-heading"' in box


def test_a_teacher_gets_the_join_button(client, open_plg, lehrkraft_b):
    client.force_login(lehrkraft_b)

    teacher_box = _take_part_box(client, open_plg)

    assert "Beitreten" in teacher_box and "bestätigen" not in teacher_box


def test_those_who_may_neither_join_nor_ask_read_that_leads_invite(client, open_plg, datenschutz):
    client.force_login(datenschutz)

    assert "nur auf Einladung der Leitung" in _take_part_box(client, open_plg)

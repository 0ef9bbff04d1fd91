"""403 and 404 tell outsiders nothing: the same answer for a thing that exists and one that does not.

An outsider (a teacher of another school, not a member; and a guest) asks for the members,
invitations, requests, meetings, files, links, topics and messages of a PLG whose content they may
not see, by real ids and by ids that exist nowhere. Status and page must be the same for both, or
the answers would reveal who is a member or which meetings, files and messages exist.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from plc import services
from plc.models import Meeting, PlgFile

NOWHERE = 987_654_321

# (url template, which id of the prepared PLG it takes). Not here: withdrawing a join request, which
# only ever looks among the asker's own requests (an outsider's own request is no secret to them).
URLS = [
    ("/plg-raum/{plg}/mitglieder/{id}/entfernen/", "member"),
    ("/plg-raum/{plg}/mitglieder/{id}/leitung/", "member"),
    ("/plg-raum/{plg}/anfragen/{id}/entscheiden/", "join_request"),
    ("/plg-raum/{plg}/einladungen/{id}/zuruecknehmen/", "invitation"),
    ("/plg-raum/{plg}/termine/{id}.ics", "meeting"),
    ("/plg-raum/{plg}/termine/{id}/absagen/", "meeting"),
    ("/plg-raum/{plg}/dateien/{id}/loeschen/", "file"),
    ("/plg-raum/{plg}/links/{id}/loeschen/", "link"),
    ("/plg-raum/{plg}/themen/{id}/", "topic"),
    ("/plg-raum/{plg}/themen/{id}/einstellungen/", "topic"),
    ("/plg-raum/{plg}/beitraege/{id}/bearbeiten/", "message"),
    ("/plg-raum/{plg}/beitraege/{id}/loeschen/", "message"),
    ("/plg-raum/{plg}/beitraege/{id}/ausblenden/", "message"),
]


@pytest.fixture
def prepared(request_plg, plg_leitung, lehrkraft_a, lehrkraft_b, smz):
    """An on-request PLG (outsiders see its page, not its content) with one of everything."""
    plg = request_plg
    topic = services.create_topic(actor=lehrkraft_a, plg=plg, title="Intern", body="Nur für Mitglieder")
    meeting = Meeting.objects.create(
        plg=plg,
        title="Treffen",
        starts_at="2030-01-10T15:00:00+01:00",
        ends_at="2030-01-10T16:00:00+01:00",
        created_by=plg_leitung,
    )
    document = Document.objects.create(title="Plan.pdf", file=ContentFile(b"%PDF-1.4", name="plan.pdf"))
    plg_file = PlgFile.objects.create(plg=plg, document=document, added_by=lehrkraft_a)
    link = services.add_link(actor=lehrkraft_a, plg=plg, title="Link", url="https://example.org/")
    invitation = services.invite_member(actor=plg_leitung, plg=plg, user=smz)
    join_request = services.request_membership(actor=lehrkraft_b, plg=plg, message="Bitte")
    return {
        "plg": plg.pk,
        "member": lehrkraft_a.pk,
        "join_request": join_request.pk,
        "invitation": invitation.pk,
        "meeting": meeting.pk,
        "file": plg_file.pk,
        "link": link.pk,
        "topic": topic.pk,
        "message": topic.messages.first().pk,
    }


def _normalised(response, url: str) -> tuple[int, str]:
    """Status and page, without what differs anyway: CSRF token, CSP nonce, the asked-for URL itself."""
    body = response.content.decode(errors="replace")
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r'nonce="[^"]+"', "", body)
    for form in (url, quote(url, safe="")):
        body = body.replace(form, "URL")
    location = response.headers.get("Location", "").replace(quote(url, safe=""), "URL").replace(url, "URL")
    return response.status_code, body + location


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("template", "kind"), URLS, ids=[t for t, _ in URLS])
@pytest.mark.parametrize("who", ["outsider", "guest"])
def test_an_outsider_gets_the_same_answer_for_what_exists_and_what_does_not(
    client, prepared, lehrkraft_b, template, kind, method, who
):
    if who == "outsider":
        client.force_login(lehrkraft_b)
    existing = template.format(plg=prepared["plg"], id=prepared[kind])
    nowhere = template.format(plg=prepared["plg"], id=NOWHERE)
    answers = [_normalised(getattr(client, method)(url), url) for url in (existing, nowhere)]
    assert answers[0][0] == answers[1][0], f"{existing}: {answers[0][0]} but {nowhere}: {answers[1][0]}"
    assert answers[0][0] in (302, 403, 404, 405), answers[0][0]
    assert answers[0][1] == answers[1][1], f"{existing} and {nowhere} answer differently"


def test_a_guest_cannot_tell_a_closed_plg_or_a_file_from_an_invented_url(client, closed_plg, lehrkraft_a):
    """Every URL in the PLG directory and under the documents sends a guest to sign in, real or not."""
    document = Document.objects.create(title="Geheim.pdf", file=ContentFile(b"%PDF-1.4", name="geheim.pdf"))
    PlgFile.objects.create(plg=closed_plg, document=document, added_by=lehrkraft_a)
    for real, invented in (
        (closed_plg.url, closed_plg.url.rstrip("/") + "-gibt-es-nicht/"),
        (document.url, f"/dokumente/{NOWHERE}/geheim.pdf"),
    ):
        answers = [client.get(url) for url in (real, invented)]
        assert [a.status_code for a in answers] == [302, 302], (real, invented)
        for answer, url in zip(answers, (real, invented), strict=True):
            assert answer["Location"] == f"/accounts/login/?next={quote(url, safe='/')}"


def test_signed_in_people_still_get_the_404_page_for_invented_urls(client, closed_plg, lehrkraft_b):
    client.force_login(lehrkraft_b)
    assert client.get(closed_plg.url).status_code == 404  # closed: hidden from the outsider
    assert client.get(closed_plg.url.rstrip("/") + "-gibt-es-nicht/").status_code == 404
    assert client.get("/gibt-es-nicht/").status_code == 404


def test_a_guest_gets_the_404_page_outside_the_sign_in_areas(client, db):
    assert client.get("/gibt-es-nicht/").status_code == 404

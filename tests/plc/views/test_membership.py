"""Membership pages (plc/views/membership.py): leaving, answering an invitation; a refusal says why."""

from __future__ import annotations

from plc import services
from plc.models import Membership


def test_refused_action_shows_the_german_reason_and_a_4xx(client, open_plg, plg_leitung):
    client.force_login(plg_leitung)

    response = client.post(f"/plg-raum/{open_plg.pk}/verlassen/")

    assert response.status_code == 409
    assert "Sie sind die einzige Leitung." in response.content.decode()
    assert Membership.objects.filter(plg=open_plg, user=plg_leitung).exists()


def test_invitee_accepts_from_the_notifications_page(client, request_plg, plg_leitung, lehrkraft_b):
    services.invite_member(actor=plg_leitung, plg=request_plg, user=lehrkraft_b)
    invitation = request_plg.invitations.get(email=lehrkraft_b.email)
    client.force_login(lehrkraft_b)
    page = client.get("/benachrichtigungen/").content.decode()
    assert "lädt Sie" in page or request_plg.title in page

    response = client.post(f"/einladungen/{invitation.pk}/annehmen/")

    assert response.status_code == 302 and response["Location"] == request_plg.url
    assert Membership.objects.filter(plg=request_plg, user=lehrkraft_b).exists()
    # someone else cannot answer it: it is not among their pending invitations
    assert client.post(f"/einladungen/{invitation.pk}/annehmen/").status_code == 404


def test_other_people_cannot_answer_an_invitation(client, request_plg, plg_leitung, lehrkraft_b, medienbeauftragte_a):
    services.invite_member(actor=plg_leitung, plg=request_plg, user=lehrkraft_b)
    invitation = request_plg.invitations.get(email=lehrkraft_b.email)
    client.force_login(medienbeauftragte_a)

    assert client.post(f"/einladungen/{invitation.pk}/annehmen/").status_code == 404
    assert not Membership.objects.filter(plg=request_plg, user=medienbeauftragte_a).exists()


def test_a_second_request_shows_why_at_the_top_even_without_the_form(client, request_plg, lehrkraft_b):
    # With a request pending the page no longer shows the request form; what went wrong must still show.
    services.request_membership(actor=lehrkraft_b, plg=request_plg, message="Bitte")
    client.force_login(lehrkraft_b)

    too_long = client.post(f"/plg-raum/{request_plg.pk}/anfragen/", {"message": "a" * 1001})
    again = client.post(f"/plg-raum/{request_plg.pk}/anfragen/", {"message": "Noch einmal"})

    assert too_long.status_code == 400
    summary = too_long.content.decode().split('id="form-errors"')[1].split("</ul>")[0]
    assert 'href="#request_message"' in summary and "höchstens 1000 Zeichen" in summary
    assert again.status_code == 409
    summary = again.content.decode().split('id="form-errors"')[1].split("</ul>")[0]
    assert "Sie haben den Beitritt bereits angefragt" in summary
    assert request_plg.join_requests.filter(user=lehrkraft_b).count() == 1

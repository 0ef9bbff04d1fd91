"""The signed-in home page differs by role: what waits for the person comes first (plc/panels.py and
the core's confirmations), and nobody sees another's work."""

from __future__ import annotations

import pytest

from lernen25.permissions import allowed
from lernen25.services.affiliations import request_confirmation
from plc import services
from plc.permissions import plgs_managed_by
from plc.selectors import unread_topics_of
from tests.factories import UserFactory, verified

pytestmark = pytest.mark.django_db


def home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_lead_sees_the_join_requests_waiting_for_them_and_a_member_does_not(
    client, request_plg, plg_leitung, lehrkraft_a, lehrkraft_b
):
    services.request_membership(actor=lehrkraft_b, plg=request_plg, message="Gern!")

    lead_home = home(client, plg_leitung)
    member_home = home(client, lehrkraft_a)

    assert "Wartet auf Ihre Entscheidung" in lead_home
    assert f"{lehrkraft_b.display_name} möchte der PLG „{request_plg.title}“ beitreten." in lead_home
    assert f'href="{request_plg.url}#anfragen"' in lead_home
    assert "Wartet auf Ihre Entscheidung" not in member_home


def test_the_smz_sees_pending_proposals_and_requests_of_every_plg(client, request_plg, smz, lehrkraft_a, lehrkraft_b):
    services.request_membership(actor=lehrkraft_b, plg=request_plg)
    services.propose_plg(actor=lehrkraft_a, title="Robotik AG", kind="innovation", goals="Bauen", visibility="open")

    page = home(client, smz)

    assert "1 PLG-Vorschlag wartet auf die Entscheidung des SMZ." in page
    assert request_plg.title in page


def test_members_see_topics_with_messages_they_have_not_read(client, topic, plg_leitung, lehrkraft_a, lehrkraft_b):
    services.post_message(actor=lehrkraft_a, topic=topic, body="Neu für die Leitung")

    lead_home = home(client, plg_leitung)
    assert "Neue Beiträge in Ihren PLGs" in lead_home and topic.title in lead_home
    assert "Neue Beiträge in Ihren PLGs" not in home(client, lehrkraft_a)  # own messages are read
    assert "Neue Beiträge in Ihren PLGs" not in home(client, lehrkraft_b)  # not a member

    services.mark_read(actor=plg_leitung, topic=topic, message_id=topic.messages.order_by("-pk").first().pk)
    assert unread_topics_of(plg_leitung) == []


def test_a_principal_sees_the_people_waiting_for_confirmation(client, school_a, schulleitung_a, lehrkraft_a):
    newcomer = verified(UserFactory())
    request_confirmation(actor=newcomer, school=school_a)

    page = home(client, schulleitung_a)

    assert f"{school_a.name}: 1 Person bittet um Bestätigung." in page
    assert f'href="/schulen/{school_a.number}/personen/"' in page
    assert "bittet um Bestätigung" not in home(client, lehrkraft_a)


def test_the_managed_plgs_query_agrees_with_the_rule(
    open_plg, request_plg, closed_plg, plg_leitung, lehrkraft_a, lehrkraft_b, smz, datenschutz, admin_user
):
    for person in (plg_leitung, lehrkraft_a, lehrkraft_b, smz, datenschutz, admin_user):
        managed = set(plgs_managed_by(person))
        for plg in (open_plg, request_plg, closed_plg):
            assert (plg in managed) == allowed(person, "plc.decide_request", plg), (person, plg)

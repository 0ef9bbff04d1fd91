"""The discussion's pages (plc/views/discussion.py): the topic page and its no-JavaScript form.

What a member, a lead, an outsider and a guest see and may post over HTTP; a refused post answers
with the German reason and writes nothing. A post through the form reaches connected members live.
"""

from __future__ import annotations

import re

import pytest

from lernen25.models import Notification
from plc import services
from plc.models import Message, ReadPosition, Topic
from tests.plc.helpers import post
from tests.plc.sockets import next_frame, open_socket, run, session_of, sync

# fresh_realtime: an empty cache and channel layer for each test (tests/plc/conftest.py).
pytestmark = pytest.mark.usefixtures("fresh_realtime")


def snapshot():
    """Everything posting to the discussion may write."""
    return (
        list(Message.objects.order_by("pk").values_list("pk", "body", "body_html", "state", "moderated_by")),
        list(Topic.objects.order_by("pk").values_list("pk", "title", "pinned", "locked", "last_message_at")),
        list(ReadPosition.objects.order_by("pk").values_list("user", "topic", "last_read_id")),
        Notification.objects.count(),
    )


def topic_url(topic) -> str:
    return f"/plg-raum/{topic.plg_id}/themen/{topic.pk}/"


def test_topic_page_shows_messages_in_german_with_the_new_marker(client, topic, lehrkraft_a, plg_leitung):
    client.force_login(lehrkraft_a)
    client.get(topic_url(topic))  # the visit moves the read position to the end
    seen = post(lehrkraft_a, topic, "Meine eigene Antwort")
    new = post(plg_leitung, topic, "Neuigkeit von der Leitung")
    services.edit_message(actor=lehrkraft_a, message=seen, body="Meine _verbesserte_ Antwort")

    page = client.get(topic_url(topic)).content.decode()

    assert page.count("Neu seit Ihrem letzten Besuch") == 1
    assert page.index(f'id="m{seen.pk}"') < page.index('id="neu"') < page.index(f'id="m{new.pk}"')
    assert "<em>verbesserte</em>" in page and "(bearbeitet)" in page
    assert "Senden" in page and "Ihr Beitrag" in page
    assert 'lang="de"' in page

    assert "Neu seit Ihrem letzten Besuch" not in client.get(topic_url(topic)).content.decode()  # now read


@pytest.mark.usefixtures("unlimited")  # 59 posts in a moment: more than the write limit allows
def test_topic_page_pages_back_through_history(client, topic, lehrkraft_a):
    for i in range(2, 61):
        post(lehrkraft_a, topic, f"Beitrag {i}")
    ids = list(topic.messages.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 60
    client.force_login(lehrkraft_a)

    first = client.get(topic_url(topic)).content.decode()
    shown = [int(i) for i in re.findall(r'<li class="l25-message[^"]*" id="m(\d+)"', first)]
    assert shown == ids[-50:]
    assert f'id="earlier" href="?vor={ids[10]}">Frühere Beiträge anzeigen</a>' in first

    earlier = client.get(topic_url(topic), {"vor": ids[10]}).content.decode()
    shown = [int(i) for i in re.findall(r'<li class="l25-message[^"]*" id="m(\d+)"', earlier)]
    assert shown == ids[:10]
    assert 'id="earlier"' not in earlier


def test_topic_page_carries_the_stream_position_and_each_messages_seq(client, topic, lehrkraft_a, plg_leitung):
    """The live client starts its ``sync`` at ``data-last-seq`` and ignores frames of versions it shows."""
    first = topic.messages.get()
    second = post(plg_leitung, topic, "zwei")
    services.edit_message(actor=lehrkraft_a, message=first, body="eins, verbessert")
    client.force_login(lehrkraft_a)

    page = client.get(topic_url(topic)).content.decode()

    assert 'data-last-seq="3"' in page
    shown = re.findall(r'<li class="l25-message[^"]*" id="m(\d+)" data-id="\d+" data-seq="(\d+)"', page)
    assert [(int(pk), int(seq)) for pk, seq in shown] == [(first.pk, 3), (second.pk, 2)]


def test_no_js_form_posts_and_redirects_to_the_message(client, topic, lehrkraft_a):
    client.force_login(lehrkraft_a)
    response = client.post(topic_url(topic), {"body": "Ohne **JavaScript**"})
    message = topic.messages.order_by("pk").last()
    assert message.body == "Ohne **JavaScript**" and message.author == lehrkraft_a
    assert response.status_code == 302
    assert response.url == f"{topic_url(topic)}#m{message.pk}"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("x" * 5001, "Bitte sicherstellen, dass der Wert aus höchstens 5000 Zeichen besteht."),
        ("   ", "Dieses Feld muss ausgefüllt werden."),
    ],
    ids=["too-long", "blank"],
)
def test_no_js_form_shows_german_errors_and_writes_nothing(client, topic, lehrkraft_a, body, error):
    client.force_login(lehrkraft_a)
    before = snapshot()
    response = client.post(topic_url(topic), {"body": body})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert snapshot() == before


def test_no_js_form_on_a_locked_topic_is_refused_for_members(client, topic, lehrkraft_a, plg_leitung):
    services.set_topic_flags(actor=plg_leitung, topic=topic, locked=True)
    client.force_login(lehrkraft_a)
    before = snapshot()
    response = client.post(topic_url(topic), {"body": "Noch schnell"})
    assert response.status_code == 409
    assert "Dieses Thema ist gesperrt; nur die PLG-Leitung und das SMZ können noch schreiben." in (
        response.content.decode()
    )
    assert snapshot() == before

    client.force_login(plg_leitung)
    assert client.post(topic_url(topic), {"body": "Schlusswort"}).status_code == 302


# restore_migrated_data: the database as migrated for the tests after this one (tests/plc/conftest.py).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migrated_data")
def test_no_js_post_appears_live_for_connected_members(client, topic, lehrkraft_a, plg_leitung):
    session = session_of(plg_leitung)
    client.force_login(lehrkraft_a)

    async def scenario():
        from asgiref.sync import sync_to_async

        ws = await open_socket(topic.plg_id, session)
        try:
            await sync(ws, 0)
            response = await sync_to_async(client.post)(topic_url(topic), {"body": "Per Formular, _live_"})
            return response, await next_frame(ws, "message")
        finally:
            await ws.disconnect()

    response, frame = run(scenario)
    message = Message.objects.get(body="Per Formular, _live_")
    assert response.status_code == 302 and response.url.endswith(f"#m{message.pk}")
    assert (frame["id"], frame["author"], frame["topic"]) == (message.pk, lehrkraft_a.pk, topic.pk)
    assert frame["seq"] == message.seq == 2
    assert "Per Formular, <em>live</em>" in frame["html"]


def test_outsider_gets_404_for_a_closed_plgs_topic(client, closed_plg, plg_leitung, lehrkraft_b):
    topic = services.create_topic(actor=plg_leitung, plg=closed_plg, title="Intern", body="Vertraulich")
    client.force_login(lehrkraft_b)
    before = snapshot()
    assert client.get(topic_url(topic)).status_code == 404
    assert client.post(topic_url(topic), {"body": "Hallo?"}).status_code == 404
    assert snapshot() == before


def test_non_member_reads_an_open_plgs_topic_but_cannot_post(client, topic, lehrkraft_b):
    client.force_login(lehrkraft_b)
    page = client.get(topic_url(topic))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Wer macht mit?" in text
    assert 'id="post-form"' not in text and "Treten Sie der PLG bei, um hier zu schreiben." in text
    assert 'data-live="1"' not in text  # reads over HTTP only

    before = snapshot()
    response = client.post(topic_url(topic), {"body": "Darf ich mitreden?"})
    assert response.status_code == 403
    assert "Treten Sie der PLG bei, um hier zu schreiben." in response.content.decode()
    assert snapshot() == before


def test_non_member_of_an_on_request_plg_cannot_read_its_topics(client, request_plg, plg_leitung, lehrkraft_b):
    topic = services.create_topic(actor=plg_leitung, plg=request_plg, title="Nur für Mitglieder", body="Hallo")
    client.force_login(lehrkraft_b)
    response = client.get(topic_url(topic))
    assert response.status_code == 403
    assert "Hallo" not in response.content.decode()


def test_guest_is_sent_to_sign_in(client, topic):
    response = client.get(topic_url(topic))
    assert response.status_code == 302 and "/accounts/login/" in response.url

"""The discussion's writes (plc/services/discussion.py) as members, leads and the SMZ use them.

A refused call is checked with ``assert_refused`` (tests/conftest.py): the exact German message,
the kind, and that nothing was written nor broadcast. Broadcasts are checked to happen once, after
commit, never for a refused call. The discussion's reads are tested in tests/plc/test_selectors.py,
its pages in tests/plc/views/test_discussion.py, its WebSocket in tests/plc/test_consumers.py.
"""

from __future__ import annotations

import asyncio
import re
from unittest import mock

import pytest
from django.db import DatabaseError

from lernen25.models import Notification
from plc import markdown, realtime, selectors, services
from plc.models import Message, MessageState, PlgStatus, ReadPosition, Topic
from tests.plc.helpers import CONFLICT, FORBIDDEN, INVALID, post

# fresh_realtime: an empty cache and channel layer for each test (tests/plc/conftest.py).
pytestmark = pytest.mark.usefixtures("fresh_realtime")

LENA, BERND = "Lena Leitner", "Bernd Becker"


# --- Markdown -------------------------------------------------------------------------------


def test_script_tags_and_raw_html_are_escaped():
    html = markdown.render('<script>alert("x")</script> <b onclick="x()">fett</b>')
    assert not re.search(r"<(script|b)\b", html)
    assert not re.search(r"<[^>]*onclick", html)  # only as escaped text
    assert "&lt;script&gt;" in html


def test_javascript_links_are_not_linked():
    html = markdown.render("[Klick](javascript:alert(1)) und <javascript:alert(2)>")
    assert "<a" not in html and "href" not in html


def test_links_get_noopener_nofollow():
    html = markdown.render("[Material](https://example.org/a) und [Post](mailto:a@example.org)")
    assert '<a href="https://example.org/a" rel="noopener nofollow">Material</a>' in html
    assert '<a href="mailto:a@example.org" rel="noopener nofollow">Post</a>' in html


def test_images_and_headings_are_not_rendered():
    html = markdown.render("# Überschrift\n\nText\n\n![Bild](https://example.org/a.png)\n\nZweite\n===")
    assert not re.search(r"<(img|h\d)\b", html)
    assert "# Überschrift" in html


def test_allowed_subset_is_rendered():
    html = markdown.render("**fett** _kursiv_ ~~weg~~ `code`\n\n- eins\n- zwei\n\n> Zitat")
    for fragment in ("<strong>fett</strong>", "<em>kursiv</em>", "<s>weg</s>", "<code>code</code>", "<li>eins</li>"):
        assert fragment in html
    assert "<blockquote>" in html


def test_stored_html_of_a_posted_message_is_sanitised(topic, lehrkraft_a):
    message = post(lehrkraft_a, topic, "<img src=x onerror=alert(1)> [x](javascript:alert(1))")
    assert "<img" not in message.body_html and "<a" not in message.body_html
    assert message.body == "<img src=x onerror=alert(1)> [x](javascript:alert(1))"  # the source is kept for editing


# --- Mentions -------------------------------------------------------------------------------


def test_mentioning_a_member_notifies_them_without_email(
    topic, lehrkraft_a, plg_leitung, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = post(lehrkraft_a, topic, f"@{LENA} kannst du das Material hochladen?")

    assert list(message.mentions.all()) == [plg_leitung]
    assert f'<span class="l25-mention" data-user="{plg_leitung.pk}">@{LENA}</span>' in message.body_html
    notification = Notification.objects.get(kind="plc.mention")
    assert notification.recipient == plg_leitung and notification.actor == lehrkraft_a
    assert notification.text == "Anna Lehmann hat Sie in „Tablets in Klasse 7“ erwähnt."
    assert notification.url == f"/plg-raum/{topic.plg_id}/themen/{topic.pk}/#m{message.pk}"
    assert mailoutbox == []


def test_non_members_and_the_author_are_not_mentioned(topic, lehrkraft_a, lehrkraft_b, smz):
    message = post(lehrkraft_a, topic, f"@{BERND} und @Sam Schulz und @Anna Lehmann, seht ihr das?")
    assert list(message.mentions.all()) == []
    # Only members' names are highlighted (the author's own too, but she is not notified).
    assert re.findall(r'data-user="(\d+)"', message.body_html) == [str(lehrkraft_a.pk)]
    assert f"@{BERND} und @Sam Schulz" in message.body_html
    assert not Notification.objects.filter(kind="plc.mention").exists()


# --- Posting: who, where, what --------------------------------------------------------------


def test_non_member_cannot_post(topic, lehrkraft_b, assert_refused):
    assert_refused(
        services.post_message,
        "Nur Mitglieder können hier schreiben.",
        FORBIDDEN,
        actor=lehrkraft_b,
        topic=topic,
        body="Darf ich?",
    )


def test_nobody_posts_in_an_archived_plg(open_plg, topic, lehrkraft_a, plg_leitung, smz, assert_refused):
    services.set_status(actor=smz, plg=open_plg, status=PlgStatus.ARCHIVED)
    topic = Topic.objects.select_related("plg").get(pk=topic.pk)
    for person in (lehrkraft_a, plg_leitung, smz):
        assert_refused(
            services.post_message,
            "Nur Mitglieder können hier schreiben.",
            FORBIDDEN,
            actor=person,
            topic=topic,
            body="Noch etwas",
        )


def test_locked_topic_takes_posts_from_leads_and_smz_only(topic, lehrkraft_a, plg_leitung, smz, assert_refused):
    services.set_topic_flags(actor=plg_leitung, topic=topic, locked=True)
    assert_refused(
        services.post_message,
        "Dieses Thema ist gesperrt.",
        CONFLICT,
        actor=lehrkraft_a,
        topic=topic,
        body="Noch eine Frage",
    )

    assert post(plg_leitung, topic, "Abschluss der Leitung").state == MessageState.VISIBLE
    assert post(smz, topic, "Hinweis des SMZ").state == MessageState.VISIBLE


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Bitte schreiben Sie einen Beitrag."),
        ("   \n\t ", "Bitte schreiben Sie einen Beitrag."),
        ("x" * 5001, "Ein Beitrag darf höchstens 5000 Zeichen haben."),
    ],
    ids=["empty", "blank", "5001-chars"],
)
def test_empty_and_too_long_bodies_are_refused(topic, lehrkraft_a, assert_refused, body, message):
    assert_refused(services.post_message, message, INVALID, actor=lehrkraft_a, topic=topic, body=body)


def test_body_of_exactly_5000_chars_is_accepted(topic, lehrkraft_a):
    assert len(post(lehrkraft_a, topic, "ä" * 5000).body) == 5000


def test_reply_must_be_in_the_same_topic(open_plg, topic, lehrkraft_a, assert_refused):
    other = services.create_topic(actor=lehrkraft_a, plg=open_plg, title="Anderes", body="Hallo")
    assert_refused(
        services.post_message,
        "Sie können nur auf einen Beitrag desselben Themas antworten.",
        INVALID,
        actor=lehrkraft_a,
        topic=topic,
        body="Antwort",
        reply_to=other.messages.get(),
    )


def test_posting_moves_the_authors_read_position_and_the_topics_time(topic, lehrkraft_a):
    message = post(lehrkraft_a, topic, "Neu")
    topic.refresh_from_db()
    assert topic.last_message_at == message.created_at
    assert ReadPosition.objects.get(user=lehrkraft_a, topic=topic).last_read_id == message.pk


# --- Edit, delete, hide ---------------------------------------------------------------------


def test_author_edits_own_message(topic, lehrkraft_a):
    message = post(lehrkraft_a, topic, "Erste Fassung")
    services.edit_message(actor=lehrkraft_a, message=message, body="Zweite **Fassung**")
    message.refresh_from_db()
    assert (message.body, message.state) == ("Zweite **Fassung**", MessageState.EDITED)
    assert "<strong>Fassung</strong>" in message.body_html


def test_nobody_edits_someone_elses_message(topic, lehrkraft_a, plg_leitung, smz, assert_refused):
    message = post(lehrkraft_a, topic, "Meins")
    for person in (plg_leitung, smz):
        assert_refused(
            services.edit_message,
            "Sie können nur Ihre eigenen Beiträge bearbeiten.",
            FORBIDDEN,
            actor=person,
            message=message,
            body="Geändert",
        )


def test_hidden_or_deleted_messages_cannot_be_edited(topic, lehrkraft_a, plg_leitung, assert_refused):
    hidden = post(lehrkraft_a, topic, "Wird ausgeblendet")
    services.set_hidden(actor=plg_leitung, message=hidden, hidden=True)
    deleted = post(lehrkraft_a, topic, "Wird gelöscht")
    services.delete_message(actor=lehrkraft_a, message=deleted)
    for message in (hidden, deleted):
        assert_refused(
            services.edit_message,
            "Dieser Beitrag kann nicht mehr bearbeitet werden.",
            CONFLICT,
            actor=lehrkraft_a,
            message=message,
            body="Neu",
        )


def test_author_deletes_own_message_and_its_text_is_gone(topic, lehrkraft_a):
    message = post(lehrkraft_a, topic, "Versehentlich gepostet")
    services.delete_message(actor=lehrkraft_a, message=message)
    message.refresh_from_db()
    assert (message.body, message.body_html, message.state) == ("", "", MessageState.DELETED)
    assert message.moderated_by is None


@pytest.mark.parametrize("moderator", ["plg_leitung", "smz"])
def test_leads_and_smz_delete_a_members_message(request, topic, lehrkraft_a, moderator):
    person = request.getfixturevalue(moderator)
    message = post(lehrkraft_a, topic, "Unpassend")
    services.delete_message(actor=person, message=message)
    message.refresh_from_db()
    assert (message.body, message.state, message.moderated_by) == ("", MessageState.DELETED, person)


def test_member_cannot_delete_the_leads_message_nor_delete_twice(topic, lehrkraft_a, plg_leitung, assert_refused):
    leads = post(plg_leitung, topic, "Von der Leitung")
    mine = post(lehrkraft_a, topic, "Von mir")
    services.delete_message(actor=lehrkraft_a, message=mine)
    assert_refused(
        services.delete_message,
        "Sie können nur Ihre eigenen Beiträge löschen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        message=leads,
    )
    assert_refused(
        services.delete_message, "Dieser Beitrag ist bereits gelöscht.", CONFLICT, actor=lehrkraft_a, message=mine
    )


@pytest.mark.parametrize("moderator", ["plg_leitung", "smz"])
def test_leads_and_smz_hide_and_unhide(request, topic, lehrkraft_a, moderator):
    person = request.getfixturevalue(moderator)
    message = post(lehrkraft_a, topic, "Grenzwertig")
    services.set_hidden(actor=person, message=message, hidden=True)
    message.refresh_from_db()
    assert (message.state, message.moderated_by, message.body) == (MessageState.HIDDEN, person, "Grenzwertig")
    services.set_hidden(actor=person, message=message, hidden=False)
    message.refresh_from_db()
    assert message.state == MessageState.VISIBLE


def test_members_cannot_hide_and_nothing_to_change_is_refused(topic, lehrkraft_a, plg_leitung, assert_refused):
    message = post(plg_leitung, topic, "Sichtbar")
    assert_refused(
        services.set_hidden,
        "Nur die PLG-Leitung und das SMZ können Beiträge ausblenden.",
        FORBIDDEN,
        actor=lehrkraft_a,
        message=message,
        hidden=True,
    )
    assert_refused(
        services.set_hidden, "Es gibt nichts zu ändern.", CONFLICT, actor=plg_leitung, message=message, hidden=False
    )


def test_only_leads_and_smz_pin_and_lock(topic, lehrkraft_a, plg_leitung, assert_refused):
    assert_refused(
        services.set_topic_flags,
        "Nur die PLG-Leitung und das SMZ können Themen anheften oder sperren.",
        FORBIDDEN,
        actor=lehrkraft_a,
        topic=topic,
        locked=True,
    )
    services.set_topic_flags(actor=plg_leitung, topic=topic, pinned=True)
    topic.refresh_from_db()
    assert (topic.pinned, topic.locked) == (True, False)


# --- Broadcast after commit -----------------------------------------------------------------


def test_post_is_broadcast_once_and_only_after_commit(topic, lehrkraft_a, django_capture_on_commit_callbacks):
    with mock.patch("plc.realtime.publish_messages") as publish:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            message = post(lehrkraft_a, topic, "Live", client_id="c-7")
            assert publish.call_count == 0  # still inside the transaction
        assert len(callbacks) == 1
        publish.assert_called_once_with([(message, "c-7")])


@pytest.mark.parametrize(
    "change",
    [
        lambda m, author, lead: services.edit_message(actor=author, message=m, body="anders"),
        lambda m, author, lead: services.delete_message(actor=author, message=m),
        lambda m, author, lead: services.set_hidden(actor=lead, message=m, hidden=True),
    ],
    ids=["edit", "delete", "hide"],
)
def test_changes_are_broadcast_once_after_commit(
    topic, lehrkraft_a, plg_leitung, django_capture_on_commit_callbacks, change
):
    message = post(lehrkraft_a, topic, "Original")
    with mock.patch("plc.realtime.publish_message") as publish:
        with django_capture_on_commit_callbacks(execute=True):
            change(message, lehrkraft_a, plg_leitung)
            assert publish.call_count == 0
        publish.assert_called_once_with(message)


def test_a_post_stays_posted_when_the_hubs_event_loop_closed_meanwhile(
    monkeypatch, topic, lehrkraft_a, plg_leitung, django_capture_on_commit_callbacks
):
    """Publishing runs in on_commit: it must never raise into the writer, also during a shutdown."""
    closed = asyncio.new_event_loop()
    closed.close()
    hub = realtime.Hub()
    monkeypatch.setattr(realtime, "_running_hub", lambda: (hub, closed))
    with (
        mock.patch.object(hub, "publish") as to_hub,
        mock.patch("plc.realtime.async_to_sync") as to_layer,
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = post(lehrkraft_a, topic, "Kurz vor dem Neustart")
    to_hub.assert_not_called()
    to_layer.assert_called_once()  # the other processes still get it through the layer
    assert Message.objects.get(pk=message.pk).body == "Kurz vor dem Neustart"


def test_refused_calls_broadcast_nothing(topic, lehrkraft_a, lehrkraft_b, assert_refused):
    message = post(lehrkraft_a, topic, "Original")
    with mock.patch("plc.realtime.publish_message") as publish:
        # assert_refused also checks that nothing was queued to run after the commit.
        for call, refusal, kind, kwargs in [
            (
                services.post_message,
                "Nur Mitglieder können hier schreiben.",
                FORBIDDEN,
                {"actor": lehrkraft_b, "topic": topic, "body": "Fremd"},
            ),
            (
                services.post_message,
                "Bitte schreiben Sie einen Beitrag.",
                INVALID,
                {"actor": lehrkraft_a, "topic": topic, "body": " "},
            ),
            (
                services.edit_message,
                "Sie können nur Ihre eigenen Beiträge bearbeiten.",
                FORBIDDEN,
                {"actor": lehrkraft_b, "message": message, "body": "Fremd"},
            ),
            (
                services.set_hidden,
                "Nur die PLG-Leitung und das SMZ können Beiträge ausblenden.",
                FORBIDDEN,
                {"actor": lehrkraft_a, "message": message, "hidden": True},
            ),
        ]:
            assert_refused(call, refusal, kind, **kwargs)
        publish.assert_not_called()


# --- Read positions ------------------------------------------------------------------------


def test_mark_read_never_goes_back(topic, lehrkraft_a, plg_leitung):
    first = post(plg_leitung, topic, "eins")
    second = post(plg_leitung, topic, "zwei")
    assert services.mark_read(actor=lehrkraft_a, topic=topic, message_id=second.pk) == second.pk
    assert services.mark_read(actor=lehrkraft_a, topic=topic, message_id=first.pk) == second.pk
    assert ReadPosition.objects.get(user=lehrkraft_a, topic=topic).last_read_id == second.pk


def test_mark_read_beyond_the_topic_stops_at_its_newest_message(open_plg, topic, lehrkraft_a, plg_leitung):
    newest = post(plg_leitung, topic, "neu")
    elsewhere = services.create_topic(actor=plg_leitung, plg=open_plg, title="Anderes", body="später")
    later_id = elsewhere.messages.get().pk
    assert services.mark_read(actor=lehrkraft_a, topic=topic, message_id=later_id) == newest.pk


# --- Posts written together (the socket's batches) ------------------------------------------


def test_posts_written_together_get_each_its_answer_and_consecutive_positions(
    open_plg, topic, lehrkraft_a, lehrkraft_b, plg_leitung, django_capture_on_commit_callbacks
):
    before = selectors.stream_position(open_plg.pk)
    with (
        mock.patch("plc.realtime.publish_messages") as publish,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        results = services.post_messages(
            [
                (lehrkraft_a, topic, "Erste", None, "a"),
                (lehrkraft_b, topic, "Von außen", None, "b"),  # not a member
                (plg_leitung, topic, "   ", None, "c"),  # empty
                (plg_leitung, topic, "Zweite", None, "d"),
            ]
        )
    first, outsider, empty, second = results
    assert (first.body, second.body) == ("Erste", "Zweite")
    assert (first.seq, second.seq) == (before + 1, before + 2)
    assert str(outsider.message) == "Nur Mitglieder können hier schreiben." and outsider.kind == FORBIDDEN
    assert str(empty.message) == "Bitte schreiben Sie einen Beitrag." and empty.kind == INVALID
    # after the one commit, one hand-over of both (each socket gets them as one frame)
    assert len(callbacks) == 1
    publish.assert_called_once_with([(first, "a"), (second, "d")])


def test_a_post_whose_write_fails_does_not_take_the_others_of_its_batch(monkeypatch, topic, lehrkraft_a, plg_leitung):
    from plc.services import discussion

    write = discussion._write_messages

    def failing(posts):
        if any(body == "kaputt" for _, _, body, _, _ in posts):
            raise DatabaseError("simulated")
        return write(posts)

    monkeypatch.setattr(discussion, "_write_messages", failing)
    before = Message.objects.count()
    posts = [(lehrkraft_a, topic, "gut", None, ""), (plg_leitung, topic, "kaputt", None, "")]
    posts.append((plg_leitung, topic, "auch", None, ""))
    good, bad, other = services.post_messages(posts)
    assert isinstance(bad, DatabaseError)
    assert Message.objects.count() == before + 2
    assert [good.body, other.body] == ["gut", "auch"] and other.seq == good.seq + 1  # no gap

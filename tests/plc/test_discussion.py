"""The discussion's services (plc/discussion.py) and its HTTP pages, as members, leads and outsiders use them.

A refused call asserts the exact German message and that nothing was written; broadcasts are
checked to happen once, after commit, never for a refused call.
"""

from __future__ import annotations

import asyncio
import re
from unittest import mock

import pytest
from django.utils import timezone

from lernen25.errors import RefusalKind, Refused
from lernen25.models import Notification
from plc import markdown, realtime, selectors, services
from plc.models import Message, MessageState, PlgStatus, ReadPosition, Topic
from tests.plc.test_consumers import (  # the WebSocket helpers, for the no-JS form seen live
    fresh_realtime,  # noqa: F401 (autouse: empty cache and channel layer)
    next_frame,
    open_socket,
    restore_migrated_data,  # noqa: F401 (autouse: the database as migrated, after the transactional test)
    run,
    session_of,
    sync,
)

LENA, BERND = "Lena Leitner", "Bernd Becker"


@pytest.fixture
def topic(open_plg, lehrkraft_a):
    return services.create_topic(actor=lehrkraft_a, plg=open_plg, title="Tablets in Klasse 7", body="Wer macht mit?")


def post(actor, topic, body, **kwargs):
    return services.post_message(actor=actor, topic=topic, body=body, **kwargs)


def refused(call, **kwargs) -> Refused:
    with pytest.raises(Refused) as info:
        call(**kwargs)
    return info.value


def snapshot():
    """Everything a discussion call may write."""
    return (
        list(Message.objects.order_by("pk").values_list("pk", "body", "body_html", "state", "moderated_by")),
        list(Topic.objects.order_by("pk").values_list("pk", "title", "pinned", "locked", "last_message_at")),
        list(ReadPosition.objects.order_by("pk").values_list("user", "topic", "last_read_id")),
        Notification.objects.count(),
    )


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
    notification = Notification.objects.get(verb="plc.mention")
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
    assert not Notification.objects.filter(verb="plc.mention").exists()


# --- Posting: who, where, what --------------------------------------------------------------


def test_non_member_cannot_post(topic, lehrkraft_b):
    before = snapshot()
    refusal = refused(post, actor=lehrkraft_b, topic=topic, body="Darf ich?")
    assert (refusal.message, refusal.kind) == ("Nur Mitglieder können hier schreiben.", RefusalKind.FORBIDDEN)
    assert snapshot() == before


def test_nobody_posts_in_an_archived_plg(open_plg, topic, lehrkraft_a, plg_leitung, smz):
    services.set_status(actor=smz, plg=open_plg, status=PlgStatus.ARCHIVED)
    topic = Topic.objects.select_related("plg").get(pk=topic.pk)
    before = snapshot()
    for person in (lehrkraft_a, plg_leitung, smz):
        refusal = refused(post, actor=person, topic=topic, body="Noch etwas")
        assert (refusal.message, refusal.kind) == ("Nur Mitglieder können hier schreiben.", RefusalKind.FORBIDDEN)
    assert snapshot() == before


def test_locked_topic_takes_posts_from_leads_and_smz_only(topic, lehrkraft_a, plg_leitung, smz):
    services.set_topic_flags(actor=plg_leitung, topic=topic, locked=True)
    before = snapshot()
    refusal = refused(post, actor=lehrkraft_a, topic=topic, body="Noch eine Frage")
    assert (refusal.message, refusal.kind) == ("Dieses Thema ist gesperrt.", RefusalKind.CONFLICT)
    assert snapshot() == before

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
def test_empty_and_too_long_bodies_are_refused(topic, lehrkraft_a, body, message):
    before = snapshot()
    refusal = refused(post, actor=lehrkraft_a, topic=topic, body=body)
    assert (refusal.message, refusal.kind) == (message, RefusalKind.INVALID)
    assert snapshot() == before


def test_body_of_exactly_5000_chars_is_accepted(topic, lehrkraft_a):
    assert len(post(lehrkraft_a, topic, "ä" * 5000).body) == 5000


def test_reply_must_be_in_the_same_topic(open_plg, topic, lehrkraft_a):
    other = services.create_topic(actor=lehrkraft_a, plg=open_plg, title="Anderes", body="Hallo")
    before = snapshot()
    refusal = refused(post, actor=lehrkraft_a, topic=topic, body="Antwort", reply_to=other.messages.get())
    assert refusal.message == "Sie können nur auf einen Beitrag desselben Themas antworten."
    assert snapshot() == before


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


def test_nobody_edits_someone_elses_message(topic, lehrkraft_a, plg_leitung, smz):
    message = post(lehrkraft_a, topic, "Meins")
    before = snapshot()
    for person in (plg_leitung, smz):
        refusal = refused(services.edit_message, actor=person, message=message, body="Geändert")
        assert (refusal.message, refusal.kind) == ("Sie können nur Ihre eigenen Beiträge bearbeiten.", "forbidden")
    assert snapshot() == before


def test_hidden_or_deleted_messages_cannot_be_edited(topic, lehrkraft_a, plg_leitung):
    hidden = post(lehrkraft_a, topic, "Wird ausgeblendet")
    services.set_hidden(actor=plg_leitung, message=hidden, hidden=True)
    deleted = post(lehrkraft_a, topic, "Wird gelöscht")
    services.delete_message(actor=lehrkraft_a, message=deleted)
    before = snapshot()
    for message in (hidden, deleted):
        refusal = refused(services.edit_message, actor=lehrkraft_a, message=message, body="Neu")
        assert (refusal.message, refusal.kind) == ("Dieser Beitrag kann nicht mehr bearbeitet werden.", "conflict")
    assert snapshot() == before


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


def test_member_cannot_delete_the_leads_message_nor_delete_twice(topic, lehrkraft_a, plg_leitung):
    leads = post(plg_leitung, topic, "Von der Leitung")
    mine = post(lehrkraft_a, topic, "Von mir")
    services.delete_message(actor=lehrkraft_a, message=mine)
    before = snapshot()
    refusal = refused(services.delete_message, actor=lehrkraft_a, message=leads)
    assert (refusal.message, refusal.kind) == ("Sie können nur Ihre eigenen Beiträge löschen.", "forbidden")
    refusal = refused(services.delete_message, actor=lehrkraft_a, message=mine)
    assert (refusal.message, refusal.kind) == ("Dieser Beitrag ist bereits gelöscht.", "conflict")
    assert snapshot() == before


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


def test_members_cannot_hide_and_nothing_to_change_is_refused(topic, lehrkraft_a, plg_leitung):
    message = post(plg_leitung, topic, "Sichtbar")
    before = snapshot()
    refusal = refused(services.set_hidden, actor=lehrkraft_a, message=message, hidden=True)
    assert (refusal.message, refusal.kind) == (
        "Nur die PLG-Leitung und das SMZ können Beiträge ausblenden.",
        "forbidden",
    )
    refusal = refused(services.set_hidden, actor=plg_leitung, message=message, hidden=False)
    assert (refusal.message, refusal.kind) == ("Es gibt nichts zu ändern.", "conflict")
    assert snapshot() == before


def test_only_leads_and_smz_pin_and_lock(topic, lehrkraft_a, plg_leitung):
    before = snapshot()
    refusal = refused(services.set_topic_flags, actor=lehrkraft_a, topic=topic, locked=True)
    assert refusal.message == "Nur die PLG-Leitung und das SMZ können Themen anheften oder sperren."
    assert snapshot() == before
    services.set_topic_flags(actor=plg_leitung, topic=topic, pinned=True)
    topic.refresh_from_db()
    assert (topic.pinned, topic.locked) == (True, False)


# --- Broadcast after commit -----------------------------------------------------------------


def test_post_is_broadcast_once_and_only_after_commit(topic, lehrkraft_a, django_capture_on_commit_callbacks):
    with mock.patch("plc.realtime.publish_message") as publish:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            message = post(lehrkraft_a, topic, "Live", client_id="c-7")
            assert publish.call_count == 0  # still inside the transaction
        assert len(callbacks) == 1
        publish.assert_called_once_with(message, client_id="c-7")


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


def test_refused_calls_broadcast_nothing(topic, lehrkraft_a, lehrkraft_b, django_capture_on_commit_callbacks):
    message = post(lehrkraft_a, topic, "Original")
    with mock.patch("plc.realtime.publish_message") as publish:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            for call, kwargs in [
                (post, {"actor": lehrkraft_b, "topic": topic, "body": "Fremd"}),
                (post, {"actor": lehrkraft_a, "topic": topic, "body": " "}),
                (services.edit_message, {"actor": lehrkraft_b, "message": message, "body": "Fremd"}),
                (services.set_hidden, {"actor": lehrkraft_a, "message": message, "hidden": True}),
            ]:
                refused(call, **kwargs)
        assert callbacks == []
        publish.assert_not_called()


# --- Unread counts and read positions ------------------------------------------------------


def _unread(user, plg):
    return {t.pk: (t.message_count, t.unread) for t in selectors.topics_with_unread(user, plg)}


def test_unread_counts_leave_out_own_messages_and_follow_the_read_position(
    open_plg, topic, lehrkraft_a, plg_leitung, django_assert_max_num_queries
):
    second = services.create_topic(actor=plg_leitung, plg=open_plg, title="Zweites", body="Hallo")
    assert _unread(lehrkraft_a, open_plg) == {topic.pk: (1, 0), second.pk: (1, 1)}
    assert _unread(plg_leitung, open_plg) == {topic.pk: (1, 1), second.pk: (1, 0)}

    first_new = post(plg_leitung, topic, "eins")
    last_new = post(plg_leitung, topic, "zwei")
    assert _unread(lehrkraft_a, open_plg)[topic.pk] == (3, 2)

    services.mark_read(actor=lehrkraft_a, topic=topic, message_id=first_new.pk)
    assert _unread(lehrkraft_a, open_plg)[topic.pk] == (3, 1)
    services.mark_read(actor=lehrkraft_a, topic=topic, message_id=last_new.pk)
    assert _unread(lehrkraft_a, open_plg)[topic.pk] == (3, 0)

    with django_assert_max_num_queries(1):
        list(selectors.topics_with_unread(lehrkraft_a, open_plg))


def test_deleted_messages_are_neither_counted_nor_unread(topic, lehrkraft_a, plg_leitung):
    message = post(plg_leitung, topic, "gleich weg")
    assert _unread(lehrkraft_a, topic.plg)[topic.pk] == (2, 1)
    services.delete_message(actor=plg_leitung, message=message)
    assert _unread(lehrkraft_a, topic.plg)[topic.pk] == (1, 0)


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


# --- Catch-up -------------------------------------------------------------------------------


def test_catch_up_returns_new_messages_in_id_order_after_last_id(open_plg, topic, lehrkraft_a, plg_leitung):
    other = services.create_topic(actor=plg_leitung, plg=open_plg, title="Anderes", body="b1")
    mine = [post(lehrkraft_a, topic, "a2"), post(plg_leitung, other, "b2"), post(lehrkraft_a, topic, "a3")]
    first_id = topic.messages.order_by("pk").first().pk

    messages, complete = selectors.catch_up(open_plg.pk, last_id=other.messages.order_by("pk").first().pk, since=None)
    assert [m.pk for m in messages] == [m.pk for m in mine]
    assert complete is True
    everything, _ = selectors.catch_up(open_plg.pk, last_id=0, since=None)
    assert everything[0].pk == first_id and len(everything) == 5


def test_catch_up_adds_messages_changed_since_a_time(open_plg, topic, lehrkraft_a, plg_leitung):
    old = topic.messages.get()
    untouched = post(lehrkraft_a, topic, "bleibt")
    since = timezone.now()
    services.edit_message(actor=lehrkraft_a, message=old, body="geändert")
    new = post(plg_leitung, topic, "neu")

    messages, complete = selectors.catch_up(open_plg.pk, last_id=untouched.pk, since=since)
    assert [(m.pk, m.state) for m in messages] == [(old.pk, MessageState.EDITED), (new.pk, MessageState.VISIBLE)]
    assert complete is True


def test_catch_up_is_capped_and_says_it_is_incomplete(open_plg, topic, lehrkraft_a):
    Message.objects.bulk_create(
        Message(plg=open_plg, topic=topic, author=lehrkraft_a, body=f"m{i}", body_html=f"<p>m{i}</p>")
        for i in range(selectors.CATCH_UP_LIMIT + 1)
    )
    start = topic.messages.order_by("pk").first().pk
    messages, complete = selectors.catch_up(open_plg.pk, last_id=start, since=None)
    assert complete is False
    assert len(messages) == selectors.CATCH_UP_LIMIT
    assert [m.pk for m in messages] == sorted(m.pk for m in messages)
    assert messages[0].body == "m0"


def test_catch_up_stays_inside_the_plg(open_plg, closed_plg, topic, plg_leitung):
    services.create_topic(actor=plg_leitung, plg=closed_plg, title="Geheim", body="nur intern")
    messages, _ = selectors.catch_up(open_plg.pk, last_id=0, since=None)
    assert {m.plg_id for m in messages} == {open_plg.pk}


# --- The topic page -------------------------------------------------------------------------


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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
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

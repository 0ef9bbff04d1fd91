"""PLG selectors (plc/selectors.py): the change log, the directory, the PLG page's bounded queries, and
the discussion's reads (unread counts, catch-up). Who sees which PLG and result (the visibility
querysets of plc/permissions.py) is tested in test_permissions.py and test_visibility_agrees.py.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.documents import get_document_model

from plc import selectors, services
from plc.models import (
    DiscussionSequence,
    Invitation,
    JoinRequest,
    Meeting,
    Membership,
    Message,
    MessageState,
    PlgFile,
    PlgLink,
    Result,
    Visibility,
)
from tests.factories import UserFactory
from tests.plc.helpers import MEETING_START, make_plg, post

Document = get_document_model()


# --- The change log ----------------------------------------------------------------------------------


def test_leads_change_log_lists_the_plgs_events_newest_first(open_plg, request_plg, lehrkraft_b):
    services.join_plg(actor=lehrkraft_b, plg=open_plg)
    services.request_membership(actor=lehrkraft_b, plg=request_plg)
    services.leave_plg(actor=lehrkraft_b, plg=open_plg)

    log = list(selectors.change_log_for(open_plg))

    assert [event.action for event in log[:2]] == ["plc.membership.left", "plc.membership.joined"]
    assert all(event.data["plg"] == open_plg.pk for event in log)


# --- The directory and the PLG page -------------------------------------------------------------------


def test_directory_lists_own_plgs_first(open_plg, request_plg, closed_plg, plg_leitung, smz, lehrkraft_a):
    # "Astronomie" sorts before all three, but lehrkraft_a is not a member of it.
    astronomy = make_plg(title="Astronomie mit Apps", visibility=Visibility.OPEN, lead=plg_leitung)
    services.set_featured(actor=smz, plg=request_plg, featured=True)

    directory = list(selectors.directory_for(lehrkraft_a))

    assert directory == [request_plg, closed_plg, open_plg, astronomy]  # own (featured first, then title), others
    assert [plg.is_mine for plg in directory] == [True, True, True, False]
    assert [plg.member_count for plg in directory] == [2, 2, 2, 1]


def _fill(plg, lead, size: int) -> None:
    """Give the PLG `size` members, files, links, upcoming meetings, results, requests and invitations."""
    for n in range(size):
        member = UserFactory()
        Membership.objects.create(plg=plg, user=member)
        document = Document.objects.create(
            title=f"Material {n}", file=ContentFile(b"%PDF-1.4", name=f"m{n}.pdf"), collection=plg.collection
        )
        plg_file = PlgFile.objects.create(plg=plg, document=document, added_by=member)
        PlgLink.objects.create(plg=plg, title=f"Link {n}", url=f"https://example.org/{n}", added_by=member)
        start = MEETING_START + timedelta(days=n)
        Meeting.objects.create(
            plg=plg, title=f"Treffen {n}", starts_at=start, ends_at=start + timedelta(hours=1), location="Raum 1"
        )
        result = Result.objects.create(plg=plg, title=f"Ergebnis {n}", tried="a", worked="b", published_by=lead)
        result.materials.add(plg_file)
        JoinRequest.objects.create(plg=plg, user=UserFactory())
        invitee = UserFactory()
        Invitation.objects.create(plg=plg, email=invitee.email, invitee=invitee, invited_by=lead)


def _read_like_the_page(detail) -> list:
    """Touch what the PLG page shows, so that lazy loads would count as queries."""
    return [
        [m.user.display_name for m in detail.members],
        [m.user.display_name for m in detail.leads],
        [(f.document.title, f.document.url, f.added_by.display_name) for f in detail.files],
        [(link.title, link.added_by.display_name) for link in detail.links],
        [meeting.title for meeting in detail.meetings],
        [(r.published_by.display_name, [m.document.title for m in r.materials.all()]) for r in detail.results],
        [jr.user.display_name for jr in detail.pending_requests],
        [inv.invitee.display_name for inv in detail.pending_invitations],
        detail.own_request,
        detail.own_invitation,
    ]


def test_plg_page_query_count_does_not_grow_with_the_plg(plg_leitung, django_assert_num_queries):
    small = make_plg(title="Kleine PLG", visibility=Visibility.OPEN, lead=plg_leitung)
    large = make_plg(title="Große PLG", visibility=Visibility.OPEN, lead=plg_leitung)
    _fill(small, plg_leitung, 3)
    _fill(large, plg_leitung, 30)

    with CaptureQueriesContext(connection) as small_queries:
        small_detail = selectors.plg_detail_for(plg_leitung, small, can_view_content=True, can_manage=True)
        _read_like_the_page(small_detail)
    with django_assert_num_queries(len(small_queries)):
        large_detail = selectors.plg_detail_for(plg_leitung, large, can_view_content=True, can_manage=True)
        _read_like_the_page(large_detail)

    assert (len(small_detail.members), len(large_detail.members)) == (4, 31)
    assert [len(getattr(large_detail, name)) for name in ("files", "links", "meetings", "results")] == [30] * 4
    assert (len(large_detail.pending_requests), len(large_detail.pending_invitations)) == (30, 30)


# --- The discussion: unread counts -----------------------------------------------------------------


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


# --- Catch-up -------------------------------------------------------------------------------


def _stream(catch_up) -> list[tuple[int, int]]:
    return [(m.pk, m.seq) for m in catch_up.messages]


def test_every_change_takes_the_plgs_next_stream_position(open_plg, closed_plg, topic, lehrkraft_a, plg_leitung):
    first = topic.messages.get()
    assert (first.seq, selectors.stream_position(open_plg.pk)) == (1, 1)
    assert selectors.stream_position(closed_plg.pk) == 0  # nothing written there yet

    second = post(plg_leitung, topic, "zwei")
    services.edit_message(actor=lehrkraft_a, message=first, body="eins, geändert")
    elsewhere = services.create_topic(actor=plg_leitung, plg=closed_plg, title="Intern", body="x").messages.get()
    services.set_hidden(actor=plg_leitung, message=second, hidden=True)
    services.set_hidden(actor=plg_leitung, message=second, hidden=False)
    services.delete_message(actor=lehrkraft_a, message=first)

    # Per PLG, without gaps; a message keeps the position of its latest change.
    assert list(Message.objects.filter(plg=open_plg).order_by("seq").values_list("pk", "seq")) == [
        (second.pk, 5),
        (first.pk, 6),
    ]
    assert elsewhere.seq == 1
    assert (selectors.stream_position(open_plg.pk), selectors.stream_position(closed_plg.pk)) == (6, 1)


def test_catch_up_returns_the_messages_above_last_seq_in_stream_order(open_plg, topic, lehrkraft_a, plg_leitung):
    other = services.create_topic(actor=plg_leitung, plg=open_plg, title="Anderes", body="b1")
    mine = [post(lehrkraft_a, topic, "a2"), post(plg_leitung, other, "b2"), post(lehrkraft_a, topic, "a3")]
    first = topic.messages.order_by("pk").first()

    result = selectors.catch_up(open_plg.pk, last_seq=other.messages.order_by("pk").first().seq)
    assert _stream(result) == [(m.pk, m.seq) for m in mine] == [(mine[0].pk, 3), (mine[1].pk, 4), (mine[2].pk, 5)]
    assert (result.last_seq, result.complete) == (5, True)

    everything = selectors.catch_up(open_plg.pk, last_seq=0)
    assert _stream(everything)[0] == (first.pk, 1) and len(everything.messages) == 5
    assert (everything.last_seq, everything.complete) == (5, True)


def test_catch_up_sends_a_changed_message_once_in_its_latest_version(open_plg, topic, lehrkraft_a, plg_leitung):
    old = topic.messages.get()
    untouched = post(lehrkraft_a, topic, "bleibt")
    held = selectors.stream_position(open_plg.pk)  # the client has everything so far
    services.edit_message(actor=lehrkraft_a, message=old, body="geändert")
    new = post(plg_leitung, topic, "neu")
    services.edit_message(actor=lehrkraft_a, message=old, body="noch einmal geändert")

    result = selectors.catch_up(open_plg.pk, last_seq=held)
    assert [(m.pk, m.seq, m.state, m.body) for m in result.messages] == [
        (new.pk, 4, MessageState.VISIBLE, "neu"),
        (old.pk, 5, MessageState.EDITED, "noch einmal geändert"),
    ]
    assert untouched.pk not in [m.pk for m in result.messages]
    assert (result.last_seq, result.complete) == (5, True)


def test_catch_up_leaves_out_the_positions_the_client_has(open_plg, topic, plg_leitung):
    posts = [post(plg_leitung, topic, f"Beitrag {seq}") for seq in range(2, 7)]

    result = selectors.catch_up(open_plg.pk, last_seq=2, have=frozenset({3, 5, 99}))
    assert _stream(result) == [(posts[2].pk, 4), (posts[4].pk, 6)]
    assert (result.last_seq, result.complete) == (6, True)


def test_catch_up_at_the_current_position_has_nothing_and_is_complete(open_plg, topic):
    assert selectors.catch_up(open_plg.pk, last_seq=1) == selectors.CatchUp([], 1, True)
    # ``synced`` always names the server's current position, also to a client that claims to be ahead.
    assert selectors.catch_up(open_plg.pk, last_seq=50) == selectors.CatchUp([], 1, True)


def _bulk_messages(plg, topic, author, count: int) -> None:
    """``count`` messages after the PLG's current position, with the counter moved on as the services do."""
    start = selectors.stream_position(plg.pk)
    Message.objects.bulk_create(
        Message(plg=plg, topic=topic, author=author, body=f"m{i}", body_html=f"<p>m{i}</p>", seq=start + 1 + i)
        for i in range(count)
    )
    DiscussionSequence.objects.filter(pk=plg.pk).update(last_seq=start + count)


def test_catch_up_of_more_than_the_limit_sends_nothing_and_says_it_is_incomplete(open_plg, topic, lehrkraft_a):
    _bulk_messages(open_plg, topic, lehrkraft_a, selectors.CATCH_UP_LIMIT + 1)  # positions 2 … 502
    last = 1 + selectors.CATCH_UP_LIMIT + 1

    too_many = selectors.catch_up(open_plg.pk, last_seq=1)
    assert too_many == selectors.CatchUp([], 1, False)  # the client still holds only what it held

    just_enough = selectors.catch_up(open_plg.pk, last_seq=2)
    assert just_enough.complete is True and just_enough.last_seq == last
    assert [m.seq for m in just_enough.messages] == list(range(3, last + 1))
    assert just_enough.messages[0].body == "m1"


def test_catch_up_stays_inside_the_plg(open_plg, closed_plg, topic, plg_leitung):
    services.create_topic(actor=plg_leitung, plg=closed_plg, title="Geheim", body="nur intern")
    result = selectors.catch_up(open_plg.pk, last_seq=0)
    assert {m.plg_id for m in result.messages} == {open_plg.pk}
    assert [m.body for m in result.messages] == ["Wer macht mit?"]
    assert result.last_seq == 1

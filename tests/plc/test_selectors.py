"""PLG selectors (plc/selectors.py): the change log, the directory, the PLG page's bounded queries, and
the discussion's reads (unread counts, catch-up). Who sees which PLG and result (the visibility
querysets of plc/permissions.py) is tested in test_permissions.py and test_visibility_agrees.py.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.documents import get_document_model

from plc import selectors, services
from plc.models import (
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

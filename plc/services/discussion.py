"""Writes of a PLG's discussion: one function per user action (reads: ``plc.selectors``).

Messages are stored first; the broadcast (``plc.realtime.publish_*``) runs from
``transaction.on_commit``, so no client ever sees a message that a reload would not show.
Services raise ``Refused`` with a German message and write nothing when they will not act. The
consumer and the HTTP views call the same functions.
"""

from __future__ import annotations

import collections
import functools

from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from lernen25 import audit
from lernen25.errors import RefusalKind, Refused
from lernen25.limits import consume, consume_many
from lernen25.notifications import notify
from lernen25.permissions import refuse_unless, require
from plc import markdown, realtime, selectors
from plc.models import DiscussionSequence, Message, MessageState, PlgPage, ReadPosition, Topic

MAX_BODY = 5000


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise Refused(_("Please write a message."), RefusalKind.INVALID)
    _refuse_null_characters(body)
    if len(body) > MAX_BODY:
        raise Refused(_("A message may have at most %(max)d characters.") % {"max": MAX_BODY}, RefusalKind.INVALID)
    return body


def next_seq(plg_id: int, count: int = 1) -> int:
    """The PLG's next stream position (the last of ``count`` new ones). Call it inside the write's transaction.

    The counter row stays locked until that transaction ends, so a second writer of the same PLG
    waits here: positions are handed out in commit order and without gaps (``DiscussionSequence``).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("next_seq() must run inside the transaction of the write")
    if (seq := _increment(plg_id, count)) is not None:
        return seq
    try:
        with transaction.atomic():  # a savepoint: a concurrent first writer may win the insert
            DiscussionSequence.objects.create(plg_id=plg_id, last_seq=count)
        return count
    except IntegrityError:
        return _increment(plg_id, count)


def _increment(plg_id: int, count: int = 1) -> int | None:
    """One statement (UPDATE … RETURNING: PostgreSQL, SQLite ≥ 3.35) instead of an update and a read."""
    if not connection.features.can_return_columns_from_insert:  # no RETURNING (SQLite before 3.35)
        if not DiscussionSequence.objects.filter(pk=plg_id).update(last_seq=F("last_seq") + count):
            return None
        return DiscussionSequence.objects.filter(pk=plg_id).values_list("last_seq", flat=True).get()
    meta, quote = DiscussionSequence._meta, connection.ops.quote_name
    table, column, key = quote(meta.db_table), quote("last_seq"), quote(meta.pk.column)
    sql = f"UPDATE {table} SET {column} = {column} + %s WHERE {key} = %s RETURNING {column}"  # noqa: S608 - names from the model, quoted
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, plg_id])
        row = cursor.fetchone()
    return row[0] if row else None


def _refuse_null_characters(text: str) -> None:
    """NUL cannot be stored (PostgreSQL refuses it); the HTTP forms' fields refuse it too."""
    if "\x00" in text:
        raise Refused(_("The text contains a character that cannot be stored (NUL)."), RefusalKind.INVALID)


def create_topic(*, actor, plg: PlgPage, title: str, body: str) -> Topic:
    """Open a topic with its first message."""
    require(actor, "plc.start_topic", plg)
    title = (title or "").strip()
    if not title:
        raise Refused(_("Please give the topic a title."), RefusalKind.INVALID)
    _refuse_null_characters(title)
    body = _clean_body(body)
    consume(actor, "plc.write")
    with transaction.atomic():
        topic = Topic.objects.create(plg=plg, title=title[:200], created_by=actor)
        _write_message(actor=actor, topic=topic, body=body, reply_to=None)
        audit.record("plc.topic.created", actor=actor, target=topic, plg=plg.pk)
        transaction.on_commit(lambda: realtime.publish_topic(topic))
    return topic


def post_message(*, actor, topic: Topic, body: str, reply_to: Message | None = None, client_id: str = "") -> Message:
    """Post to a topic. Locked topics take posts from leads and the SMZ only."""
    body = _check_post(actor, topic, body, reply_to)
    consume(actor, "plc.write")
    with transaction.atomic():
        message = _write_message(actor=actor, topic=topic, body=body, reply_to=reply_to, client_id=client_id)
    return message


def post_messages(posts: list[tuple]) -> list:
    """``post_message`` for several ``(actor, topic, body, reply_to, client_id)`` at once: a message or a
    refusal each.

    The socket posts that waited together (``plc.consumers``): each checked as alone, the limits
    counted in one Redis round trip, the accepted ones written in one transaction, in order. Should
    that transaction fail, each is written again on its own, so one bad post cannot take the others.
    """
    results: list = []
    accepted = []
    for actor, topic, body, reply_to, client_id in posts:
        try:
            body = _check_post(actor, topic, body, reply_to)
        except Refused as refusal:
            results.append(refusal)
            continue
        accepted.append((len(results), (actor, topic, body, reply_to, client_id)))
        results.append(None)
    refusals = consume_many([actor for _, (actor, *_) in accepted], "plc.write")
    for (index, _post), refusal in zip(accepted, refusals, strict=True):
        results[index] = refusal
    writes = [(index, post) for (index, post), refusal in zip(accepted, refusals, strict=True) if refusal is None]
    if not writes:
        return results
    try:
        with transaction.atomic():
            written = _write_messages([post for _, post in writes])
    except DatabaseError as error:
        if len(writes) == 1:
            results[writes[0][0]] = error
            return results
        written = []
        for _index, post in writes:
            try:
                with transaction.atomic():
                    written.extend(_write_messages([post]))
            except DatabaseError as single:
                written.append(single)
    for (index, _post), result in zip(writes, written, strict=True):
        results[index] = result
    return results


def _check_post(actor, topic: Topic, body: str, reply_to: Message | None) -> str:
    """May ``actor`` post this here? Returns the cleaned body; raises ``Refused``."""
    plg = topic.plg
    require(actor, "plc.post", plg)
    if topic.locked:
        require(actor, "plc.post_when_locked", plg)
    if reply_to is not None and reply_to.topic_id != topic.pk:
        raise Refused(_("You can only reply to a message of the same topic."), RefusalKind.INVALID)
    return _clean_body(body)


def _write_message(*, actor, topic: Topic, body: str, reply_to: Message | None, client_id: str = "") -> Message:
    return _write_messages([(actor, topic, body, reply_to, client_id)])[0]


def _write_messages(posts: list[tuple]) -> list[Message]:
    """Write checked ``(actor, topic, body, reply_to, client_id)`` posts, in the caller's transaction.

    Stream positions in the order of ``posts``; one statement per kind of row for all of them (the
    messages, each topic's last activity, the authors' read positions), so the socket's batches of
    posts (``post_messages``) cost little more than one. Broadcast after the commit, in order.
    """
    counts = collections.Counter(topic.plg_id for _, topic, *_ in posts)
    positions = {}
    for plg_id, count in counts.items():
        last = next_seq(plg_id, count)
        positions[plg_id] = iter(range(last - count + 1, last + 1))
    messages, mentions = [], []
    for actor, topic, body, reply_to, _client_id in posts:
        # Mentions need every member's name; most messages have no "@" and skip that query.
        names = selectors.member_names(topic.plg) if "@" in body else {}
        body_html, mentioned = markdown.render_with_mentions(body, names)  # highlighted = notified
        messages.append(
            Message(
                plg_id=topic.plg_id,
                topic=topic,
                author=actor,
                body=body,
                body_html=body_html,
                reply_to=reply_to,
                seq=next(positions[topic.plg_id]),
            )
        )
        mentions.append(mentioned - {actor.pk})
    if connection.features.can_return_rows_from_bulk_insert:
        Message.objects.bulk_create(messages)
    else:
        for message in messages:
            message.save(force_insert=True)
    newest = {message.topic: message for message in messages}  # per topic
    for topic, message in newest.items():
        Topic.objects.filter(pk=topic.pk).update(last_message_at=message.created_at)
    # The authors have read their own messages: one upsert (each new id is its topic's highest).
    read = {(message.author, message.topic): message.pk for message in messages}
    ReadPosition.objects.bulk_create(
        [ReadPosition(user=author, topic=topic, last_read_id=last) for (author, topic), last in read.items()],
        update_conflicts=True,
        unique_fields=["user", "topic"],
        update_fields=["last_read_id", "updated_at"],
    )
    for (actor, topic, _body, _reply_to, _client_id), message, mentioned in zip(posts, messages, mentions, strict=True):
        if mentioned:
            message.mentions.set(mentioned)
            notify(
                get_user_model().objects.filter(pk__in=mentioned),
                actor=actor,
                kind="plc.mention",
                params={"name": actor.display_name, "topic": topic.title},
                url=f"{selectors.topic_url(topic)}#m{message.pk}",
                email=False,  # mentions reach e-mail through the daily digest
            )
    # One hand-over for all: each socket gets the messages written together in one frame.
    published = [(message, client_id) for message, (*_, client_id) in zip(messages, posts, strict=True)]
    transaction.on_commit(functools.partial(realtime.publish_messages, published))
    return messages


def edit_message(*, actor, message: Message, body: str) -> Message:
    require(actor, "plc.edit_message", message)
    refuse_unless(message.is_readable, _("This message can no longer be edited."), RefusalKind.CONFLICT)
    body = _clean_body(body)
    consume(actor, "plc.write")
    with transaction.atomic():
        message.body = body
        message.body_html = markdown.render(body, selectors.member_names(message.plg) if "@" in body else {})
        message.state = MessageState.EDITED
        message.seq = next_seq(message.plg_id)
        message.save(update_fields=["body", "body_html", "state", "changed_at", "seq"])
        transaction.on_commit(lambda: realtime.publish_message(message))
    return message


def delete_message(*, actor, message: Message) -> Message:
    """Authors delete their messages; leads and the SMZ may too. The text is removed for good."""
    require(actor, "plc.delete_message", message)
    own = message.author_id == actor.pk  # for the record: the author, or a moderator
    refuse_unless(message.state != MessageState.DELETED, _("This message is already deleted."), RefusalKind.CONFLICT)
    consume(actor, "plc.moderate")
    with transaction.atomic():
        message.body, message.body_html, message.state = "", "", MessageState.DELETED
        message.moderated_by = None if own else actor
        message.seq = next_seq(message.plg_id)
        message.save(update_fields=["body", "body_html", "state", "moderated_by", "changed_at", "seq"])
        audit.record("plc.message.deleted", actor=actor, target=message, plg=message.plg_id, own=own)
        transaction.on_commit(lambda: realtime.publish_message(message))
    return message


def set_hidden(*, actor, message: Message, hidden: bool) -> Message:
    """Leads and the SMZ hide a message from everyone (and show it again)."""
    require(actor, "plc.hide_message", message)
    refuse_unless(message.state != MessageState.DELETED, _("This message is deleted."), RefusalKind.CONFLICT)
    if hidden == (message.state == MessageState.HIDDEN):
        raise Refused(_("Nothing to change."), RefusalKind.CONFLICT)
    consume(actor, "plc.moderate")
    with transaction.atomic():
        message.state = MessageState.HIDDEN if hidden else MessageState.VISIBLE
        message.moderated_by = actor
        message.seq = next_seq(message.plg_id)
        message.save(update_fields=["state", "moderated_by", "changed_at", "seq"])
        audit.record(
            "plc.message.hidden" if hidden else "plc.message.unhidden", actor=actor, target=message, plg=message.plg_id
        )
        transaction.on_commit(lambda: realtime.publish_message(message))
    return message


def set_topic_flags(*, actor, topic: Topic, pinned: bool | None = None, locked: bool | None = None) -> Topic:
    require(actor, "plc.set_topic_flags", topic.plg)
    with transaction.atomic():
        if pinned is not None:
            topic.pinned = pinned
        if locked is not None:
            topic.locked = locked
        topic.save(update_fields=["pinned", "locked"])
        audit.record(
            "plc.topic.changed", actor=actor, target=topic, plg=topic.plg_id, pinned=topic.pinned, locked=topic.locked
        )
        transaction.on_commit(lambda: realtime.publish_topic(topic))
    return topic


def catch_up(*, actor, plg_id: int, last_seq: int, have: frozenset[int] = frozenset()):
    """What a reconnecting client misses (``selectors.catch_up``), counted against its limit."""
    consume(actor, "plc.catch_up")
    return selectors.catch_up(plg_id, last_seq=last_seq, have=have)


def catch_up_many(requests: list[tuple]) -> list:
    """``catch_up`` for many ``(actor, plg_id, last_seq, have)`` at once, a result or a refusal each.

    The first sync of sockets admitted together (``plc.consumers``): one Redis round trip for the
    limits, one query for the stream positions, and a query only for the clients that are behind.
    """
    refusals = consume_many([actor for actor, *_ in requests], "plc.catch_up")
    positions = selectors.stream_positions({plg_id for _, plg_id, _, _ in requests})
    return [
        refusal or selectors.catch_up(plg_id, last_seq=last_seq, have=have, until=positions[plg_id])
        for (_, plg_id, last_seq, have), refusal in zip(requests, refusals, strict=True)
    ]


def mark_read_live(*, actor, topic: Topic, message_id: int) -> int:
    """``mark_read`` for the socket's ``read`` frames, which a client may send at will: limited."""
    consume(actor, "plc.read_position")
    return mark_read(actor=actor, topic=topic, message_id=message_id)


def mark_read(*, actor, topic: Topic, message_id: int) -> int:
    """Move the read position forward (never back). Returns the stored position."""
    position, _created = ReadPosition.objects.get_or_create(user=actor, topic=topic)
    if message_id > position.last_read_id:
        last = topic.messages.filter(pk__lte=message_id).order_by("-pk").values_list("pk", flat=True).first()
        if last:
            ReadPosition.objects.filter(pk=position.pk, last_read_id__lt=last).update(last_read_id=last)
            position.last_read_id = max(position.last_read_id, last)
    return position.last_read_id

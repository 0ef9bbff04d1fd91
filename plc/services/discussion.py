"""Writes of a PLG's discussion: one function per user action (reads: ``plc.selectors``).

Messages are stored first; the broadcast (``plc.realtime.publish_*``) runs from
``transaction.on_commit``, so no client ever sees a message that a reload would not show.
Services raise ``Refused`` with a German message and write nothing when they will not act. The
consumer and the HTTP views call the same functions.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
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


def next_seq(plg_id: int) -> int:
    """The PLG's next stream position. Call it inside the write's transaction.

    The counter row stays locked until that transaction ends, so a second writer of the same PLG
    waits here: positions are handed out in commit order and without gaps (``DiscussionSequence``).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("next_seq() must run inside the transaction of the write")
    if (seq := _increment(plg_id)) is not None:
        return seq
    try:
        with transaction.atomic():  # a savepoint: a concurrent first writer may win the insert
            DiscussionSequence.objects.create(plg_id=plg_id, last_seq=1)
        return 1
    except IntegrityError:
        return _increment(plg_id)


def _increment(plg_id: int) -> int | None:
    """One statement (UPDATE … RETURNING: PostgreSQL, SQLite ≥ 3.35) instead of an update and a read."""
    if not connection.features.can_return_columns_from_insert:  # no RETURNING (SQLite before 3.35)
        if not DiscussionSequence.objects.filter(pk=plg_id).update(last_seq=F("last_seq") + 1):
            return None
        return DiscussionSequence.objects.filter(pk=plg_id).values_list("last_seq", flat=True).get()
    meta, quote = DiscussionSequence._meta, connection.ops.quote_name
    table, column, key = quote(meta.db_table), quote("last_seq"), quote(meta.pk.column)
    sql = f"UPDATE {table} SET {column} = {column} + 1 WHERE {key} = %s RETURNING {column}"  # noqa: S608 - names from the model, quoted
    with connection.cursor() as cursor:
        cursor.execute(sql, [plg_id])
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
    plg = topic.plg
    require(actor, "plc.post", plg)
    if topic.locked:
        require(actor, "plc.post_when_locked", plg)
    if reply_to is not None and reply_to.topic_id != topic.pk:
        raise Refused(_("You can only reply to a message of the same topic."), RefusalKind.INVALID)
    body = _clean_body(body)
    consume(actor, "plc.write")
    with transaction.atomic():
        message = _write_message(actor=actor, topic=topic, body=body, reply_to=reply_to, client_id=client_id)
    return message


def _write_message(*, actor, topic: Topic, body: str, reply_to: Message | None, client_id: str = "") -> Message:
    # Mentions need every member's name; most messages have no "@" and skip that query.
    names = selectors.member_names(topic.plg) if "@" in body else {}
    body_html, mentioned = markdown.render_with_mentions(body, names)  # highlighted = notified
    message = Message.objects.create(
        plg_id=topic.plg_id,
        topic=topic,
        author=actor,
        body=body,
        body_html=body_html,
        reply_to=reply_to,
        seq=next_seq(topic.plg_id),
    )
    Topic.objects.filter(pk=topic.pk).update(last_message_at=message.created_at)
    # The author has read their own message: one upsert (the new id is the topic's highest).
    ReadPosition.objects.bulk_create(
        [ReadPosition(user=actor, topic=topic, last_read_id=message.pk)],
        update_conflicts=True,
        unique_fields=["user", "topic"],
        update_fields=["last_read_id", "updated_at"],
    )
    mentioned -= {actor.pk}
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
    transaction.on_commit(lambda: realtime.publish_message(message, client_id=client_id))
    return message


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

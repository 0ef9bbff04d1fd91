"""Writes and reads of a PLG's discussion: one function per user action.

Messages are stored first; the broadcast (``plc.realtime.publish_*``) runs from
``transaction.on_commit``, so no client ever sees a message that a reload would not show.
Services raise ``Refused`` with a German message and write nothing when they will not act. The
consumer and the HTTP views call the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from lernen25 import audit
from lernen25.errors import RefusalKind, Refused
from lernen25.notifications import notify
from plc import markdown, permissions, realtime
from plc.models import Membership, Message, MessageState, PlgPage, ReadPosition, Topic

MAX_BODY = 5000
HISTORY_PAGE = 50
SYNC_MARGIN = timedelta(seconds=30)  # longer than any transaction that writes a message
CATCH_UP_LIMIT = 500  # more than this after a long absence: the client reloads the page instead


def may_post(user, plg: PlgPage) -> bool:
    """Members and the SMZ post; in an archived or completed PLG nobody does."""
    return plg.is_writable and (permissions.is_member(user, plg) or permissions.is_curator(user))


def may_connect(user, plg: PlgPage) -> bool:
    """The live connection is for members, leads and the SMZ (others read over HTTP if allowed)."""
    return permissions.is_member(user, plg) or permissions.is_curator(user)


def _require(allowed: bool, message: str, kind: RefusalKind = RefusalKind.FORBIDDEN) -> None:
    if not allowed:
        raise Refused(message, kind)


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise Refused(_("Please write a message."), RefusalKind.INVALID)
    if len(body) > MAX_BODY:
        raise Refused(_("A message may have at most %(max)d characters.") % {"max": MAX_BODY}, RefusalKind.INVALID)
    return body


def member_names(plg: PlgPage) -> dict[str, int]:
    """Display name → user id of the PLG's members, for mentions."""
    memberships = Membership.objects.filter(plg=plg).select_related("user", "user__profile")
    return {m.user.display_name: m.user_id for m in memberships if m.user.is_active}


def create_topic(*, actor, plg: PlgPage, title: str, body: str) -> Topic:
    """Open a topic with its first message."""
    _require(may_post(actor, plg), _("Only members can start topics here."))
    title = (title or "").strip()
    if not title:
        raise Refused(_("Please give the topic a title."), RefusalKind.INVALID)
    body = _clean_body(body)
    with transaction.atomic():
        topic = Topic.objects.create(plg=plg, title=title[:200], created_by=actor)
        _write_message(actor=actor, topic=topic, body=body, reply_to=None)
        audit.record("plc.topic.created", actor=actor, target=topic, plg=plg.pk)
        transaction.on_commit(lambda: realtime.publish_topic(topic))
    return topic


def post_message(*, actor, topic: Topic, body: str, reply_to: Message | None = None, client_id: str = "") -> Message:
    """Post to a topic. Locked topics take posts from leads and the SMZ only."""
    plg = topic.plg
    _require(may_post(actor, plg), _("Only members can write here."))
    if topic.locked and not permissions.user_can(actor, "moderate", plg):
        raise Refused(_("This topic is locked."), RefusalKind.CONFLICT)
    if reply_to is not None and reply_to.topic_id != topic.pk:
        raise Refused(_("You can only reply to a message of the same topic."), RefusalKind.INVALID)
    body = _clean_body(body)
    with transaction.atomic():
        message = _write_message(actor=actor, topic=topic, body=body, reply_to=reply_to, client_id=client_id)
    return message


def _write_message(*, actor, topic: Topic, body: str, reply_to: Message | None, client_id: str = "") -> Message:
    # Mentions need every member's name; most messages have no "@" and skip that query.
    names = member_names(topic.plg) if "@" in body else {}
    message = Message.objects.create(
        plg_id=topic.plg_id,
        topic=topic,
        author=actor,
        body=body,
        body_html=markdown.render(body, names),
        reply_to=reply_to,
    )
    Topic.objects.filter(pk=topic.pk).update(last_message_at=message.created_at)
    # The author has read their own message: one upsert (the new id is the topic's highest).
    ReadPosition.objects.bulk_create(
        [ReadPosition(user=actor, topic=topic, last_read_id=message.pk)],
        update_conflicts=True,
        unique_fields=["user", "topic"],
        update_fields=["last_read_id", "updated_at"],
    )
    mentioned = markdown.find_mentions(body, names) - {actor.pk}
    if mentioned:
        message.mentions.set(mentioned)
        from django.contrib.auth import get_user_model

        notify(
            get_user_model().objects.filter(pk__in=mentioned),
            actor=actor,
            verb="plc.mention",
            text=_("%(name)s mentioned you in “%(topic)s”.") % {"name": actor.display_name, "topic": topic.title},
            url=f"{topic_url(topic)}#m{message.pk}",
            email=False,  # mentions reach e-mail through the daily digest
        )
    transaction.on_commit(lambda: realtime.publish_message(message, client_id=client_id))
    return message


def edit_message(*, actor, message: Message, body: str) -> Message:
    _require(message.author_id == actor.pk, _("You can only edit your own messages."))
    _require(message.is_readable, _("This message can no longer be edited."), RefusalKind.CONFLICT)
    _require(may_post(actor, message.plg), _("Only members can write here."))
    body = _clean_body(body)
    with transaction.atomic():
        message.body = body
        message.body_html = markdown.render(body, member_names(message.plg) if "@" in body else {})
        message.state = MessageState.EDITED
        message.save(update_fields=["body", "body_html", "state", "changed_at"])
        transaction.on_commit(lambda: realtime.publish_message(message))
    return message


def delete_message(*, actor, message: Message) -> Message:
    """Authors delete their messages; leads and the SMZ may too. The text is removed for good."""
    own = message.author_id == actor.pk
    _require(own or permissions.user_can(actor, "moderate", message.plg), _("You can only delete your own messages."))
    _require(message.state != MessageState.DELETED, _("This message is already deleted."), RefusalKind.CONFLICT)
    with transaction.atomic():
        message.body, message.body_html, message.state = "", "", MessageState.DELETED
        message.moderated_by = None if own else actor
        message.save(update_fields=["body", "body_html", "state", "moderated_by", "changed_at"])
        audit.record("plc.message.deleted", actor=actor, target=message, plg=message.plg_id, own=own)
        transaction.on_commit(lambda: realtime.publish_message(message))
    return message


def set_hidden(*, actor, message: Message, hidden: bool) -> Message:
    """Leads and the SMZ hide a message from everyone (and show it again)."""
    _require(permissions.user_can(actor, "moderate", message.plg), _("Only the PLC's leads and the SMZ hide messages."))
    _require(message.state != MessageState.DELETED, _("This message is deleted."), RefusalKind.CONFLICT)
    if hidden == (message.state == MessageState.HIDDEN):
        raise Refused(_("Nothing to change."), RefusalKind.CONFLICT)
    with transaction.atomic():
        message.state = MessageState.HIDDEN if hidden else MessageState.VISIBLE
        message.moderated_by = actor
        message.save(update_fields=["state", "moderated_by", "changed_at"])
        audit.record(
            "plc.message.hidden" if hidden else "plc.message.unhidden", actor=actor, target=message, plg=message.plg_id
        )
        transaction.on_commit(lambda: realtime.publish_message(message))
    return message


def set_topic_flags(*, actor, topic: Topic, pinned: bool | None = None, locked: bool | None = None) -> Topic:
    _require(
        permissions.user_can(actor, "moderate", topic.plg), _("Only the PLC's leads and the SMZ pin or lock topics.")
    )
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


def mark_read(*, actor, topic: Topic, message_id: int) -> int:
    """Move the read position forward (never back). Returns the stored position."""
    position, _created = ReadPosition.objects.get_or_create(user=actor, topic=topic)
    if message_id > position.last_read_id:
        last = topic.messages.filter(pk__lte=message_id).order_by("-pk").values_list("pk", flat=True).first()
        if last:
            ReadPosition.objects.filter(pk=position.pk, last_read_id__lt=last).update(last_read_id=last)
            position.last_read_id = max(position.last_read_id, last)
    return position.last_read_id


# --- Reads ---------------------------------------------------------------------------------


def topic_url(topic: Topic) -> str:
    from django.urls import reverse

    return reverse("plc:topic", kwargs={"pk": topic.plg_id, "topic_id": topic.pk})


def topics_with_unread(user, plg: PlgPage) -> QuerySet[Topic]:
    """The PLG's topics with ``message_count`` and ``unread`` for ``user`` (one query)."""
    last_read = ReadPosition.objects.filter(user=user.pk, topic=OuterRef("pk")).values("last_read_id")[:1]
    return (
        Topic.objects.filter(plg=plg)
        .annotate(last_read=Coalesce(Subquery(last_read), 0))
        .annotate(
            message_count=Count("messages", filter=~Q(messages__state=MessageState.DELETED)),
            unread=Count(
                "messages",
                filter=Q(messages__id__gt=F("last_read"))
                & ~Q(messages__author=user.pk)
                & ~Q(messages__state=MessageState.DELETED),
            ),
        )
        .select_related("created_by__profile")
    )


@dataclass
class TopicPage:
    messages: list[Message]
    earlier_id: int | None  # ?vor=<id> loads the page before, None when this is the start
    last_read_id: int  # "new since your last visit" comes after this id


def topic_page(user, topic: Topic, *, before: int | None = None) -> TopicPage:
    """The last HISTORY_PAGE messages (or those before ``before``), oldest first."""
    messages = topic.messages.select_related("author__profile", "reply_to__author__profile").order_by("-id")
    if before:
        messages = messages.filter(pk__lt=before)
    page = list(messages[: HISTORY_PAGE + 1])
    earlier = page[HISTORY_PAGE - 1].pk if len(page) > HISTORY_PAGE else None
    page = page[:HISTORY_PAGE]
    page.reverse()
    position = ReadPosition.objects.filter(user=user, topic=topic).values_list("last_read_id", flat=True).first()
    return TopicPage(messages=page, earlier_id=earlier, last_read_id=position or 0)


def catch_up(plg_id: int, *, last_id: int, since: datetime | None) -> tuple[list[Message], bool]:
    """What a reconnecting client missed: new messages after ``last_id``, then changes since ``since``.

    Returns (messages, complete); ``complete`` is False when more than CATCH_UP_LIMIT are new.
    """
    base = Message.objects.filter(plg_id=plg_id).select_related("author__profile", "reply_to__author__profile")
    new = list(base.filter(pk__gt=last_id).order_by("pk")[: CATCH_UP_LIMIT + 1])
    complete = len(new) <= CATCH_UP_LIMIT
    new = new[:CATCH_UP_LIMIT]
    changed = []
    if since is not None and last_id:
        changed = list(base.filter(pk__lte=last_id, changed_at__gt=since).order_by("pk")[:CATCH_UP_LIMIT])
    return changed + new, complete


def newest_message_id(plg: PlgPage) -> int:
    return Message.objects.filter(plg=plg).order_by("-pk").values_list("pk", flat=True).first() or 0


def sync_point() -> datetime:
    """The ``since`` a client sends at its next (re)connect: now, less SYNC_MARGIN.

    A message's ``changed_at`` is the time it was written, but others see it only from its commit. A
    message written just before a sync and committed just after would be older than an exact sync
    time and newer than the client's last id, and never sent. The margin re-sends what changed in
    the seconds before (the client replaces messages by id, so a repeat does no harm).
    """
    return timezone.now() - SYNC_MARGIN

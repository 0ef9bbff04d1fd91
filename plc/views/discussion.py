"""HTTP side of the discussion: topic pages, history, and the forms that work without JavaScript.

What is posted here goes through the same services as the WebSocket, so it appears live for
everyone connected.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lernen25.errors import Refused
from lernen25.http import confirm_page, with_retry_after
from lernen25.permissions import allowed, require
from plc import permissions, selectors, services
from plc.forms import MessageForm, TopicForm
from plc.models import Message, Topic
from plc.views._common import form_error, plg_action, plg_item, refused_in_form


def _topic(request, plg, topic_id) -> Topic:
    return plg_item(request, plg, Topic.objects.select_related("plg"), pk=topic_id)


def _message(request, plg, message_id) -> Message:
    return plg_item(request, plg, Message.objects.select_related("topic", "plg"), pk=message_id)


def _in_topic(message: Message) -> str:
    return f"{selectors.topic_url(message.topic)}#m{message.pk}"


@plg_action("plc.read_discussion")
def topic_view(request, plg, topic_id):
    """A topic: the last messages (``?vor=<id>`` pages back), and the form; POST posts a message."""
    topic = _topic(request, plg, topic_id)
    form = MessageForm(request.POST if request.method == "POST" else None)
    status, refused = 200, None
    if request.method == "POST":
        if form.is_valid():
            try:
                message = services.post_message(actor=request.user, topic=topic, body=form.cleaned_data["body"])
            except Refused as refusal:
                if refusal.kind == "not_found":
                    raise
                form.add_error(None, str(refusal.message))
                status, refused = refusal.status, refusal
            else:
                return redirect(_in_topic(message))
        else:
            status = 400
    before = request.GET.get("vor")
    # Where the live stream starts: read before the messages, so that the page misses nothing.
    stream_last_seq = selectors.stream_position(plg.pk)
    page = selectors.topic_page(request.user, topic, before=int(before) if before and before.isdigit() else None)
    if not before and page.messages:
        services.mark_read(actor=request.user, topic=topic, message_id=page.messages[-1].pk)
    may_post_when_locked = allowed(request.user, "plc.post_when_locked", plg)
    template = "plc/_message_list.html" if request.htmx else "plc/topic.html"
    response = render(
        request,
        template,
        {
            "plg": plg,
            "topic": topic,
            "page": page,
            "form": form,
            "viewer": request.user,
            "message_scopes_json": json.dumps(permissions.message_scopes(request.user, plg)),
            "may_post_when_locked": may_post_when_locked,
            "may_set_flags": allowed(request.user, "plc.set_topic_flags", plg),
            "may_post": allowed(request.user, "plc.post", plg) and (not topic.locked or may_post_when_locked),
            "may_connect": allowed(request.user, "plc.connect", plg),
            "members": sorted(selectors.member_names(plg)),
            "files": list(plg.files.select_related("document")[:30]),
            "stream_last_seq": stream_last_seq,
        },
        status=status,
    )
    return with_retry_after(response, refused) if refused else response


@require_POST
@plg_action("plc.read_discussion")
def create_topic_view(request, plg):
    form = TopicForm(request.POST)
    if not form.is_valid():
        return form_error(request, plg, "topic_form", form)
    try:
        topic = services.create_topic(
            actor=request.user, plg=plg, title=form.cleaned_data["title"], body=form.cleaned_data["body"]
        )
    except Refused as refusal:
        return refused_in_form(request, plg, "topic_form", form, refusal)
    return redirect(selectors.topic_url(topic))


@plg_action()
def edit_message_view(request, plg, message_id):
    message = _message(request, plg, message_id)
    require(request.user, "plc.edit_message", message)
    form = MessageForm(request.POST if request.method == "POST" else None, initial={"body": message.body})
    status, refused = 200, None
    if request.method == "POST":
        if form.is_valid():
            try:
                services.edit_message(actor=request.user, message=message, body=form.cleaned_data["body"])
            except Refused as refusal:
                form.add_error(None, str(refusal.message))
                status, refused = refusal.status, refusal
            else:
                return redirect(_in_topic(message))
        else:
            status = 400
    response = render(request, "plc/message_edit.html", {"plg": plg, "message": message, "form": form}, status=status)
    return with_retry_after(response, refused) if refused else response


@plg_action()
def delete_message_view(request, plg, message_id):
    message = _message(request, plg, message_id)
    require(request.user, "plc.delete_message", message)
    if request.method != "POST":
        return confirm_page(
            request,
            title=_("Delete this message?"),
            text=_("The text is removed for everyone; this cannot be undone."),
            button=_("Delete message"),
            back=_in_topic(message),
            plg=plg,
        )
    services.delete_message(actor=request.user, message=message)
    messages.success(request, _("The message was deleted."))
    return redirect(_in_topic(message))


@require_POST
@plg_action()
def hide_message_view(request, plg, message_id):
    message = _message(request, plg, message_id)
    hidden = request.POST.get("hidden") == "1"
    services.set_hidden(actor=request.user, message=message, hidden=hidden)
    messages.success(request, _("The message is hidden.") if hidden else _("The message is shown again."))
    return redirect(_in_topic(message))


@require_POST
@plg_action("plc.set_topic_flags")
def topic_flags_view(request, plg, topic_id):
    topic = _topic(request, plg, topic_id)
    flags = {}
    if "pinned" in request.POST:
        flags["pinned"] = request.POST["pinned"] == "1"
    if "locked" in request.POST:
        flags["locked"] = request.POST["locked"] == "1"
    services.set_topic_flags(actor=request.user, topic=topic, **flags)
    messages.success(request, _("The topic was changed."))
    return redirect(selectors.topic_url(topic))

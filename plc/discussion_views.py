"""HTTP side of the discussion: topic pages, history, and the forms that work without JavaScript.

What is posted here goes through the same services as the WebSocket, so it appears live for
everyone connected.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lernen25.errors import RefusalKind, Refused
from plc import discussion
from plc.forms import MessageForm, TopicForm
from plc.models import Message, Topic
from plc.permissions import user_can
from plc.views import plg_action, render_plg


def _topic(plg, topic_id) -> Topic:
    return get_object_or_404(Topic.objects.select_related("plg"), pk=topic_id, plg=plg)


def _message(plg, message_id) -> Message:
    return get_object_or_404(Message.objects.select_related("topic", "plg"), pk=message_id, plg=plg)


def _require_content(user, plg):
    if not user_can(user, "view_content", plg):
        raise PermissionDenied(_("Only members see this PLC's discussion."))


@plg_action
def topic_view(request, plg, topic_id):
    """A topic: the last messages (``?vor=<id>`` pages back), and the form; POST posts a message."""
    _require_content(request.user, plg)
    topic = _topic(plg, topic_id)
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                message = discussion.post_message(actor=request.user, topic=topic, body=form.cleaned_data["body"])
            except Refused as refusal:
                if refusal.kind == RefusalKind.NOT_FOUND:
                    raise Http404 from None
                form.add_error(None, str(refusal.message))
                status = refusal.status
            else:
                return redirect(f"{discussion.topic_url(topic)}#m{message.pk}")
        else:
            status = 400
    before = request.GET.get("vor")
    page = discussion.topic_page(request.user, topic, before=int(before) if before and before.isdigit() else None)
    if not before and page.messages:
        discussion.mark_read(actor=request.user, topic=topic, message_id=page.messages[-1].pk)
    moderates = user_can(request.user, "moderate", plg)
    template = "plc/_message_list.html" if request.htmx else "plc/topic.html"
    return render(
        request,
        template,
        {
            "plg": plg,
            "topic": topic,
            "page": page,
            "form": form,
            "viewer": request.user,
            "viewer_moderates": moderates,
            "may_post": discussion.may_post(request.user, plg) and (not topic.locked or moderates),
            "may_connect": discussion.may_connect(request.user, plg),
            "members": sorted(discussion.member_names(plg)),
            "files": list(plg.files.select_related("document")[:30]),
            # Where the live stream starts: the newest message of the whole PLG when the page was made.
            "stream_last_id": discussion.newest_message_id(plg),
            "stream_now": discussion.sync_point(),
        },
        status=status,
    )


@require_POST
@plg_action
def create_topic_view(request, plg):
    _require_content(request.user, plg)
    form = TopicForm(request.POST)
    if not form.is_valid():
        return render_plg(request, plg, status=400, topic_form=form)
    try:
        topic = discussion.create_topic(
            actor=request.user, plg=plg, title=form.cleaned_data["title"], body=form.cleaned_data["body"]
        )
    except Refused as refusal:
        if refusal.kind == RefusalKind.NOT_FOUND:
            raise Http404 from None
        form.add_error(None, str(refusal.message))
        return render_plg(request, plg, status=refusal.status, topic_form=form)
    return redirect(discussion.topic_url(topic))


@plg_action
def edit_message_view(request, plg, message_id):
    message = _message(plg, message_id)
    if message.author_id != request.user.pk:
        raise PermissionDenied(_("You can only edit your own messages."))
    form = MessageForm(request.POST or None, initial={"body": message.body})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                discussion.edit_message(actor=request.user, message=message, body=form.cleaned_data["body"])
            except Refused as refusal:
                form.add_error(None, str(refusal.message))
                status = refusal.status
            else:
                return redirect(f"{discussion.topic_url(message.topic)}#m{message.pk}")
        else:
            status = 400
    return render(request, "plc/message_edit.html", {"plg": plg, "message": message, "form": form}, status=status)


@plg_action
def delete_message_view(request, plg, message_id):
    message = _message(plg, message_id)
    if message.author_id != request.user.pk and not user_can(request.user, "moderate", plg):
        raise PermissionDenied(_("You can only delete your own messages."))
    back = f"{discussion.topic_url(message.topic)}#m{message.pk}"
    if request.method != "POST":
        return render(
            request,
            "confirm.html",
            {
                "plg": plg,
                "title": _("Delete this message?"),
                "text": _("The text is removed for everyone; this cannot be undone."),
                "button": _("Delete message"),
                "back": back,
            },
        )
    discussion.delete_message(actor=request.user, message=message)
    messages.success(request, _("The message was deleted."))
    return redirect(back)


@require_POST
@plg_action
def hide_message_view(request, plg, message_id):
    message = _message(plg, message_id)
    hidden = request.POST.get("hidden") == "1"
    discussion.set_hidden(actor=request.user, message=message, hidden=hidden)
    messages.success(request, _("The message is hidden.") if hidden else _("The message is shown again."))
    return redirect(f"{discussion.topic_url(message.topic)}#m{message.pk}")


@require_POST
@plg_action
def topic_flags_view(request, plg, topic_id):
    topic = _topic(plg, topic_id)
    flags = {}
    if "pinned" in request.POST:
        flags["pinned"] = request.POST["pinned"] == "1"
    if "locked" in request.POST:
        flags["locked"] = request.POST["locked"] == "1"
    discussion.set_topic_flags(actor=request.user, topic=topic, **flags)
    messages.success(request, _("The topic was changed."))
    return redirect(discussion.topic_url(topic))

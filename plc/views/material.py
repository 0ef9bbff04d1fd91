"""Shared files and links of a PLG."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lernen25.errors import Refused
from lernen25.permissions import require
from plc import services
from plc.forms import LinkForm, UploadForm
from plc.models import PlgFile, PlgLink
from plc.views._common import confirmed, done, form_error, plg_action, plg_item, refused_in_form


@require_POST
@plg_action("plc.share_file")
def upload_view(request, plg):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return form_error(request, plg, "upload_form", form)
    try:
        services.upload_file(
            actor=request.user, plg=plg, upload=form.cleaned_data["file"], title=form.cleaned_data["title"]
        )
    except Refused as refusal:
        return refused_in_form(request, plg, "upload_form", form, refusal)
    return done(request, plg, _("The file is shared."), "material")


@plg_action()
def delete_file_view(request, plg, file_id):
    plg_file = plg_item(request, plg, PlgFile.objects.select_related("document", "plg"), pk=file_id)
    require(request.user, "plc.delete_file", plg_file)
    return confirmed(
        request,
        plg,
        title=_("Delete “%(title)s”?") % {"title": plg_file.document.title},
        text=_("The file is deleted for everyone, also from published results."),
        button=_("Delete file"),
        perform=lambda: services.delete_file(actor=request.user, plg_file=plg_file),
        done_message=_("The file was deleted."),
        anchor="material",
    )


@require_POST
@plg_action("plc.share_link")
def add_link_view(request, plg):
    form = LinkForm(request.POST)
    if not form.is_valid():
        return form_error(request, plg, "link_form", form)
    try:
        services.add_link(actor=request.user, plg=plg, title=form.cleaned_data["title"], url=form.cleaned_data["url"])
    except Refused as refusal:
        return refused_in_form(request, plg, "link_form", form, refusal)
    return done(request, plg, _("The link is shared."), "material")


@plg_action()
def delete_link_view(request, plg, link_id):
    link = plg_item(request, plg, PlgLink.objects.select_related("plg"), pk=link_id)
    require(request.user, "plc.delete_link", link)
    return confirmed(
        request,
        plg,
        title=_("Delete the link “%(title)s”?") % {"title": link.title},
        text=_("The link is removed for everyone."),
        button=_("Delete link"),
        perform=lambda: services.delete_link(actor=request.user, link=link),
        done_message=_("The link was deleted."),
        anchor="material",
    )

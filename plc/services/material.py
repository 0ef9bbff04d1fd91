"""Material of PLGs: shared files (Wagtail documents in the PLG's collection) and links."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.models import Collection

from lernen25.errors import RefusalKind, Refused
from lernen25.permissions import require
from plc.models import PlgFile, PlgLink, PlgPage
from plc.services._common import record

# Uploads: office documents, PDFs, images, plain text. No executables, archives or HTML.
ALLOWED_FILE_EXTENSIONS = {"pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "txt", "csv", "png", "jpg", "jpeg"}
MAX_FILE_BYTES = 20 * 1024 * 1024


def upload_file(*, actor, plg: PlgPage, upload: UploadedFile, title: str = "") -> PlgFile:
    """Share a file in the PLG. Only allowed types up to 20 MB; stored in the PLG's collection."""
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.share_file", plg)
    extension = Path(upload.name).suffix.lower().lstrip(".")
    if extension not in ALLOWED_FILE_EXTENSIONS:
        allowed = ", ".join(sorted(ALLOWED_FILE_EXTENSIONS))
        raise Refused(
            _("Files of type “%(ext)s” cannot be shared. Allowed: %(allowed)s.")
            % {"ext": extension or "?", "allowed": allowed},
            RefusalKind.INVALID,
        )
    if upload.size > MAX_FILE_BYTES:
        raise Refused(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(MAX_FILE_BYTES)}, RefusalKind.INVALID
        )
    if upload.size == 0:
        raise Refused(_("The file is empty."), RefusalKind.INVALID)
    Document = get_document_model()
    with transaction.atomic():
        document = Document(
            title=(title.strip() or Path(upload.name).stem)[:255],
            file=upload,
            collection=plg.collection or Collection.get_first_root_node(),
            uploaded_by_user=actor,
        )
        document.save()
        plg_file = PlgFile.objects.create(plg=plg, document=document, added_by=actor)
        record("plc.file.added", actor=actor, plg=plg, target=plg_file, file=document.title)
    return plg_file


def delete_file(*, actor, plg_file: PlgFile) -> None:
    plg = plg_file.plg
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.delete_file", plg_file)
    with transaction.atomic():
        title = plg_file.document.title
        record("plc.file.deleted", actor=actor, plg=plg, file=title)
        plg_file.document.delete()  # cascades to the PlgFile; the stored file is removed by Wagtail


def require_web_address(url: str) -> None:
    """Only http(s) links: a ``javascript:`` address on a page or in a mail would run code."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise Refused(_("Please enter a web address starting with https:// or http://."), RefusalKind.INVALID) from None


def require_https_link(url: str) -> None:
    """Links shared in a PLG are https:// addresses only.

    ``javascript:`` and other schemes would run code or open programs; plain ``http://`` is
    refused as well: the site is served over HTTPS, the city's policy refuses unencrypted
    targets, and a link a PLG recommends must not lead to a page anyone on the way can alter.
    ``LinkForm`` asks the same question, so the form's error and the service's refusal agree.
    """
    if url.lower().startswith("http://"):
        raise Refused(
            _("Unencrypted links (http://) cannot be shared. Please use the address starting with https://."),
            RefusalKind.INVALID,
        )
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError:
        raise Refused(_("Please enter a web address starting with https://."), RefusalKind.INVALID) from None


def add_link(*, actor, plg: PlgPage, title: str, url: str) -> PlgLink:
    """Share a link in the PLG (members; https:// only, see ``require_https_link``)."""
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.share_link", plg)
    url = url.strip()
    require_https_link(url)
    title = title.strip() or url
    with transaction.atomic():
        link = PlgLink.objects.create(plg=plg, title=title[:200], url=url, added_by=actor)
        record("plc.link.added", actor=actor, plg=plg, target=link, url=url)
    return link


def delete_link(*, actor, link: PlgLink) -> None:
    plg = link.plg
    require(actor, "plc.view_plg", plg)
    require(actor, "plc.delete_link", link)
    with transaction.atomic():
        record("plc.link.deleted", actor=actor, plg=plg, url=link.url)
        link.delete()

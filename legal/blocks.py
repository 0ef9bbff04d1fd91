"""The blocks of a legal page's body: sections of rich text, and the box of what is still to confirm."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

TEXT_FEATURES = ["bold", "italic", "h3", "h4", "ol", "ul", "link"]


class SectionBlock(blocks.StructBlock):
    """A heading (h2) and its text; the page lists the sections' headings as its contents."""

    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    text = blocks.RichTextBlock(label=_("Text"), features=TEXT_FEATURES)

    class Meta:
        icon = "doc-full"
        label = _("Section")
        template = "legal/blocks/section.html"


class ToConfirmBlock(blocks.StructBlock):
    """A visible warning box: what the SMZ or a lawyer must still check before the text is final.

    Seeded wherever the platform cannot know the fact (addresses, names, hosting contracts, legal
    bases); the SMZ deletes the box once the text above it is confirmed.
    """

    text = blocks.RichTextBlock(label=_("What must still be confirmed"), features=["bold", "italic", "ul", "link"])

    class Meta:
        icon = "warning"
        label = _("To be confirmed")
        template = "legal/blocks/to_confirm.html"


class LegalBodyBlock(blocks.StreamBlock):
    section = SectionBlock()
    text = blocks.RichTextBlock(label=_("Text"), features=TEXT_FEATURES, template="legal/blocks/text.html")
    to_confirm = ToConfirmBlock()

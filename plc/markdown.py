"""A Markdown subset for discussion messages, rendered with markdown-it-py and sanitised with nh3.

Allowed: paragraphs, emphasis, lists, links, inline code and code blocks, quotes. Raw HTML in the
source is not rendered; whatever markdown-it produces is sanitised again with an allow-list, and
links get ``rel="noopener nofollow"``. Mentions are ``@`` followed by a PLG member's display name.
"""

from __future__ import annotations

import re

import nh3
from django.utils.html import escape
from markdown_it import MarkdownIt

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True})
    .disable(["image", "heading", "lheading", "hr", "table"], ignoreInvalid=True)
    .enable(["strikethrough"], ignoreInvalid=True)
)

ALLOWED_TAGS = {"p", "br", "em", "strong", "s", "del", "ul", "ol", "li", "a", "code", "pre", "blockquote", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "span": {"class", "data-user"}, "ol": {"start"}}


def _mention_pattern(names: list[str]) -> re.Pattern | None:
    if not names:
        return None
    # Longest names first, so that "@Anna Lehmann-Schulz" wins over "@Anna Lehmann".
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w@])@({alternatives})(?![\w-])", re.IGNORECASE)


def find_mentions(body: str, members: dict[str, int]) -> set[int]:
    """User ids of the members (display name → id) mentioned as ``@Name`` in ``body``."""
    pattern = _mention_pattern(list(members))
    if pattern is None:
        return set()
    lowered = {name.lower(): user_id for name, user_id in members.items()}
    return {lowered[match.group(1).lower()] for match in pattern.finditer(body)}


def render(body: str, members: dict[str, int] | None = None) -> str:
    """Markdown source → safe HTML, with mentions of ``members`` highlighted."""
    html = _md.render(body)
    pattern = _mention_pattern(list(members or {}))
    if pattern is not None:
        lowered = {name.lower(): user_id for name, user_id in (members or {}).items()}

        def mark(match: re.Match) -> str:
            user_id = lowered[match.group(1).lower()]
            return f'<span class="l25-mention" data-user="{user_id}">@{escape(match.group(1))}</span>'

        # Only in text, never inside tags or attributes: split the HTML at tags.
        parts = re.split(r"(<[^>]+>)", html)
        html = "".join(part if part.startswith("<") else pattern.sub(mark, part) for part in parts)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )

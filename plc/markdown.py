"""A Markdown subset for discussion messages, rendered with markdown-it-py and sanitised with nh3.

Allowed: paragraphs, emphasis, lists, links, inline code and code blocks, quotes. Raw HTML in the
source is not rendered; whatever markdown-it produces is sanitised again with an allow-list, and
links get ``rel="noopener nofollow"``. Mentions are ``@`` followed by a PLG member's display name.

Mentions are a rule of the Markdown parser (``mentions_plugin``), not a search in the rendered
HTML: an ``@Name`` in code, in a link's text or URL, or escaped as ``\\@Name`` is no mention, and
the members notified are exactly the ones highlighted, because both come from the same tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

ALLOWED_TAGS = {"p", "br", "em", "strong", "s", "del", "ul", "ol", "li", "a", "code", "pre", "blockquote", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "span": {"class", "data-user"}, "ol": {"start"}}

_MEMBERS = "lernen25_mention_members"  # key of the members in markdown-it's per-call ``env``
# "anna@Name" is an e-mail address and "@@Name" no mention; "_@Name_" is emphasis around one.
_NOT_BEFORE_MENTION = re.compile(r"[^\W_]|@")


@dataclass(frozen=True)
class _Members:
    """The names that can be mentioned in one message, and whom each one means."""

    pattern: re.Pattern  # one group per name
    user_ids: tuple[int, ...]  # the user id of each group, in order

    @classmethod
    def of(cls, members: Mapping[str, int]) -> _Members | None:
        names = [name for name in members if name.strip()]
        if not names:
            return None
        # Longest names first, so that "@Anna Lehmann" wins over "@Anna"; a name ends where no
        # letter, digit or hyphen follows ("@Anna Lehmann-Schulz" is not "@Anna Lehmann"). An
        # underscore may follow: in the source it is the end of emphasis, as in "_@Anna_".
        # The group that matched says who is meant: looking the text up lower-cased would miss
        # names that match only ignoring case, such as "@ilkay" for "İlkay".
        names.sort(key=len, reverse=True)
        alternatives = "|".join(f"({re.escape(name)})" for name in names)
        return cls(
            pattern=re.compile(rf"(?:{alternatives})(?![^\W_]|-)", re.IGNORECASE),
            user_ids=tuple(members[name] for name in names),
        )


def _mention_rule(state: StateInline, silent: bool) -> bool:
    """At an ``@`` that starts a member's display name: a ``mention`` token (not inside links)."""
    members: _Members | None = state.env.get(_MEMBERS)
    pos = state.pos
    if members is None or state.src[pos] != "@" or state.linkLevel > 0:
        return False
    if pos > 0 and _NOT_BEFORE_MENTION.match(state.src[pos - 1]):
        return False
    match = members.pattern.match(state.src, pos + 1, state.posMax)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "span", 0)
        token.content = match.group()  # as written, so the text reads as the author typed it
        token.meta = {"user_id": members.user_ids[match.lastindex - 1]}
    state.pos = match.end()
    return True


def _render_mention(self: RendererHTML, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    return f'<span class="l25-mention" data-user="{token.meta["user_id"]}">@{escapeHtml(token.content)}</span>'


def mentions_plugin(md: MarkdownIt) -> None:
    """markdown-it plugin: ``@Display Name`` of the members passed in ``env`` becomes a mention."""
    md.inline.ruler.push("mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)


_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True})
    .disable(["image", "heading", "lheading", "hr", "table"], ignoreInvalid=True)
    .enable(["strikethrough"], ignoreInvalid=True)
    .use(mentions_plugin)
)


def _parse(body: str, members: Mapping[str, int] | None) -> tuple[list[Token], dict]:
    env = {_MEMBERS: _Members.of(members or {})}
    return _md.parse(body, env), env


def _mentioned(tokens: Iterable[Token]) -> Iterator[int]:
    for token in tokens:
        if token.type == "mention":
            yield token.meta["user_id"]
        elif token.children:
            yield from _mentioned(token.children)


def render_with_mentions(body: str, members: Mapping[str, int] | None = None) -> tuple[str, set[int]]:
    """Markdown source → safe HTML and the user ids of the members mentioned, from one parse."""
    tokens, env = _parse(body, members)
    html = _md.renderer.render(tokens, _md.options, env)
    safe_html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )
    return safe_html, set(_mentioned(tokens))


def render(body: str, members: dict[str, int] | None = None) -> str:
    """Markdown source → safe HTML, with mentions of ``members`` (display name → id) highlighted."""
    return render_with_mentions(body, members)[0]


def find_mentions(body: str, members: dict[str, int]) -> set[int]:
    """User ids of the members (display name → id) mentioned as ``@Name`` in ``body``."""
    if not members:
        return set()
    tokens, _env = _parse(body, members)
    return set(_mentioned(tokens))

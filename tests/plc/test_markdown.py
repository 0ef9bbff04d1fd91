"""Discussion Markdown: mentions are a parser rule, so code and links keep their "@", and the
members notified (``find_mentions``) are exactly the ones highlighted (``render``)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plc.markdown import find_mentions, render, render_with_mentions

MEMBERS = {
    "Anna": 1,
    "Anna Lehmann": 2,
    "Jörg Müller-Lüdenscheidt": 3,
    "Özlem Şahin": 4,
    "Bernd": 5,
}


def mention(user_id: int, text: str) -> str:
    return f'<span class="l25-mention" data-user="{user_id}">@{text}</span>'


def mentioned_in_html(html: str) -> set[int]:
    return {int(user_id) for user_id in re.findall(r'data-user="(\d+)"', html)}


@pytest.mark.parametrize(
    ("body", "html"),
    [
        ("@Bernd bitte lesen", f"<p>{mention(5, 'Bernd')} bitte lesen</p>"),
        ("Frage an @Bernd: passt das?", f"<p>Frage an {mention(5, 'Bernd')}: passt das?</p>"),
        ("Danke (@Bernd)!", f"<p>Danke ({mention(5, 'Bernd')})!</p>"),
        ("Danke,@Bernd.", f"<p>Danke,{mention(5, 'Bernd')}.</p>"),
        ("**@Bernd** und _@Anna_", f"<p><strong>{mention(5, 'Bernd')}</strong> und <em>{mention(1, 'Anna')}</em></p>"),
        ("__@Anna Lehmann__", f"<p><strong>{mention(2, 'Anna Lehmann')}</strong></p>"),
        ("Zeile\n@Bernd", f"<p>Zeile<br>\n{mention(5, 'Bernd')}</p>"),
        (
            "- @Bernd\n\n> @Anna",
            f"<ul>\n<li>{mention(5, 'Bernd')}</li>\n</ul>\n<blockquote>\n<p>{mention(1, 'Anna')}</p>\n</blockquote>",
        ),
    ],
)
def test_a_mention_anywhere_in_the_text_is_highlighted(body, html):
    assert render(body, MEMBERS).strip() == html


def test_names_with_spaces_umlauts_and_hyphens_are_mentioned():
    html, mentioned = render_with_mentions("@Jörg Müller-Lüdenscheidt und @Özlem Şahin, bitte.", MEMBERS)

    assert mention(3, "Jörg Müller-Lüdenscheidt") in html
    assert mention(4, "Özlem Şahin") in html
    assert mentioned == {3, 4}


def test_the_longest_name_wins():
    assert find_mentions("@Anna Lehmann, kommst du?", MEMBERS) == {2}
    assert find_mentions("@Anna, kommst du?", MEMBERS) == {1}
    assert mention(2, "Anna Lehmann") in render("@Anna Lehmann, kommst du?", MEMBERS)


def test_a_name_ends_where_no_letter_or_hyphen_follows():
    # "@Anna Lehmann-Schulz" is not Anna Lehmann; the shorter "Anna" still fits, as before.
    assert find_mentions("@Anna Lehmann-Schulz", MEMBERS) == {1}
    assert find_mentions("@Annabell und @Bernd-Peter", MEMBERS) == set()


def test_case_does_not_matter_and_the_text_stays_as_written():
    html, mentioned = render_with_mentions("@anna lehmann und @BERND", MEMBERS)

    assert mentioned == {2, 5}
    assert mention(2, "anna lehmann") in html and mention(5, "BERND") in html


def test_a_name_that_matches_only_ignoring_case_is_still_found():
    # "İ".lower() is "i" plus a combining dot, yet "@ilkay" matches "İlkay" ignoring case.
    assert find_mentions("@ilkay, hast du Zeit?", {"İlkay Yıldız": 6, "İlkay": 9}) == {9}
    assert find_mentions("@ilkay yıldız, hast du Zeit?", {"İlkay Yıldız": 6, "İlkay": 9}) == {6}


@pytest.mark.parametrize(
    "body",
    [
        "`@Bernd` ist der Platzhalter",
        "```\n@Bernd\n```",
        "    @Bernd im eingerückten Code",
        "[@Bernd](https://example.org/profil)",
        "[Profil von **@Bernd**](https://example.org/profil)",
        "<https://example.org/@Bernd>",
        "[Profil](https://example.org/@Bernd)",
        "Post an bernd@Bernd.example.org",
        "@@Bernd",
        "\\@Bernd ist nur Text",
    ],
)
def test_no_mention_in_code_links_addresses_or_escaped(body):
    html, mentioned = render_with_mentions(body, MEMBERS)

    assert mentioned == set() == find_mentions(body, MEMBERS)
    assert "l25-mention" not in html
    assert "@Bernd" in html


def test_mention_next_to_code_and_links_is_still_a_mention():
    body = "`code` @Bernd [Link](https://example.org) @Anna"

    assert find_mentions(body, MEMBERS) == {5, 1}
    assert mentioned_in_html(render(body, MEMBERS)) == {5, 1}


def test_unknown_names_and_no_members_leave_the_text_alone():
    assert render("@Sam Schulz fragt", MEMBERS).strip() == "<p>@Sam Schulz fragt</p>"
    assert render("@Bernd fragt").strip() == "<p>@Bernd fragt</p>"
    assert render("@Bernd fragt", {}).strip() == "<p>@Bernd fragt</p>"
    assert find_mentions("@Bernd fragt", {}) == set()


def test_a_display_name_with_markup_is_escaped():
    members = {'<img src=x onerror="alert(1)">': 7, "Tom & Jerry": 8}

    html, mentioned = render_with_mentions('@<img src=x onerror="alert(1)"> und @Tom & Jerry', members)

    assert mentioned == {7, 8}
    assert "<img" not in html
    assert mention(7, '&lt;img src=x onerror="alert(1)"&gt;') in html
    assert mention(8, "Tom &amp; Jerry") in html


def test_raw_html_around_a_mention_is_escaped_and_sanitised():
    html = render('<span class="l25-mention" data-user="5">@Fake</span> <script>x()</script> @Bernd', MEMBERS)

    assert mentioned_in_html(html) == {5}
    assert html.count("<span") == 1
    assert "<script" not in html and "&lt;script&gt;" in html


# Fragments of messages: names, near-misses, Markdown that hides or wraps a mention.
fragments = st.sampled_from(
    [
        "@Anna",
        "@Anna Lehmann",
        "@anna lehmann-",
        "@Bernd",
        "@Jörg Müller-Lüdenscheidt",
        "@Sam",
        "@",
        "x@Bernd",
        "\\@",
        "`",
        "[",
        "](https://example.org/@Anna)",
        "<https://example.org/",
        ">",
        "*",
        "_",
        "~~",
        " ",
        "\n",
        "\n\n",
        "    ",
        "- ",
        "> ",
        "Text",
        ",",
        "(",
        ")",
    ]
)


@given(body=st.lists(fragments, max_size=25).map("".join))
@settings(max_examples=300, deadline=None)
def test_the_members_notified_are_the_members_highlighted(body):
    html, mentioned = render_with_mentions(body, MEMBERS)

    assert find_mentions(body, MEMBERS) == mentioned == mentioned_in_html(html)

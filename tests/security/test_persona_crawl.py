"""Pages advertise only what exists: every link shown to a persona leads to a page that persona may see.

The demo data set (``seed_demo``, small) and its accounts, one per role, plus a visitor who is not
signed in. From the home page each follows every link of ``<a href>`` on our pages, breadth first,
with redirects, and records any that ends in 403 or 404 (or any 4xx/5xx). Wagtail's admin is
visited at its entry point only (its inner links are Wagtail's), downloads are fetched but not read.
A link of a kind (its URL name) is followed a few times, not for every PLG and person.
"""

from __future__ import annotations

import collections
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve

from lernen25.demo import DEMO_ACCOUNTS
from tests.demo_helpers import SMALL, seed

pytestmark = [pytest.mark.django_db, pytest.mark.needs_app("plc")]

PER_KIND = 3  # links of one URL name followed per persona
MAX_PAGES = 250  # per persona: a bound, far above what the demo data shows
NOT_FOLLOWED = ("/static/", "/media/", "/i18n/", "/accounts/logout/")
NOT_READ = ("/admin/", "/django-admin/", "/dokumente/", "/healthz")  # fetched, their links not followed


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Links(HTMLParser):
    """The hrefs of the links a person sees: not those inside an element with ``hidden``."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.open: list[tuple[str, bool]] = []  # (tag, hidden) of the elements we are in

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = "hidden" in attrs or (bool(self.open) and self.open[-1][1])
        if tag == "a" and not hidden and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag not in VOID:
            self.open.append((tag, hidden))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break


def links_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        url, _fragment = urldefrag(href)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue  # another site, mailto:, a fragment of this page
        if parts.path.startswith(NOT_FOLLOWED):
            continue
        found.append(url)
    return found


def kind_of(url: str) -> str:
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return path
    if match.url_name == "wagtail_serve":
        return "page:" + "/".join(path.strip("/").split("/")[:1])
    return match.view_name


def crawl(client: Client) -> list[str]:
    """Every broken link: "<status> <url> (linked from <page>)"."""
    queue = collections.deque([("/", "start")])
    seen, kinds, broken = {"/"}, collections.Counter(), []
    pages = 0
    while queue and pages < MAX_PAGES:
        url, source = queue.popleft()
        response = client.get(url, follow=True)
        pages += 1
        if response.status_code >= 400:
            broken.append(f"{response.status_code} {url} (linked from {source})")
            continue
        content_type = response.get("Content-Type", "")
        if urlsplit(url).path.startswith(NOT_READ) or not content_type.startswith("text/html"):
            continue
        for link in links_of(response.content.decode()):
            kind = kind_of(link)
            if link in seen or kinds[kind] >= PER_KIND:
                continue
            seen.add(link)
            kinds[kind] += 1
            queue.append((link, url))
    return broken


@pytest.fixture
def demo_world(db):
    seed(*SMALL)


@pytest.mark.parametrize("email", [None, *(account.email for account in DEMO_ACCOUNTS)])
def test_no_link_shown_to_a_persona_ends_in_403_or_404(demo_world, email):
    client = Client()
    if email:
        client.force_login(get_user_model().objects.get(email=email))

    broken = crawl(client)
    assert not broken, "\n".join(broken)

"""Links shared in a PLG are https:// only: the form's hint, the form and the service agree (issue 20).

The site is served over HTTPS and the city's policy refuses unencrypted targets, so an ``http://``
address is refused with its own German message; anything that is not a web address at all
(``javascript:``, ``ftp:``, a bare host name) with the general one.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from plc import services
from plc.forms import LinkForm
from plc.models import PlgLink
from tests.plc.helpers import INVALID

UNENCRYPTED = (
    "Unverschlüsselte Links (http://) können nicht geteilt werden. "
    "Bitte verwenden Sie die Adresse, die mit https:// beginnt."
)
NOT_A_WEB_ADDRESS = "Bitte geben Sie eine Webadresse ein, die mit https:// beginnt."


def _form(url: str) -> LinkForm:
    with translation.override("de"):
        form = LinkForm({"title": "Material", "url": url})
        form.is_valid()
    return form


# --- The form ---------------------------------------------------------------------------------


def test_form_hint_asks_for_https():
    with translation.override("de"):
        assert str(LinkForm().fields["url"].help_text) == "Beginnend mit https://"


def test_form_accepts_an_https_address_without_surrounding_spaces():
    form = _form("  https://medienkompetenzrahmen.nrw/  ")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["url"] == "https://medienkompetenzrahmen.nrw/"


@pytest.mark.parametrize("url", ["http://example.org/material", "HTTP://example.org/"])
def test_form_refuses_an_unencrypted_address_in_german(url):
    form = _form(url)

    assert not form.is_valid()
    assert form.errors["url"] == [UNENCRYPTED]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/plan.pdf", "www.schulministerium.nrw"])
def test_form_refuses_what_is_not_a_web_address_in_german(url):
    form = _form(url)

    assert form.errors["url"] == [NOT_A_WEB_ADDRESS]


# --- The service ------------------------------------------------------------------------------


def test_service_refuses_an_unencrypted_address(open_plg, lehrkraft_a, assert_refused):
    assert_refused(
        services.add_link,
        UNENCRYPTED,
        INVALID,
        actor=lehrkraft_a,
        plg=open_plg,
        title="Material",
        url="http://example.org/material",
    )


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", ""])
def test_service_refuses_what_is_not_a_web_address(open_plg, lehrkraft_a, assert_refused, url):
    assert_refused(
        services.add_link, NOT_A_WEB_ADDRESS, INVALID, actor=lehrkraft_a, plg=open_plg, title="Link", url=url
    )


def test_service_shares_an_https_address(open_plg, lehrkraft_a):
    link = services.add_link(actor=lehrkraft_a, plg=open_plg, title="", url="https://example.org/material")

    assert (link.url, link.title) == ("https://example.org/material", "https://example.org/material")


# --- The page ---------------------------------------------------------------------------------


def test_member_who_posts_an_http_link_sees_the_german_error_and_nothing_is_shared(client, open_plg, lehrkraft_a):
    client.force_login(lehrkraft_a)

    response = client.post(
        reverse("plc:add_link", kwargs={"pk": open_plg.pk}), {"title": "Material", "url": "http://example.org/"}
    )

    assert response.status_code == 400
    assert UNENCRYPTED in response.content.decode()
    assert not PlgLink.objects.exists()


def test_member_who_posts_an_https_link_shares_it(client, open_plg, lehrkraft_a):
    client.force_login(lehrkraft_a)

    response = client.post(
        reverse("plc:add_link", kwargs={"pk": open_plg.pk}), {"title": "Material", "url": "https://example.org/"}
    )

    assert response.status_code == 302
    assert PlgLink.objects.get().url == "https://example.org/"

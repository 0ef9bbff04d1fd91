"""Fixtures of the whole-site URL matrix: the cast as signed-in clients, and a world of objects.

The personas are the ones of ``tests/conftest.py``. ``World`` holds what a row's URL points at (a
PLG of some visibility and the things in it, a pending confirmation, a proposal, ...), built with
the real services the first time a row asks for it. Objects come only from services and model
classes, never from views, so the matrix survives a refactoring of the view modules.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from functools import cached_property
from http.cookies import SimpleCookie

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

# The columns of the matrix, in this order.
PERSONAS = (
    "guest",  # nobody signed in
    "signed_up",  # verified, confirmed by no school: a guest of the network
    "lehrkraft_a",  # teacher of school A; member of every PLG below
    "lehrkraft_b",  # teacher of school B: the outsider
    "plg_leitung",  # teacher of school A; leads every PLG below
    "medienbeauftragte_a",  # school A's media coordinator
    "schulleitung_a",  # school A's principal (TOTP)
    "smz",  # curates and moderates the network (TOTP)
    "datenschutz",  # data-protection officer (TOTP)
    "schultraeger",  # the city's school board office (TOTP)
    "admin_user",  # superuser (TOTP)
)

PLG_TITLES = {
    "open": "Tablets im Mathematikunterricht",
    "on_request": "Erklärvideos im Sachunterricht",
    "closed": "Geschlossene Schulleitungsrunde Nord",
}


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Nothing leaves the machine: an OpenID Connect login would ask its issuer for discovery."""

    def refuse(session, method, url, *args, **kwargs):
        raise requests.ConnectionError(f"tests/security: no network ({method} {url})")

    monkeypatch.setattr(requests.Session, "request", refuse)


@pytest.fixture
def cast(request, db, school_a, school_b) -> dict:
    """Persona name -> user (``None`` for the guest)."""
    return {name: None if name == "guest" else request.getfixturevalue(name) for name in PERSONAS}


@pytest.fixture(scope="module")
def matrix_client() -> Client:
    """One client for the module: building a client's handler (WhiteNoise scans the static files)
    costs more than a dozen requests. A 500 is a status like any other here, not an exception."""
    return Client(raise_request_exception=False)


@pytest.fixture
def sessions(matrix_client, cast) -> dict[str, SimpleCookie]:
    """Persona name -> the cookies of a client signed in as that persona.

    The powerful personas have a TOTP authenticator (``tests.factories.with_totp``), so their
    powers hold without passing allauth's second-factor stage: ``force_login`` is enough, as in
    ``tests/lernen25/test_mfa.py``.
    """
    jars = {}
    for name, user in cast.items():
        matrix_client.cookies = SimpleCookie()
        if user is not None:
            matrix_client.force_login(user)
        jars[name] = copy.deepcopy(matrix_client.cookies)
    return jars


@pytest.fixture
def world(cast, school_a, school_b) -> World:
    return World(cast, school_a, school_b)


def upload(name: str = "plan.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 plan", content_type="application/pdf")


class World:
    """Everything a row's URL may point at; each object is made on first use."""

    def __init__(self, cast: dict, school_a, school_b):
        self.cast, self.school_a, self.school_b = cast, school_a, school_b
        self._scenes: dict[str, Scene] = {}

    def __getitem__(self, persona: str):
        return self.cast[persona]

    def scene(self, visibility: str | None) -> Scene | World:
        """The PLG of that visibility with its content (``None``: the world without a PLG)."""
        if visibility is None:
            return self
        if visibility not in self._scenes:
            self._scenes[visibility] = Scene(self, self._make_plg(visibility))
        return self._scenes[visibility]

    def _make_plg(self, visibility: str):
        """A PLG led by plg_leitung, with lehrkraft_a as member (the fixtures of tests/plc)."""
        from plc import services
        from plc.models import PlgKind, Visibility

        lead, member = self["plg_leitung"], self["lehrkraft_a"]
        plg = services.create_plg(
            actor=None,
            system=True,
            title=PLG_TITLES[visibility],
            kind=PlgKind.LESSON_DEVELOPMENT,
            visibility=Visibility(visibility),
            leads=[lead],
            goals="<p>Gemeinsam Unterricht entwickeln.</p>",
        )
        services.invite_member(actor=lead, plg=plg, user=member)
        services.accept_invitation(actor=member, invitation=plg.invitations.get(email=member.email))
        return plg

    # --- Objects outside a PLG -----------------------------------------------------------------

    @cached_property
    def teacher_affiliation(self):
        """lehrkraft_a's confirmation as a teacher of school A."""
        from lernen25.models import Affiliation

        return Affiliation.objects.active().get(user=self["lehrkraft_a"], school=self.school_a)

    @cached_property
    def teacher_affiliation_b(self):
        """lehrkraft_b's confirmation as a teacher of school B."""
        from lernen25.models import Affiliation

        return Affiliation.objects.active().get(user=self["lehrkraft_b"], school=self.school_b)

    def _applicant(self, email: str):
        from tests.factories import UserFactory, verified

        return verified(UserFactory(email=email, first_name="Paula", last_name="Neu"))

    @cached_property
    def pending_confirmation(self):
        """A newcomer's open request to be confirmed as a teacher of school A."""
        from lernen25.services import request_confirmation

        applicant = self._applicant("bewerbung-a@example.org")
        return request_confirmation(actor=applicant, school=self.school_a, message="Ich unterrichte Mathe.")

    @cached_property
    def pending_confirmation_b(self):
        """A newcomer's open request to be confirmed as a teacher of school B."""
        from lernen25.services import request_confirmation

        applicant = self._applicant("bewerbung-b@example.org")
        return request_confirmation(actor=applicant, school=self.school_b, message="Ich unterrichte Sport.")

    @cached_property
    def forgetful(self):
        """Somebody (no persona, never signed in here) who asked for a new password."""
        return self._applicant("vergesslich@example.org")

    @cached_property
    def unconfirmed_address(self):
        """A second, unverified address of somebody (no persona: an unverified address would keep a
        persona from setting up two-factor sign-in), waiting for the click in the mail."""
        from allauth.account.models import EmailAddress

        user = self._applicant("umzug@example.org")
        return EmailAddress.objects.create(user=user, email="neue-adresse@example.org", verified=False)

    @cached_property
    def proposal(self):
        """lehrkraft_a's PLG proposal, waiting for the SMZ."""
        from plc import services
        from plc.models import PlgKind, Visibility

        return services.propose_plg(
            actor=self["lehrkraft_a"],
            title="Robotik in der Grundschule",
            kind=PlgKind.LESSON_DEVELOPMENT,
            goals="Gemeinsam ausprobieren.",
            visibility=Visibility.OPEN,
        )

    @cached_property
    def signon(self):
        """School A's own sign-on: an OpenID Connect issuer that is never reached."""
        from sso.models import SchoolSignOn

        return SchoolSignOn.objects.create(
            school=self.school_a,
            provider_id="iserv-165432",
            name="IServ Gesamtschule Meiderich",
            server_url="https://ge-meiderich.example/iserv/oauth",
            client_id="lernen25-a",
            secret="geheim-a",
        )

    @cached_property
    def collection_restriction(self):
        """A password-protected document collection (Wagtail's own restriction)."""
        from wagtail.models import Collection, CollectionViewRestriction

        collection = Collection.get_first_root_node().add_child(name="Geschützte Dokumente")
        return CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=CollectionViewRestriction.PASSWORD, password="geheim"
        )

    @cached_property
    def page_restriction(self):
        """A password restriction on a page below the home page (Wagtail's own restriction)."""
        from wagtail.models import Page, PageViewRestriction

        home = Page.objects.get(depth=2)
        page = home.add_child(instance=Page(title="Geschützte Seite", slug="geschuetzt"))
        return PageViewRestriction.objects.create(
            page=page, restriction_type=PageViewRestriction.PASSWORD, password="geheim"
        )


class Scene:
    """One PLG and what is in it; other attributes come from the world."""

    def __init__(self, world: World, plg):
        self.world, self.plg = world, plg

    def __getattr__(self, name):
        return getattr(self.world, name)

    def __getitem__(self, persona: str):
        return self.world[persona]

    def furnish(self) -> Scene:
        """Create everything at once, so that every row finds the same PLG whatever ran before."""
        for name in ("file", "link", "meeting", "message", "invitation"):
            getattr(self, name)
        if self.plg.visibility == "on_request":
            self.join_request  # noqa: B018 (creates it)
        return self

    @cached_property
    def file(self):
        """A PDF shared by the member (they and the managers may delete it)."""
        from plc import services

        return services.upload_file(actor=self["lehrkraft_a"], plg=self.plg, upload=upload(), title="Stundenplan")

    @cached_property
    def link(self):
        """A link shared by the member."""
        from plc import services

        return services.add_link(actor=self["lehrkraft_a"], plg=self.plg, title="GeoGebra", url="https://example.org")

    @cached_property
    def meeting(self):
        from plc import services

        start = timezone.now() + timedelta(days=2)
        return services.schedule_meeting(
            actor=self["plg_leitung"],
            plg=self.plg,
            title="Termin",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="SMZ",
        )

    @cached_property
    def topic(self):
        from plc import services

        return services.create_topic(actor=self["plg_leitung"], plg=self.plg, title="Thema", body="Erster Beitrag")

    @cached_property
    def message(self):
        """A message written by the member (only they may edit it)."""
        from plc import services

        return services.post_message(actor=self["lehrkraft_a"], topic=self.topic, body="Von Anna")

    @cached_property
    def invitation(self):
        """An open invitation of somebody without an account."""
        from plc import services

        return services.invite_member(actor=self["plg_leitung"], plg=self.plg, email="gast@schule-c.de")

    @cached_property
    def invitation_of_outsider(self):
        """An open invitation of lehrkraft_b: only they may answer it (not furnished: it would make
        lehrkraft_b an invitee of every PLG, no longer the outsider)."""
        from plc import services

        return services.invite_member(actor=self["plg_leitung"], plg=self.plg, user=self["lehrkraft_b"])

    @cached_property
    def join_request(self):
        """lehrkraft_b's open request to join (only on-request PLGs take requests)."""
        from plc import services

        return services.request_membership(actor=self["lehrkraft_b"], plg=self.plg, message="Bitte")

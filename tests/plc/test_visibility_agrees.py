"""The visibility rules and their querysets agree, for every persona.

``plc.permissions`` holds each "who may see it" rule twice: as a predicate (asked for one object
by views, services, templates, the document hook) and as a queryset (lists, search, the action
views' loader). For every persona and every kind of PLG and result — open, on request, closed,
archived, a draft nobody may see on the site — both must give the same answer.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from lernen25.permissions import allowed
from plc import services
from plc.models import PlgStatus, Result, Visibility
from plc.permissions import plgs_visible_to, results_visible_to
from plc.selectors import pending_invitations_for
from tests.plc.helpers import make_plg, pdf

PERSONAS = (
    "guest",
    "signed_up",
    "lehrkraft_a",
    "lehrkraft_b",
    "plg_leitung",
    "medienbeauftragte_a",
    "schulleitung_a",
    "smz",
    "datenschutz",
    "schultraeger",
    "admin_user",
)


@pytest.fixture
def world(open_plg, request_plg, closed_plg, plg_leitung, lehrkraft_a):
    archived = make_plg(title="Abgeschlossene PLG", visibility=Visibility.OPEN, lead=plg_leitung, member=lehrkraft_a)
    archived.status = PlgStatus.ARCHIVED
    archived.save_revision().publish()
    draft = make_plg(title="Entwurf einer PLG", visibility=Visibility.OPEN, lead=plg_leitung, member=lehrkraft_a)
    shared = {
        plg.pk: services.upload_file(actor=plg_leitung, plg=plg, upload=pdf(f"{plg.slug}.pdf"))
        for plg in (open_plg, request_plg, closed_plg)
    }
    services.upload_file(actor=plg_leitung, plg=closed_plg, upload=pdf("intern.pdf"))
    for plg in (closed_plg, draft):
        materials = [shared[plg.pk]] if plg.pk in shared else []
        services.publish_result(
            actor=plg_leitung, plg=plg, title=f"Ergebnis {plg.title}", tried="a", worked="b", materials=materials
        )
    services.invite_member(actor=plg_leitung, plg=closed_plg, email="bernd.lehrer@schule-b.de")
    services.invite_member(actor=plg_leitung, plg=draft, email="bernd.lehrer@schule-b.de")
    draft.unpublish()
    return [open_plg, request_plg, closed_plg, archived.specific, draft.specific]


def _cast(request):
    """Every persona (built once for the test), the guest as an anonymous user."""
    return {name: AnonymousUser() if name == "guest" else request.getfixturevalue(name) for name in PERSONAS}


def test_visible_plgs_are_exactly_those_the_rule_allows(request, world):
    plgs = [plg.__class__.objects.get(pk=plg.pk) for plg in world]  # fresh rows: live, status as stored
    for persona, user in _cast(request).items():
        by_rule = {plg.title for plg in plgs if allowed(user, "plc.view_plg", plg)}
        by_query = set(plgs_visible_to(user).values_list("title", flat=True))

        assert (persona, by_query) == (persona, by_rule)


def test_visible_results_are_exactly_those_the_rule_allows(request, world):
    assert Result.objects.count() == 2
    for persona, user in _cast(request).items():
        by_rule = {result.title for result in Result.objects.all() if allowed(user, "plc.view_result", result)}
        by_query = set(results_visible_to(user).values_list("title", flat=True))

        assert (persona, by_query) == (persona, by_rule)


def test_answerable_invitations_are_exactly_those_the_rule_allows(request, world):
    from plc.models import Invitation, InvitationStatus

    pending = Invitation.objects.filter(status=InvitationStatus.PENDING, plg__live=True)
    for persona, user in _cast(request).items():
        by_rule = {invitation.pk for invitation in pending if allowed(user, "plc.answer_invitation", invitation)}
        by_query = set(pending_invitations_for(user).values_list("pk", flat=True))

        assert (persona, by_query) == (persona, by_rule)


def test_downloadable_documents_are_exactly_those_the_rule_allows(request, world):
    from wagtail.documents import get_document_model

    from plc.permissions import documents_visible_to

    documents = get_document_model().objects.all()
    assert documents.count() == 4
    for persona, user in _cast(request).items():
        by_rule = {d.title for d in documents if allowed(user, "plc.download_document", d)}
        by_query = set(documents_visible_to(user, documents).values_list("title", flat=True))

        assert (persona, by_query) == (persona, by_rule)


def test_a_draft_plg_is_seen_by_nobody_on_the_site(world, smz, lehrkraft_a):
    draft = world[-1].__class__.objects.get(pk=world[-1].pk)

    assert not draft.live
    assert not allowed(smz, "plc.view_plg", draft) and not allowed(lehrkraft_a, "plc.view_plg", draft)

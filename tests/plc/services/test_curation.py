"""PLG curation (plc/services/curation.py): creating PLGs, proposals, featuring and status.

Each test acts as one persona through ``plc.services`` and checks what people would see: the database,
the change log (audit events), notifications, and mails (sent after commit, so mail-sending calls run
inside ``django_capture_on_commit_callbacks(execute=True)``). A refused call is checked with
``assert_refused`` (tests/conftest.py): exact German message, kind, and nothing written or sent.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from wagtail.models import Collection

from plc import selectors, services
from plc.models import Membership, MembershipRole, PlgIndexPage, PlgKind, PlgPage, PlgStatus, ProposalStatus, Visibility
from tests.plc.helpers import CONFLICT, FORBIDDEN, INVALID, OPEN_TITLE, audit_event, notes

# --- Creating PLGs ----------------------------------------------------------------------------------


def test_smz_creates_a_published_plg_with_collection_and_leads(
    smz, plg_leitung, lehrkraft_a, school_a, django_capture_on_commit_callbacks
):
    title = "Künstliche Intelligenz im Deutschunterricht"

    with django_capture_on_commit_callbacks(execute=True):
        plg = services.create_plg(
            actor=smz,
            title=title,
            kind=PlgKind.INNOVATION,
            goals="<p>KI-Werkzeuge erproben.</p>",
            visibility=Visibility.ON_REQUEST,
            leads=[plg_leitung, lehrkraft_a],
            schools=[school_a],
            start_date=date(2025, 8, 1),
            end_date=date(2026, 7, 31),
        )

    plg = PlgPage.objects.get(pk=plg.pk)
    assert plg.live and not plg.has_unpublished_changes
    assert isinstance(plg.get_parent().specific, PlgIndexPage)
    assert plg.url == "/plg/kunstliche-intelligenz-im-deutschunterricht/"
    assert (plg.kind, plg.visibility, plg.status) == (PlgKind.INNOVATION, Visibility.ON_REQUEST, PlgStatus.ACTIVE)
    assert list(plg.schools.all()) == [school_a]
    assert plg.collection.name == f"PLG: {title}"
    assert plg.collection.get_parent() == Collection.get_first_root_node()
    assert set(Membership.objects.filter(plg=plg).values_list("user", "role")) == {
        (plg_leitung.pk, MembershipRole.LEAD),
        (lehrkraft_a.pk, MembershipRole.LEAD),
    }
    event = audit_event("plc.plg.created")
    assert (event.actor, event.data["plg"], sorted(event.data["leads"])) == (
        smz,
        plg.pk,
        sorted([plg_leitung.pk, lehrkraft_a.pk]),
    )
    assigned = notes("plc.lead.assigned")
    assert {note.recipient for note in assigned} == {plg_leitung, lehrkraft_a}
    assert {note.text for note in assigned} == {f"Sie leiten die neue PLG „{title}“."}
    assert sorted(message.to[0] for message in mail.outbox) == sorted([plg_leitung.email, lehrkraft_a.email])


def test_a_second_plg_with_the_same_title_gets_its_own_address(open_plg, smz, plg_leitung):
    twin = services.create_plg(actor=smz, title=OPEN_TITLE, kind=PlgKind.SUBJECT_GROUP, leads=[plg_leitung])

    assert twin.url == "/plg/tablets-im-mathematikunterricht-1/"  # Wagtail's find_available_slug
    assert twin.collection != open_plg.collection


def test_teacher_cannot_create_a_plg(lehrkraft_a, assert_refused):
    assert_refused(
        services.create_plg,
        "Nur das SMZ darf PLGs anlegen.",
        FORBIDDEN,
        actor=lehrkraft_a,
        title="Eigene PLG",
        kind=PlgKind.LESSON_DEVELOPMENT,
        leads=[lehrkraft_a],
    )


def test_plg_without_leads_is_refused(smz, assert_refused):
    assert_refused(
        services.create_plg,
        "Eine PLG braucht mindestens eine Leitung.",
        INVALID,
        actor=smz,
        title="Ohne Leitung",
        kind=PlgKind.LESSON_DEVELOPMENT,
        leads=[],
    )


def test_plg_ending_before_it_starts_is_refused(smz, plg_leitung, assert_refused):
    assert_refused(
        services.create_plg,
        "Das Ende darf nicht vor dem Beginn liegen.",
        INVALID,
        actor=smz,
        title="Rückwärts",
        kind=PlgKind.LESSON_DEVELOPMENT,
        leads=[plg_leitung],
        start_date=date(2026, 2, 1),
        end_date=date(2026, 1, 31),
    )


# --- Proposals --------------------------------------------------------------------------------------


@pytest.fixture
def proposal(lehrkraft_a, smz):
    return services.propose_plg(
        actor=lehrkraft_a,
        title=" Lernvideos mit Tablets ",
        kind=PlgKind.INNOVATION,
        goals="Videos drehen.\n\nGemeinsam <auswerten>.",
        visibility=Visibility.OPEN,
    )


def test_teacher_proposes_a_plg_and_the_smz_is_notified(lehrkraft_a, smz, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = services.propose_plg(
            actor=lehrkraft_a,
            title=" Lernvideos mit Tablets ",
            kind=PlgKind.INNOVATION,
            goals="Videos drehen.",
            visibility=Visibility.OPEN,
        )

    proposal.refresh_from_db()
    assert (proposal.title, proposal.status, proposal.proposed_by) == (
        "Lernvideos mit Tablets",
        ProposalStatus.PENDING,
        lehrkraft_a,
    )
    assert audit_event("plc.proposal.created").actor == lehrkraft_a
    [note] = notes("plc.proposal.created")
    assert (note.recipient, note.text) == (smz, "Anna Lehmann schlägt eine neue PLG vor: „Lernvideos mit Tablets“.")
    assert [message.to for message in mail.outbox] == [[smz.email]]
    assert not PlgPage.objects.filter(title="Lernvideos mit Tablets").exists()


def test_role_without_propose_right_cannot_propose(datenschutz, assert_refused):
    assert_refused(
        services.propose_plg,
        "Sie dürfen keine PLGs vorschlagen.",
        FORBIDDEN,
        actor=datenschutz,
        title="Datenschutz-PLG",
        kind=PlgKind.INNOVATION,
        goals="Prüfen.",
        visibility=Visibility.OPEN,
    )


def test_smz_approves_a_proposal_creating_the_plg_with_the_proposer_as_lead(proposal, smz, lehrkraft_a):
    plg = services.approve_proposal(actor=smz, proposal=proposal)

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.plg_id) == (ProposalStatus.APPROVED, smz, plg.pk)
    plg = PlgPage.objects.get(pk=plg.pk)
    assert (plg.title, plg.kind, plg.visibility, plg.live) == (
        "Lernvideos mit Tablets",
        PlgKind.INNOVATION,
        Visibility.OPEN,
        True,
    )
    assert plg.goals == "<p>Videos drehen.</p><p>Gemeinsam &lt;auswerten&gt;.</p>"
    assert list(Membership.objects.filter(plg=plg).values_list("user", "role")) == [
        (lehrkraft_a.pk, MembershipRole.LEAD)
    ]
    assert audit_event("plc.proposal.approved").data["plg"] == plg.pk
    [note] = notes("plc.proposal.approved")
    assert (note.recipient, note.text) == (
        lehrkraft_a,
        "Ihr Vorschlag „Lernvideos mit Tablets“ wurde genehmigt; Sie leiten die neue PLG.",
    )


def test_smz_rejects_a_proposal_with_a_reason_the_proposer_reads(proposal, smz, lehrkraft_a):
    services.reject_proposal(actor=smz, proposal=proposal, reason="Eine solche PLG gibt es schon.")

    proposal.refresh_from_db()
    assert (proposal.status, proposal.reason, proposal.plg) == (
        ProposalStatus.REJECTED,
        "Eine solche PLG gibt es schon.",
        None,
    )
    [note] = notes("plc.proposal.rejected")
    assert (note.recipient, note.text) == (
        lehrkraft_a,
        "Ihr Vorschlag „Lernvideos mit Tablets“ wurde nicht genehmigt: Eine solche PLG gibt es schon.",
    )


def test_rejecting_a_proposal_needs_a_reason(proposal, smz, assert_refused):
    assert_refused(
        services.reject_proposal,
        "Bitte geben Sie eine Begründung an; die vorschlagende Person sieht sie.",
        INVALID,
        actor=smz,
        proposal=proposal,
        reason=" ",
    )


def test_deciding_a_proposal_twice_is_refused(proposal, smz, assert_refused):
    services.approve_proposal(actor=smz, proposal=proposal)

    assert_refused(
        services.approve_proposal,
        "Über diesen Vorschlag wurde bereits entschieden.",
        CONFLICT,
        actor=smz,
        proposal=proposal,
    )
    assert_refused(
        services.reject_proposal,
        "Über diesen Vorschlag wurde bereits entschieden.",
        CONFLICT,
        actor=smz,
        proposal=proposal,
        reason="Zu spät.",
    )


def test_teacher_cannot_decide_on_proposals(proposal, plg_leitung, assert_refused):
    assert_refused(
        services.approve_proposal,
        "Nur das SMZ darf über Vorschläge entscheiden.",
        FORBIDDEN,
        actor=plg_leitung,
        proposal=proposal,
    )
    assert_refused(
        services.reject_proposal,
        "Nur das SMZ darf über Vorschläge entscheiden.",
        FORBIDDEN,
        actor=plg_leitung,
        proposal=proposal,
        reason="Nein.",
    )


# --- Featuring and status ---------------------------------------------------------------------------


def test_smz_features_a_plg(open_plg, smz, lehrkraft_b):
    services.set_featured(actor=smz, plg=open_plg, featured=True)

    assert PlgPage.objects.get(pk=open_plg.pk).featured
    assert audit_event("plc.plg.featured").data["plg"] == open_plg.pk
    assert selectors.featured_plgs_for(lehrkraft_b) == [open_plg]


def test_lead_cannot_feature_a_plg(open_plg, plg_leitung, assert_refused):
    assert_refused(
        services.set_featured,
        "Nur das SMZ kann PLGs hervorheben.",
        FORBIDDEN,
        actor=plg_leitung,
        plg=open_plg,
        featured=True,
    )


def test_smz_archives_a_plg(open_plg, smz):
    services.set_status(actor=smz, plg=open_plg, status=PlgStatus.ARCHIVED)

    assert PlgPage.objects.get(pk=open_plg.pk).status == PlgStatus.ARCHIVED
    event = audit_event("plc.plg.status_changed")
    assert (event.data["plg"], event.data["old"], event.data["new"]) == (open_plg.pk, "active", "archived")


def test_only_the_smz_archives(open_plg, plg_leitung, assert_refused):
    assert_refused(
        services.set_status,
        "Nur das SMZ kann PLGs archivieren.",
        FORBIDDEN,
        actor=plg_leitung,
        plg=open_plg,
        status=PlgStatus.ARCHIVED,
    )
    assert PlgPage.objects.get(pk=open_plg.pk).status == PlgStatus.ACTIVE


def test_lead_may_mark_the_plg_completed(open_plg, plg_leitung):
    services.set_status(actor=plg_leitung, plg=open_plg, status=PlgStatus.COMPLETED)

    assert PlgPage.objects.get(pk=open_plg.pk).status == PlgStatus.COMPLETED


def test_lead_cannot_bring_back_a_plg_the_smz_archived(open_plg, smz, plg_leitung, assert_refused):
    """Archiving is the SMZ's decision; a lead must not undo it by setting another status."""
    services.set_status(actor=smz, plg=open_plg, status=PlgStatus.ARCHIVED)
    open_plg = PlgPage.objects.get(pk=open_plg.pk)

    assert_refused(
        services.set_status,
        "Nur das SMZ kann PLGs archivieren.",
        FORBIDDEN,
        actor=plg_leitung,
        plg=open_plg,
        status=PlgStatus.ACTIVE,
    )
    assert PlgPage.objects.get(pk=open_plg.pk).status == PlgStatus.ARCHIVED


def test_archiving_survives_the_next_edit_in_the_wagtail_admin(open_plg, smz):
    """Wagtail's editor starts from the latest revision; a status written past the revisions is undone."""
    services.set_status(actor=smz, plg=open_plg, status=PlgStatus.ARCHIVED)

    # An editor fixes the goals in the Wagtail admin and publishes, as the admin's edit view does.
    draft = PlgPage.objects.get(pk=open_plg.pk).get_latest_revision_as_object()
    draft.goals = "<p>Gemeinsam Unterricht entwickeln und auswerten.</p>"
    draft.save_revision(user=smz).publish()

    assert PlgPage.objects.get(pk=open_plg.pk).status == PlgStatus.ARCHIVED, "publishing un-archived the PLG"


def test_member_cannot_change_the_status(open_plg, lehrkraft_a, assert_refused):
    assert_refused(
        services.set_status,
        "Nur die PLG-Leitung und das SMZ können den Status ändern.",
        FORBIDDEN,
        actor=lehrkraft_a,
        plg=open_plg,
        status=PlgStatus.COMPLETED,
    )


def test_unknown_status_is_refused(open_plg, smz, assert_refused):
    assert_refused(services.set_status, "Unbekannter Status.", INVALID, actor=smz, plg=open_plg, status="paused")

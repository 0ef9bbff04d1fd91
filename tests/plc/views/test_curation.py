"""Curation pages (plc/views/curation.py): proposing a PLG and the SMZ deciding on proposals."""

from __future__ import annotations

from lernen25.models import Notification
from plc import services
from plc.models import Membership, PlgProposal, ProposalStatus, Visibility


def test_smz_approves_a_proposal_through_the_page(client, lehrkraft_b, smz):
    proposal = services.propose_plg(
        actor=lehrkraft_b,
        title="Robotik in der Grundschule",
        kind="innovation",
        goals="Calliope testen",
        visibility=Visibility.OPEN,
    )
    client.force_login(lehrkraft_b)
    assert client.post(f"/plg-vorschlaege/{proposal.pk}/entscheiden/", {"decision": "approve"}).status_code == 403

    client.force_login(smz)
    assert proposal.title in client.get("/plg-vorschlaege/").content.decode()
    response = client.post(f"/plg-vorschlaege/{proposal.pk}/entscheiden/", {"decision": "approve"})

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert response.status_code == 302 and response["Location"] == proposal.plg.url
    assert Membership.objects.get(plg=proposal.plg, user=lehrkraft_b).role == "lead"


def test_smz_declines_a_proposal_with_a_reason_the_proposer_reads(client, lehrkraft_b, smz):
    proposal = services.propose_plg(
        actor=lehrkraft_b, title="Doppelt", kind="innovation", goals="…", visibility=Visibility.OPEN
    )
    client.force_login(smz)

    client.post(f"/plg-vorschlaege/{proposal.pk}/entscheiden/", {"decision": "reject", "reason": "Gibt es schon."})

    client.force_login(lehrkraft_b)
    page = client.get("/plg-vorschlaege/").content.decode()
    assert PlgProposal.objects.get(pk=proposal.pk).status == ProposalStatus.REJECTED
    assert "Gibt es schon." in page
    assert Notification.objects.filter(recipient=lehrkraft_b, kind="plc.proposal.rejected").exists()


def test_teacher_proposes_a_plg_with_a_form_error_first(client, lehrkraft_b):
    client.force_login(lehrkraft_b)

    invalid = client.post("/plg-vorschlaege/", {"title": "", "kind": "innovation", "visibility": "open", "goals": ""})
    valid = client.post(
        "/plg-vorschlaege/", {"title": "Robotik", "kind": "innovation", "visibility": "open", "goals": "Calliope"}
    )

    assert invalid.status_code == 400
    assert "Bitte prüfen Sie Ihre Eingaben." in invalid.content.decode()
    assert valid.status_code == 302
    assert PlgProposal.objects.filter(title="Robotik", proposed_by=lehrkraft_b).count() == 1

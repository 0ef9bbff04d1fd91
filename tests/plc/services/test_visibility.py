"""Changing a PLG's visibility: the leads and the SMZ, on the site, audited (the admin shows it only)."""

from __future__ import annotations

from plc import services
from plc.models import PlgPage, Visibility
from tests.plc.helpers import CONFLICT, FORBIDDEN, INVALID, NOT_FOUND, audit_event


def test_lead_closes_an_open_plg_through_a_published_revision(open_plg, plg_leitung):
    services.set_visibility(actor=plg_leitung, plg=open_plg, visibility=Visibility.CLOSED)

    page = PlgPage.objects.get(pk=open_plg.pk)
    assert page.visibility == Visibility.CLOSED
    assert page.get_latest_revision().as_object().visibility == Visibility.CLOSED  # the admin's draft agrees
    event = audit_event("plc.plg.visibility_changed")
    assert (event.actor, event.data["old"], event.data["new"]) == (plg_leitung, "open", "closed")


def test_member_may_not_change_the_visibility(open_plg, lehrkraft_a, assert_refused):
    assert_refused(
        services.set_visibility,
        "Nur die PLG-Leitung und das SMZ können die Sichtbarkeit ändern.",
        FORBIDDEN,
        actor=lehrkraft_a,
        plg=open_plg,
        visibility=Visibility.CLOSED,
    )


def test_outsider_of_a_closed_plg_learns_nothing(closed_plg, lehrkraft_b, assert_refused):
    assert_refused(
        services.set_visibility,
        "Diese PLG gibt es nicht.",
        NOT_FOUND,
        actor=lehrkraft_b,
        plg=closed_plg,
        visibility=Visibility.OPEN,
    )


def test_the_same_visibility_again_is_a_conflict(request_plg, smz, assert_refused):
    assert_refused(
        services.set_visibility,
        "Die PLG hat diese Sichtbarkeit bereits.",
        CONFLICT,
        actor=smz,
        plg=request_plg,
        visibility=Visibility.ON_REQUEST,
    )


def test_unknown_visibility_is_refused(open_plg, smz, assert_refused):
    assert_refused(
        services.set_visibility, "Unbekannte Sichtbarkeit.", INVALID, actor=smz, plg=open_plg, visibility="secret"
    )

"""PLG fixtures: three PLGs of every visibility, led by `plg_leitung`, with `lehrkraft_a` as member.

`lehrkraft_b` is the outsider of all three; `smz` curates; `admin_user` is a superuser.
Everything is built with the real services, as the SMZ and the people would do it.
"""

from __future__ import annotations

import pytest

from plc import services
from plc.models import PlgKind, Visibility


def make_plg(*, title, visibility, lead, member=None, **kwargs):
    plg = services.create_plg(
        actor=None,
        system=True,
        title=title,
        kind=PlgKind.LESSON_DEVELOPMENT,
        visibility=visibility,
        leads=[lead],
        goals="<p>Gemeinsam Unterricht entwickeln.</p>",
        **kwargs,
    )
    if member is not None:
        services.invite_member(actor=lead, plg=plg, user=member)
        services.accept_invitation(actor=member, invitation=plg.invitations.get(email=member.email))
    return plg


@pytest.fixture
def open_plg(plg_leitung, lehrkraft_a, school_a):
    """Open: every teacher may see its content and join."""
    return make_plg(
        title="Tablets im Mathematikunterricht",
        visibility=Visibility.OPEN,
        lead=plg_leitung,
        member=lehrkraft_a,
        schools=[school_a],
    )


@pytest.fixture
def request_plg(plg_leitung, lehrkraft_a):
    """On request: every teacher sees the page, only members see the content; leads accept."""
    return make_plg(
        title="Erklärvideos im Sachunterricht", visibility=Visibility.ON_REQUEST, lead=plg_leitung, member=lehrkraft_a
    )


@pytest.fixture
def closed_plg(plg_leitung, lehrkraft_a):
    """Closed: invisible to everyone but members and the SMZ."""
    return make_plg(
        title="Geschlossene Schulleitungsrunde Nord", visibility=Visibility.CLOSED, lead=plg_leitung, member=lehrkraft_a
    )

"""PLG fixtures: three PLGs of every visibility, led by `plg_leitung`, with `lehrkraft_a` as member.

`lehrkraft_b` is the outsider of all three; `smz` curates; `admin_user` is a superuser.
Everything is built with the real services, as the SMZ and the people would do it
(``tests.plc.helpers.make_plg``). The discussion's ``topic`` is one of `lehrkraft_a` in the open PLG.

``fresh_realtime`` and ``restore_migrated_data`` are for the modules that talk to the WebSocket
(``pytest.mark.usefixtures``); its helpers are in ``tests.plc.sockets``.
"""

from __future__ import annotations

import pytest
from channels.layers import channel_layers
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection

from plc import services
from plc.models import Visibility
from tests.plc.helpers import CLOSED_TITLE, OPEN_TITLE, REQUEST_TITLE, make_plg


@pytest.fixture
def open_plg(plg_leitung, lehrkraft_a, school_a):
    """Open: every teacher may see its content and join."""
    return make_plg(
        title=OPEN_TITLE,
        visibility=Visibility.OPEN,
        lead=plg_leitung,
        member=lehrkraft_a,
        schools=[school_a],
    )


@pytest.fixture
def request_plg(plg_leitung, lehrkraft_a):
    """On request: every teacher sees the page, only members see the content; leads accept."""
    return make_plg(title=REQUEST_TITLE, visibility=Visibility.ON_REQUEST, lead=plg_leitung, member=lehrkraft_a)


@pytest.fixture
def closed_plg(plg_leitung, lehrkraft_a):
    """Closed: invisible to everyone but members and the SMZ."""
    return make_plg(title=CLOSED_TITLE, visibility=Visibility.CLOSED, lead=plg_leitung, member=lehrkraft_a)


@pytest.fixture
def topic(open_plg, lehrkraft_a):
    """A topic `lehrkraft_a` opened in the open PLG, with her first message."""
    return services.create_topic(actor=lehrkraft_a, plg=open_plg, title="Tablets in Klasse 7", body="Wer macht mit?")


@pytest.fixture
def fresh_realtime():
    """Rate limits and presence live in the cache, groups in the channel layer: both start empty."""
    cache.clear()
    channel_layers.backends.clear()
    yield
    cache.clear()
    channel_layers.backends.clear()


@pytest.fixture(scope="module")
def restore_migrated_data(django_db_setup, django_db_blocker):
    """Leave the database as the migrations made it for the tests that come after the module using this.

    For modules with ``transaction=True, serialized_rollback=True`` tests. pytest-django runs tests
    without a ``django_db`` marker (those that only use the ``db`` fixture) after the transactional
    ones. Django restores the serialised data at the *start* of a ``serialized_rollback`` test, so the
    flush after the last one would leave them an empty database (no content types, permissions,
    Wagtail root or PLG directory).
    """
    yield
    with django_db_blocker.unblock():
        serialized = getattr(connection, "_test_serialized_contents", None)
        if serialized and not ContentType.objects.exists():
            connection.creation.deserialize_db_from_string(serialized)

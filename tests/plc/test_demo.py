"""The PLG part of ``seed_demo`` (``plc/demo.py``, registered in ``lernen25.registry.demo_seeders``)."""

from __future__ import annotations

import pytest
from django.core import mail

from lernen25 import registry
from lernen25.models import AuditEvent, Notification
from plc.models import Membership, Message, PlgPage, Result
from tests.demo_helpers import SMALL, seed


def test_plc_registers_its_demo_seeder():
    assert "plc" in registry.demo_seeders


@pytest.mark.django_db
def test_demo_plgs_of_every_visibility_with_a_discussion_and_a_result():
    seed(*SMALL)

    plgs = {plg.title: plg for plg in PlgPage.objects.live()}
    assert {plg.visibility for plg in plgs.values()} == {"open", "on_request", "closed"}
    maths = plgs["Tablets im Mathematikunterricht"]
    assert maths.featured
    assert Membership.objects.get(plg=maths, user__email="plg-leitung@demo.lernen25.test").role == "lead"
    assert Membership.objects.filter(plg=maths, user__email="lehrkraft@demo.lernen25.test").exists()
    assert Message.objects.filter(plg=maths).count() == 2
    assert Result.objects.filter(plg=plgs["Padlet als digitale Pinnwand"]).exists()
    videos = plgs["Erklärvideos im Sachunterricht"]
    assert videos.join_requests.filter(user__email="lehrkraft@demo.lernen25.test").exists()


@pytest.mark.django_db
def test_the_plg_count_is_audited_with_the_cores_and_printed():
    output = seed(*SMALL)

    assert AuditEvent.objects.get(action="lernen25.demo.seeded").data["plgs"] == 4
    assert "\n  plc: 4 plgs\n" in output


@pytest.mark.django_db
def test_demo_members_join_through_the_services_and_seeding_sends_no_mail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed(*SMALL)

    # 9 join the maths PLG, 2 the padlet PLG: audited and announced to the lead in the app, as on the site.
    assert AuditEvent.objects.filter(action="plc.membership.joined").count() == 11
    assert Notification.objects.filter(recipient__email="plg-leitung@demo.lernen25.test", kind="plc.membership.joined")
    assert mail.outbox == []


@pytest.mark.django_db
def test_second_run_adds_no_plgs():
    seed(*SMALL)
    before = (PlgPage.objects.count(), Membership.objects.count(), Message.objects.count())

    output = seed(*SMALL)

    assert (PlgPage.objects.count(), Membership.objects.count(), Message.objects.count()) == before
    assert "plgs" not in output

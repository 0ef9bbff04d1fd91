"""The daily digest of @mentions."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from lernen25.models import Notification
from plc import services


def _mention_anna(open_plg, plg_leitung, lehrkraft_a, text="Was meinst du, @Anna Lehmann?"):
    topic = services.create_topic(actor=plg_leitung, plg=open_plg, title="Geometrie", body="Los geht's")
    return services.post_message(actor=plg_leitung, topic=topic, body=text)


def test_unread_mentions_of_the_day_are_mailed_once_in_german(open_plg, plg_leitung, lehrkraft_a, capsys):
    _mention_anna(open_plg, plg_leitung, lehrkraft_a)
    _mention_anna(open_plg, plg_leitung, lehrkraft_a, "Und noch einmal @Anna Lehmann")
    mail.outbox.clear()

    call_command("send_mention_digest")

    assert "1 digest mail(s) sent." in capsys.readouterr().out
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == [lehrkraft_a.email]
    assert digest.subject == "[Lernen 25] Sie wurden 2-mal erwähnt"
    assert "Lena Leitner hat Sie in „Geometrie“ erwähnt." in digest.body
    assert "/plg-raum/" in digest.body and "#m" in digest.body


def test_read_mentions_and_people_who_opted_out_get_no_digest(open_plg, plg_leitung, lehrkraft_a):
    _mention_anna(open_plg, plg_leitung, lehrkraft_a)
    Notification.objects.filter(recipient=lehrkraft_a).update(read_at=timezone.now())
    mail.outbox.clear()

    assert discussion_digest() == 0

    Notification.objects.filter(recipient=lehrkraft_a).update(read_at=None)
    lehrkraft_a.profile.mention_digest = False
    lehrkraft_a.profile.save()
    assert discussion_digest() == 0
    assert mail.outbox == []


def test_mentions_older_than_the_period_are_not_repeated(open_plg, plg_leitung, lehrkraft_a):
    _mention_anna(open_plg, plg_leitung, lehrkraft_a)
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=30))
    mail.outbox.clear()

    assert discussion_digest() == 0


def discussion_digest():
    from plc.digest import send_mention_digest

    return send_mention_digest()

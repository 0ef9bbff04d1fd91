"""Data for ``ws_bench.py``: verified teachers, PLGs, a topic and a logged-in session per teacher.

Run by ``ws_bench.py`` as ``manage.py shell < benchmarks/bench_setup.py`` on a throw-away database,
never on real data. Parameters come from the environment:

- ``BENCH_USERS``: accounts to create (one per held connection, at least ``BENCH_MEMBERS``)
- ``BENCH_MEMBERS``: members per PLG; the users are split into PLGs of this size, the first PLG is the
  one the latency test posts to
- ``BENCH_OUT``: file to write the result to, as JSON:
  ``{"plgs": [{"id", "topic", "last_seq", "sessions": [session keys]}], "topic_via": ...}``; ``last_seq``
  is the PLG's stream position, what a client that has just loaded the page sends with ``sync``

Accounts are written in bulk with one precomputed password hash, like ``lernen25/demo/seed.py``. Sessions
are what ``django.contrib.auth.login`` would store (user id, backend, session-auth hash), written
with ``SessionStore`` encoding in bulk.
"""

import json
import os
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.utils import timezone

from lernen25.models import Affiliation, AffiliationSource, District, Profile, School, SchoolFunction, SchoolType
from plc import models as plc_models
from plc import selectors as plc_selectors
from plc import services

DOMAIN = "bench.lernen25.test"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _create_users(count: int) -> list:
    User = get_user_model()
    password_hash = make_password(secrets.token_urlsafe(16))  # once; nobody logs in with it
    users = User.objects.bulk_create(
        [
            User(email=f"lk{i:05d}@{DOMAIN}", first_name="Bench", last_name=f"Lehrkraft {i}", password=password_hash)
            for i in range(count)
        ],
        batch_size=1000,
    )
    if any(user.pk is None for user in users):
        ids = dict(User.objects.filter(email__endswith=DOMAIN).values_list("email", "pk"))
        for user in users:
            user.pk = ids[user.email]
    Profile.objects.bulk_create([Profile(user_id=user.pk) for user in users], batch_size=1000)
    # Confirmed teachers of one benchmark school (a school function, not a group).
    school, _created = School.objects.get_or_create(
        number="199999",
        defaults={"name": "Benchmark-Schule", "school_type": SchoolType.GESAMTSCHULE, "district": District.MITTE},
    )
    Affiliation.objects.bulk_create(
        [
            Affiliation(
                user_id=user.pk, school=school, function=SchoolFunction.LEHRKRAFT, source=AffiliationSource.GRANTED
            )
            for user in users
        ],
        batch_size=1000,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user_id=user.pk, email=user.email, verified=True, primary=True) for user in users],
        batch_size=1000,
    )
    return list(User.objects.filter(email__endswith=DOMAIN).order_by("email"))


def _create_topic(plg, lead) -> tuple[int, str]:
    """A topic through the discussion service."""
    from plc import services

    topic = services.create_topic(actor=lead, plg=plg, title="Benchmark", body="Erste Nachricht des Benchmarks.")
    return topic.pk, "plc.services.create_topic"


def _sessions(users: list) -> list[str]:
    """One database session per user, as ``login()`` would leave it."""
    model = SessionStore.get_model_class()
    expire = timezone.now() + timedelta(days=1)
    rows = []
    for user in users:
        store = SessionStore()
        key = store._get_new_session_key()
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": BACKEND,
            "_auth_user_hash": user.get_session_auth_hash(),
        }
        rows.append(model(session_key=key, session_data=store.encode(data), expire_date=expire))
    model.objects.bulk_create(rows, batch_size=1000)
    return [row.session_key for row in rows]


def main() -> None:
    if not hasattr(plc_models, "Topic") or not hasattr(plc_models, "Message"):
        raise SystemExit("bench_setup: the discussion models (plc.models.Topic, Message) are missing")
    members = int(os.environ.get("BENCH_MEMBERS", "200"))
    count = max(int(os.environ.get("BENCH_USERS", str(members))), members)
    out = os.environ["BENCH_OUT"]
    with transaction.atomic():
        users = _create_users(count)
    result = {"plgs": [], "topic_via": None}
    for start in range(0, count, members):
        group = users[start : start + members]
        lead, rest = group[0], group[1:]
        plg = services.create_plg(
            actor=None, system=True, title=f"Benchmark-PLG {start // members + 1}", kind="innovation", leads=[lead]
        )
        plc_models.Membership.objects.bulk_create(
            [plc_models.Membership(plg=plg, user=user, role=plc_models.MembershipRole.MEMBER) for user in rest],
            batch_size=1000,
        )
        topic_id, via = _create_topic(plg, lead)
        result["topic_via"] = via
        position = plc_selectors.stream_position(plg.pk)
        result["plgs"].append({"id": plg.pk, "topic": topic_id, "last_seq": position, "sessions": _sessions(group)})
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    print(f"bench_setup: {count} users, {len(result['plgs'])} PLGs of up to {members}, topic via {via}")


main()

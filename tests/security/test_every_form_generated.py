"""Generated input against every HTML form a signed-in person posts on our own pages (issue #18).

Each form is posted by the persona allowed to post it, with generated values per field: arbitrary
text (NUL included), 10,000 characters, integers beyond 64 bits and negative ones, non-numeric ids,
lists where one value is expected, dates at the calendar's edges, empty and missing fields, and
unknown extra fields (``actor``, ``user``, ``plg`` … must change nothing). Whatever comes:

- never a 500 (allowed: 200, 302, 400, 403, 404, 409, 429);
- no log record at ERROR or above, and none with a traceback attached, except Django's one-line
  warning for an expected 4xx (``django.request`` attaches the ``Http404``/``PermissionDenied``;
  ``lernen25.logfilters`` drops it from the console);
- a refusal (4xx) writes nothing: no row of any table changes, and the page says why in German
  (for a 400, the form's error is on the page).

Not here: the school people forms (``tests/lernen25/test_affiliations_generated.py``), allauth's
sign-in and sign-up (``tests/lernen25/test_signin_throttle.py``), the URL converters
(``tests/plc/test_no_500_inputs.py``), and the actions without fields (join, leave, withdraw,
delete, revoke, promote, step down), whose only input is their URL.

Every example runs in a savepoint that is rolled back, so each starts from the same world.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lernen25.models import Subject
from lernen25.services import request_confirmation
from plc import services
from plc.models import PlgKind, PlgStatus, Visibility
from tests.conftest import database_rows
from tests.factories import UserFactory, verified
from tests.plc.helpers import CLOSED_TITLE, OPEN_TITLE, REQUEST_TITLE, make_plg

GENERATED = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ALLOWED = {200, 302, 400, 403, 404, 409, 429}
# Tables every request may touch (sign-in bookkeeping), whatever the form.
NOT_WRITES = {"django_session", "usersessions_usersession"}  # allauth: last seen

MISSING = object()

# --- Values ---------------------------------------------------------------------------------------

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
long_text = st.sampled_from(["a" * 10_000, "ä" * 10_000, "\x00" * 10_000, "@" * 10_000, "1" * 10_000])
integers = st.one_of(
    st.integers(min_value=2**63 - 2, max_value=2**80),
    st.integers(min_value=-(2**80), max_value=-(2**63) + 2),
    st.integers(min_value=-5, max_value=10**6),
).map(str)
odd = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "abc",
        "1.5",
        "1e9",
        "0x10",
        "-0",
        "٣",  # an Arabic-Indic digit: isdigit(), but no id
        "0001-01-01",
        "0001-01-01T00:00",
        "9999-12-31",
        "9999-12-31T23:59",
        "2026-02-30",
        "2026-02-30T10:00",
        "2026-13-01T25:61",
        "on",
        "true",
        "1",
        "0",
        "accept",
        "approve",
        "decline",
        "https://",
        "javascript:alert(1)",
        "https://example.org/\x00",
        "a@b",
        "@",
        "x@example.org\x00",
    ]
)
value = st.one_of(text, long_text, integers, odd)


def field_values(*good: str) -> st.SearchStrategy:
    """One field: missing, a nasty value, a list of them, or one of the good values."""
    options = [st.just(MISSING), value, st.lists(value, min_size=1, max_size=3)]
    if good:
        options.append(st.sampled_from(good))
        options.append(st.lists(st.sampled_from(good), min_size=1, max_size=3))
    return st.one_of(*options)


EXTRA_NAMES = ["actor", "user", "user_id", "plg", "pk", "id", "system", "is_superuser", "recipient", "unbekannt"]


@dataclass
class Form:
    """A form as the test posts it: where, as whom, its fields with good values, how the file comes."""

    name: str
    persona: str
    url: Callable[[World], str]
    fields: dict[str, Callable[[World], tuple[str, ...]]]
    upload: str | None = None  # name of a file field
    extra_good: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    """What the forms point at, built with the real services."""

    school_a: object
    open_plg: object
    closed_plg: object
    request_plg: object
    topic: object
    message: object
    plg_file: object
    join_request: object
    proposal: object
    confirmation: object
    subjects: tuple[str, ...]


def pks(*objs) -> tuple[str, ...]:
    return tuple(str(obj.pk) for obj in objs)


def choices(enum) -> Callable[[World], tuple[str, ...]]:
    return lambda w: tuple(enum.values)


def constant(*good: str) -> Callable[[World], tuple[str, ...]]:
    return lambda w: good


FREE = constant("Text", "Unterrichtsentwicklung mit Tablets")

FORMS = [
    Form(
        "profile",
        "lehrkraft_a",
        lambda w: reverse("profile"),
        {
            "display_name": constant("Anna L.", ""),
            "subjects": lambda w: w.subjects,
            "email_notifications": constant("on", ""),
            "mention_digest": constant("on", ""),
        },
    ),
    Form(
        "request_confirmation",
        "signed_up",
        lambda w: reverse("request_confirmation"),
        {"confirm-school": lambda w: pks(w.school_a), "confirm-message": FREE},
    ),
    Form(
        "school_domain",
        "schulleitung_a",
        lambda w: reverse("school_domain", kwargs={"number": w.school_a.number}),
        {"domain": constant("schule-a.de", "")},
    ),
    Form(
        "school_decide",
        "schulleitung_a",
        lambda w: reverse("school_decide", kwargs={"number": w.school_a.number, "pk": w.confirmation.pk}),
        {"decision": constant("accept", "decline")},
    ),
    Form(
        "create_plg",
        "smz",
        lambda w: reverse("plc:create"),
        {
            "title": FREE,
            "kind": choices(PlgKind),
            "visibility": choices(Visibility),
            "goals": FREE,
            "lead": constant("lena.leitung@schule-a.de", "Lena Leitner"),
            "subjects": lambda w: w.subjects,
            "start_date": constant("2030-01-01", ""),
            "end_date": constant("2030-12-31", ""),
        },
    ),
    Form(
        "proposals",
        "lehrkraft_a",
        lambda w: reverse("plc:proposals"),
        {
            "title": FREE,
            "kind": choices(PlgKind),
            "visibility": choices(Visibility),
            "goals": FREE,
            "subjects": lambda w: w.subjects,
        },
    ),
    Form(
        "decide_proposal",
        "smz",
        lambda w: reverse("plc:decide_proposal", kwargs={"proposal_id": w.proposal.pk}),
        {"decision": constant("approve", "reject"), "reason": FREE},
    ),
    Form(
        "request",
        "lehrkraft_b",
        lambda w: reverse("plc:request", kwargs={"pk": w.request_plg.pk}),
        {"message": FREE},
    ),
    Form(
        "decide_request",
        "plg_leitung",
        lambda w: reverse("plc:decide", kwargs={"pk": w.request_plg.pk, "request_id": w.join_request.pk}),
        {"decision": constant("accept", "decline"), "reason": FREE},
    ),
    Form(
        "invite",
        "plg_leitung",
        lambda w: reverse("plc:invite", kwargs={"pk": w.closed_plg.pk}),
        {"person": constant("neu@example.org", "Bernd Becker", "bernd.lehrer@schule-b.de")},
    ),
    Form(
        "assign_lead",
        "smz",
        lambda w: reverse("plc:assign_lead", kwargs={"pk": w.closed_plg.pk}),
        {"person": constant("anna.lehrerin@schule-a.de", "Anna Lehmann", "niemand@example.org")},
    ),
    Form(
        "add_meeting",
        "plg_leitung",
        lambda w: reverse("plc:add_meeting", kwargs={"pk": w.closed_plg.pk}),
        {
            "title": FREE,
            "starts_at": constant("2030-03-14T16:00", "2030-03-14 16:00"),
            "ends_at": constant("2030-03-14T17:30", "2030-03-14T15:00"),
            "location": FREE,
            "video_url": constant("https://example.org/raum", "example.org", ""),
            "notes": FREE,
        },
    ),
    Form(
        "publish_result",
        "plg_leitung",
        lambda w: reverse("plc:publish_result", kwargs={"pk": w.closed_plg.pk}),
        {"title": FREE, "tried": FREE, "worked": FREE, "materials": lambda w: pks(w.plg_file)},
    ),
    Form(
        "add_link",
        "lehrkraft_a",
        lambda w: reverse("plc:add_link", kwargs={"pk": w.closed_plg.pk}),
        {"title": FREE, "url": constant("https://example.org/material", "http://example.org", "ftp://x")},
    ),
    Form(
        "upload",
        "lehrkraft_a",
        lambda w: reverse("plc:upload", kwargs={"pk": w.closed_plg.pk}),
        {"title": FREE},
        upload="file",
    ),
    Form(
        "create_topic",
        "lehrkraft_a",
        lambda w: reverse("plc:create_topic", kwargs={"pk": w.open_plg.pk}),
        {"title": FREE, "body": FREE},
    ),
    Form(
        "post_message",
        "lehrkraft_a",
        lambda w: reverse("plc:topic", kwargs={"pk": w.open_plg.pk, "topic_id": w.topic.pk}),
        {"body": constant("Ich mache mit, @Lena Leitner", "**fett**")},
    ),
    Form(
        "edit_message",
        "lehrkraft_a",
        lambda w: reverse("plc:edit_message", kwargs={"pk": w.open_plg.pk, "message_id": w.message.pk}),
        {"body": FREE},
    ),
    Form(
        "topic_flags",
        "plg_leitung",
        lambda w: reverse("plc:topic_flags", kwargs={"pk": w.open_plg.pk, "topic_id": w.topic.pk}),
        {"pinned": constant("1", "0"), "locked": constant("1", "0")},
    ),
    Form(
        "hide_message",
        "smz",
        lambda w: reverse("plc:hide_message", kwargs={"pk": w.open_plg.pk, "message_id": w.message.pk}),
        {"hidden": constant("1", "0")},
    ),
    Form(
        "status",
        "plg_leitung",
        lambda w: reverse("plc:status", kwargs={"pk": w.closed_plg.pk}),
        {"status": choices(PlgStatus), "confirmed": constant("1", "")},
    ),
    Form(
        "visibility",
        "plg_leitung",
        lambda w: reverse("plc:visibility", kwargs={"pk": w.closed_plg.pk}),
        {"visibility": choices(Visibility)},
    ),
    Form(
        "feature",
        "smz",
        lambda w: reverse("plc:feature", kwargs={"pk": w.open_plg.pk}),
        {"featured": constant("1", "0")},
    ),
    Form("notifications", "lehrkraft_a", lambda w: reverse("notifications"), {}),
]


@pytest.fixture
def world(school_a, plg_leitung, lehrkraft_a, lehrkraft_b, signed_up, smz) -> World:
    """The PLGs of ``tests/plc/conftest.py`` (led by plg_leitung, lehrkraft_a a member) and what is in them."""
    open_plg = make_plg(title=OPEN_TITLE, visibility=Visibility.OPEN, lead=plg_leitung, member=lehrkraft_a)
    request_plg = make_plg(title=REQUEST_TITLE, visibility=Visibility.ON_REQUEST, lead=plg_leitung, member=lehrkraft_a)
    closed_plg = make_plg(title=CLOSED_TITLE, visibility=Visibility.CLOSED, lead=plg_leitung, member=lehrkraft_a)
    topic = services.create_topic(actor=lehrkraft_a, plg=open_plg, title="Tablets in Klasse 7", body="Wer macht mit?")
    plg_file = services.upload_file(
        actor=lehrkraft_a,
        plg=closed_plg,
        upload=SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf"),
        title="Stundenplan",
    )
    applicant = verified(UserFactory(email="bewerbung@example.org", first_name="Paula", last_name="Neu"))
    return World(
        school_a=school_a,
        open_plg=open_plg,
        closed_plg=closed_plg,
        request_plg=request_plg,
        topic=topic,
        message=topic.messages.first(),
        plg_file=plg_file,
        join_request=services.request_membership(actor=lehrkraft_b, plg=request_plg, message="Bitte"),
        proposal=services.propose_plg(
            actor=lehrkraft_a,
            title="Podcasts im Deutschunterricht",
            kind=PlgKind.LESSON_DEVELOPMENT,
            goals="Gemeinsam Podcasts produzieren.",
            visibility=Visibility.OPEN,
        ),
        confirmation=request_confirmation(actor=applicant, school=school_a, message="Ich unterrichte Mathe."),
        subjects=pks(*Subject.objects.order_by("pk")[:3]),
    )


def payloads(form: Form, world: World) -> st.SearchStrategy:
    fields = {name: field_values(*good(world)) for name, good in form.fields.items()}
    extra = st.dictionaries(st.sampled_from([n for n in EXTRA_NAMES if n not in fields]), value, max_size=2)
    upload = st.just(MISSING)
    if form.upload:
        upload = st.one_of(
            st.just(MISSING),
            value,  # text where a file belongs
            st.tuples(
                st.sampled_from(["notiz.txt", "plan.pdf", "bild.png", "x.exe", "", ".pdf", "a\x00.pdf", "ä" * 300]),
                st.binary(max_size=200),
            ),
        )
    return st.tuples(st.fixed_dictionaries(fields), extra, upload)


def build(fields: dict, extra: dict, upload, file_field: str | None) -> dict:
    data = {name: v for name, v in fields.items() if v is not MISSING}
    data.update(extra)
    if file_field and upload is not MISSING:
        if isinstance(upload, tuple):
            # A plain file object, not SimpleUploadedFile: that refuses an empty name on the test's side,
            # while a browser may send one (the test client then sends the field's name instead).
            name, content = upload
            data[file_field] = io.BytesIO(content)
            data[file_field].name = name
        else:
            data[file_field] = upload
    return data


def offending(records) -> list[str]:
    """Log records that would page somebody: ERROR and above, or a traceback not of an expected 4xx."""
    bad = []
    for record in records:
        expected_4xx = record.name == "django.request" and 400 <= getattr(record, "status_code", 500) < 500
        if record.levelno >= logging.ERROR or (record.exc_info and not expected_4xx):
            bad.append(f"{record.name} {record.levelname}: {record.getMessage()[:300]}")
    return bad


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if t not in NOT_WRITES and before.get(t) != after.get(t))


@pytest.mark.django_db
@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_every_form_refuses_or_saves_never_fails(client, world, unlimited, caplog, request, form):
    client.force_login(request.getfixturevalue(form.persona))
    url = form.url(world)

    @GENERATED
    @given(payload=payloads(form, world))
    def run(payload):
        data = build(*payload, form.upload)
        caplog.clear()
        sid = transaction.savepoint()
        try:
            before = database_rows()
            with caplog.at_level(logging.DEBUG):
                response = client.post(url, data)
            status = response.status_code
            assert status in ALLOWED, f"{form.name}: {status} for {data!r}"
            assert not offending(caplog.records), f"{form.name}: {offending(caplog.records)} for {data!r}"
            if 400 <= status < 500:
                written = changed_tables(before, database_rows())
                assert not written, f"{form.name}: {status} but wrote to {written} for {data!r}"
                page = response.content.decode()
                assert 'lang="de"' in page, f"{form.name}: {status} not in German"
                if status == 400:
                    assert "kern-error" in page or "kern-alert--danger" in page, f"{form.name}: 400 without error"
                else:
                    assert "kern-alert--danger" in page or "<h1" in page, f"{form.name}: {status} without a message"
        finally:
            transaction.savepoint_rollback(sid)

    run()

"""The HTTP permission matrix of PLG spaces: persona × URL × PLG visibility → status.

Personas (columns, in this order): guest, outsider (a teacher of another school, no member),
member, lead, SMZ, admin (superuser). 302 means success (a redirect) for POSTs and "sign in
first" for the guest; 404 hides a closed PLG, and a thing inside a PLG (member, file, link,
message, …) from whoever may not see its content (``plc.views._common.plg_item``: the same answer
for a real id and an invented one); 403 is "visible, but not allowed"; 409 and 400 are refusals
with a German message. Each persona's request runs in its own savepoint and is
rolled back, so one persona's action does not change the next one's starting point.

Every URL pattern of ``plc.urls`` must appear in ``MATRIX`` (or in ``GLOBAL``): a new view
without a row fails ``test_every_plc_url_is_in_the_matrix``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from plc import services
from plc.urls import urlpatterns

PERSONAS = ("guest", "outsider", "member", "lead", "smz", "admin")


def codes(spec: str) -> dict[str, int]:
    values = [int(code) for code in spec.split()]
    assert len(values) == len(PERSONAS), spec
    return dict(zip(PERSONAS, values, strict=True))


@dataclass
class Row:
    name: str
    method: str = "post"
    expected: dict[str, str] = field(default_factory=dict)  # visibility -> "guest outsider member lead smz admin"
    kwargs: object = None  # callable(ctx) -> dict of URL kwargs besides pk
    data: object = None  # callable(ctx) -> POST data
    needs: tuple[str, ...] = ()  # objects to create first: "file", "link", "meeting", "request", "invitation"


def _upload(ctx):
    return {"file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf"), "title": "Plan"}


def _meeting(ctx):
    start = timezone.localtime() + timedelta(days=3)
    return {
        "title": "Treffen",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "location": "SMZ",
    }


VIS = ("open", "on_request", "closed")

MATRIX = [
    # Joining: open PLGs at once; on-request PLGs by request; closed ones are invisible to outsiders.
    Row(
        "join",
        expected={
            "open": "302 302 409 409 302 302",
            "on_request": "302 409 409 409 409 409",
            "closed": "302 404 409 409 403 403",
        },
    ),
    Row(
        "request",
        data=lambda ctx: {"message": "Ich möchte mitmachen."},
        expected={
            "open": "302 409 409 409 409 409",
            "on_request": "302 302 409 409 302 302",
            "closed": "302 404 409 409 403 403",
        },
    ),
    # Only the outsider has a pending request; others do not find it (404).
    Row(
        "withdraw",
        needs=("request",),
        kwargs=lambda ctx: {"request_id": ctx["request"].pk},
        expected={
            "on_request": "302 302 404 404 404 404",
        },
    ),
    Row(
        "decide",
        needs=("request",),
        kwargs=lambda ctx: {"request_id": ctx["request"].pk},
        data=lambda ctx: {"decision": "accept"},
        expected={
            "on_request": "302 403 403 302 302 302",
        },
    ),
    Row(
        "invite",
        data=lambda ctx: {"person": "neu@schule-c.de"},
        expected={
            "open": "302 403 403 302 302 302",
            "on_request": "302 403 403 302 302 302",
            "closed": "302 404 403 302 302 302",
        },
    ),
    Row(
        "revoke_invitation",
        needs=("invitation",),
        kwargs=lambda ctx: {"invitation_id": ctx["invitation"].pk},
        expected={v: ("302 403 403 302 302 302" if v != "closed" else "302 404 403 302 302 302") for v in VIS},
    ),
    Row(
        "leave",
        method="get",
        expected={
            "open": "302 403 200 200 403 403",
            "on_request": "302 403 200 200 403 403",
            "closed": "302 404 200 200 403 403",
        },
    ),
    # The lead is the only lead: leaving is refused (409); the member leaves.
    Row(
        "leave",
        expected={
            "open": "302 403 302 409 403 403",
            "on_request": "302 403 302 409 403 403",
            "closed": "302 404 302 409 403 403",
        },
    ),
    Row(
        "remove_member",
        method="get",
        kwargs=lambda ctx: {"user_id": ctx["member"].pk},
        expected={v: ("302 404 403 200 200 200" if v == "closed" else "302 403 403 200 200 200") for v in VIS},
    ),
    Row(
        "remove_member",
        kwargs=lambda ctx: {"user_id": ctx["member"].pk},
        expected={v: ("302 404 403 302 302 302" if v == "closed" else "302 403 403 302 302 302") for v in VIS},
    ),
    # Promoting the member: a member is refused by the service (403), the leads and the SMZ succeed.
    Row(
        "promote",
        kwargs=lambda ctx: {"user_id": ctx["member"].pk},
        expected=dict.fromkeys(VIS, "302 403 403 302 302 302")
        | {"closed": "302 404 403 302 302 302", "on_request": "302 404 403 302 302 302"},
    ),
    Row(
        "assign_lead",
        data=lambda ctx: {"person": ctx["outsider"].email},
        expected={v: ("302 404 403 403 302 302" if v == "closed" else "302 403 403 403 302 302") for v in VIS},
    ),
    # The only lead cannot step down (409); nobody else leads.
    Row(
        "step_down",
        expected={v: ("302 404 409 409 409 409" if v == "closed" else "302 409 409 409 409 409") for v in VIS},
    ),
    Row(
        "feature",
        data=lambda ctx: {"featured": "1"},
        expected={v: ("302 404 403 403 302 302" if v == "closed" else "302 403 403 403 302 302") for v in VIS},
    ),
    Row(
        "status",
        data=lambda ctx: {"status": "completed"},
        expected={v: ("302 404 403 302 302 302" if v == "closed" else "302 403 403 302 302 302") for v in VIS},
    ),
    # Leads and the SMZ change the visibility (on_request for open PLGs, open for the others).
    Row(
        "visibility",
        data=lambda ctx: {"visibility": "on_request" if ctx["plg"].visibility == "open" else "open"},
        expected={v: ("302 404 403 302 302 302" if v == "closed" else "302 403 403 302 302 302") for v in VIS},
    ),
    Row(
        "upload",
        data=_upload,
        expected={v: ("302 404 302 302 302 302" if v == "closed" else "302 403 302 302 302 302") for v in VIS},
    ),
    # The file was uploaded by the member: they and the leads may delete it.
    Row(
        "delete_file",
        method="get",
        needs=("file",),
        kwargs=lambda ctx: {"file_id": ctx["file"].pk},
        expected=dict.fromkeys(VIS, "302 403 200 200 200 200")
        | {"closed": "302 404 200 200 200 200", "on_request": "302 404 200 200 200 200"},
    ),
    Row(
        "delete_file",
        needs=("file",),
        kwargs=lambda ctx: {"file_id": ctx["file"].pk},
        expected=dict.fromkeys(VIS, "302 403 302 302 302 302")
        | {"closed": "302 404 302 302 302 302", "on_request": "302 404 302 302 302 302"},
    ),
    Row(
        "add_link",
        data=lambda ctx: {"title": "GeoGebra", "url": "https://www.geogebra.org"},
        expected={v: ("302 404 302 302 302 302" if v == "closed" else "302 403 302 302 302 302") for v in VIS},
    ),
    Row(
        "delete_link",
        needs=("link",),
        kwargs=lambda ctx: {"link_id": ctx["link"].pk},
        expected=dict.fromkeys(VIS, "302 403 302 302 302 302")
        | {"closed": "302 404 302 302 302 302", "on_request": "302 404 302 302 302 302"},
    ),
    Row(
        "add_meeting",
        data=_meeting,
        expected={v: ("302 404 403 302 302 302" if v == "closed" else "302 403 403 302 302 302") for v in VIS},
    ),
    Row(
        "cancel_meeting",
        method="get",
        needs=("meeting",),
        kwargs=lambda ctx: {"meeting_id": ctx["meeting"].pk},
        expected={v: ("302 404 403 200 200 200" if v == "closed" else "302 403 403 200 200 200") for v in VIS},
    ),
    Row(
        "cancel_meeting",
        needs=("meeting",),
        kwargs=lambda ctx: {"meeting_id": ctx["meeting"].pk},
        expected={v: ("302 404 403 302 302 302" if v == "closed" else "302 403 403 302 302 302") for v in VIS},
    ),
    # Calendars: whoever sees the content (everyone signed in for open PLGs).
    Row(
        "calendar",
        method="get",
        needs=("meeting",),
        expected={
            "open": "302 200 200 200 200 200",
            "on_request": "302 403 200 200 200 200",
            "closed": "302 404 200 200 200 200",
        },
    ),
    Row(
        "meeting_calendar",
        method="get",
        needs=("meeting",),
        kwargs=lambda ctx: {"meeting_id": ctx["meeting"].pk},
        expected={
            "open": "302 200 200 200 200 200",
            "on_request": "302 403 200 200 200 200",
            "closed": "302 404 200 200 200 200",
        },
    ),
    Row(
        "publish_result",
        data=lambda ctx: {"title": "Ergebnis", "tried": "Tablets", "worked": "Vieles"},
        expected={v: ("302 404 403 302 302 302" if v == "closed" else "302 403 403 302 302 302") for v in VIS},
    ),
    Row(
        "change_log",
        method="get",
        expected={v: ("302 404 403 200 200 200" if v == "closed" else "302 403 403 200 200 200") for v in VIS},
    ),
]

MATRIX += [
    # The discussion: members and the SMZ write; open PLGs are readable by every teacher.
    Row(
        "create_topic",
        data=lambda ctx: {"title": "Neues Thema", "body": "Hallo"},
        expected={
            "open": "302 403 302 302 302 302",
            "on_request": "302 403 302 302 302 302",
            "closed": "302 404 302 302 302 302",
        },
    ),
    Row(
        "topic",
        method="get",
        needs=("topic",),
        kwargs=lambda ctx: {"topic_id": ctx["topic"].pk},
        expected={
            "open": "302 200 200 200 200 200",
            "on_request": "302 403 200 200 200 200",
            "closed": "302 404 200 200 200 200",
        },
    ),
    Row(
        "topic",
        needs=("topic",),
        kwargs=lambda ctx: {"topic_id": ctx["topic"].pk},
        data=lambda ctx: {"body": "Eine Antwort"},
        expected={
            "open": "302 403 302 302 302 302",
            "on_request": "302 403 302 302 302 302",
            "closed": "302 404 302 302 302 302",
        },
    ),
    Row(
        "topic_flags",
        needs=("topic",),
        kwargs=lambda ctx: {"topic_id": ctx["topic"].pk},
        data=lambda ctx: {"pinned": "1"},
        expected={v: ("302 404 403 302 302 302" if v == "closed" else "302 403 403 302 302 302") for v in VIS},
    ),
    # The message was written by the member: only they edit it.
    Row(
        "edit_message",
        method="get",
        needs=("message",),
        kwargs=lambda ctx: {"message_id": ctx["message"].pk},
        expected=dict.fromkeys(VIS, "302 403 200 403 403 403")
        | {"closed": "302 404 200 403 403 403", "on_request": "302 404 200 403 403 403"},
    ),
    Row(
        "delete_message",
        method="get",
        needs=("message",),
        kwargs=lambda ctx: {"message_id": ctx["message"].pk},
        expected=dict.fromkeys(VIS, "302 403 200 200 200 200")
        | {"closed": "302 404 200 200 200 200", "on_request": "302 404 200 200 200 200"},
    ),
    Row(
        "hide_message",
        needs=("message",),
        kwargs=lambda ctx: {"message_id": ctx["message"].pk},
        data=lambda ctx: {"hidden": "1"},
        expected=dict.fromkeys(VIS, "302 403 403 302 302 302")
        | {"closed": "302 404 403 302 302 302", "on_request": "302 404 403 302 302 302"},
    ),
]

# URLs that do not belong to one PLG: persona -> status.
GLOBAL = [
    ("create", "get", {}, "302 403 403 403 200 200"),
    ("proposals", "get", {}, "302 200 200 200 200 200"),
    ("results", "get", {}, "302 200 200 200 200 200"),
    # Wagtail admin views at Wagtail's paths, narrowed to what the person may know of
    # (``plc.admin_views``; what they leave out: tests/plc/test_admin_hides_closed_plgs.py).
    ("admin_chosen_multiple", "get", {}, "302 403 403 403 200 200"),
    ("admin_site_history", "get", {}, "302 403 403 403 200 200"),
    ("admin_site_history_results", "get", {}, "302 403 403 403 200 200"),
    ("admin_page_types_usage", "get", {}, "302 403 403 403 200 200"),
    ("admin_page_types_usage_results", "get", {}, "302 403 403 403 200 200"),
]
COVERED_ELSEWHERE = {
    # Its outcome depends on an invitation of the asking person: tests/plc/test_views.py.
    "answer_invitation": "test_invitee_accepts_from_the_notifications_page",
    "decide_proposal": "test_smz_approves_a_proposal_through_the_page",
}


def test_every_plc_url_is_in_the_matrix():
    names = {pattern.name for pattern in urlpatterns}
    covered = {row.name for row in MATRIX} | {name for name, *_ in GLOBAL} | set(COVERED_ELSEWHERE)

    assert names - covered == set(), "URL patterns without a row in the permission matrix"


@pytest.fixture
def cast(client, lehrkraft_a, lehrkraft_b, plg_leitung, smz, admin_user):
    return {
        "guest": None,
        "outsider": lehrkraft_b,
        "member": lehrkraft_a,
        "lead": plg_leitung,
        "smz": smz,
        "admin": admin_user,
    }


def _prepare(row: Row, plg, cast) -> dict:
    ctx = {"plg": plg, **cast}
    if "request" in row.needs:
        ctx["request"] = services.request_membership(actor=cast["outsider"], plg=plg, message="Bitte")
    if "invitation" in row.needs:
        ctx["invitation"] = services.invite_member(actor=cast["lead"], plg=plg, email="gast@schule-c.de")
    if "file" in row.needs:
        ctx["file"] = services.upload_file(actor=cast["member"], plg=plg, upload=_upload(ctx)["file"])
    if "link" in row.needs:
        ctx["link"] = services.add_link(actor=cast["member"], plg=plg, title="Link", url="https://example.org")
    if "topic" in row.needs or "message" in row.needs:
        ctx["topic"] = services.create_topic(actor=cast["lead"], plg=plg, title="Thema", body="Erster Beitrag")
    if "message" in row.needs:
        ctx["message"] = services.post_message(actor=cast["member"], topic=ctx["topic"], body="Von Anna")
    if "meeting" in row.needs:
        start = timezone.now() + timedelta(days=2)
        ctx["meeting"] = services.schedule_meeting(
            actor=cast["lead"],
            plg=plg,
            title="Termin",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="SMZ",
        )
    return ctx


class _Rollback(Exception):
    pass


def _status_as(client, user, method, url, make_data):
    client.logout()
    if user is not None:
        client.force_login(user)
    try:
        with transaction.atomic():
            # Fresh data per request: an uploaded file is read once by the client.
            response = getattr(client, method)(url, make_data() if make_data else {})
            raise _Rollback(response.status_code)
    except _Rollback as rollback:
        return rollback.args[0]


CASES = [
    pytest.param(row, visibility, id=f"{row.method}-{row.name}-{visibility}")
    for row in MATRIX
    for visibility in row.expected
]


@pytest.mark.parametrize(("row", "visibility"), CASES)
def test_plg_url_matrix(row, visibility, client, cast, request):
    plg = request.getfixturevalue({"open": "open_plg", "on_request": "request_plg", "closed": "closed_plg"}[visibility])
    ctx = _prepare(row, plg, cast)
    url = reverse(f"plc:{row.name}", kwargs={"pk": plg.pk, **(row.kwargs(ctx) if row.kwargs else {})})
    make_data = (lambda: row.data(ctx)) if row.data else None

    actual = {persona: _status_as(client, user, row.method, url, make_data) for persona, user in cast.items()}

    assert actual == codes(row.expected[visibility]), f"{row.method.upper()} {url}"


@pytest.mark.parametrize(("name", "method", "kwargs", "expected"), GLOBAL, ids=[g[0] for g in GLOBAL])
def test_global_plc_urls(name, method, kwargs, expected, client, cast):
    url = reverse(f"plc:{name}", kwargs=kwargs)

    actual = {persona: _status_as(client, user, method, url, None) for persona, user in cast.items()}

    assert actual == codes(expected)


@pytest.mark.parametrize("visibility", VIS)
def test_plg_page_matrix(visibility, client, cast, request):
    plg = request.getfixturevalue({"open": "open_plg", "on_request": "request_plg", "closed": "closed_plg"}[visibility])
    expected = "302 404 200 200 200 200" if visibility == "closed" else "302 200 200 200 200 200"

    actual = {persona: _status_as(client, user, "get", plg.url, None) for persona, user in cast.items()}

    assert actual == codes(expected)


def test_closed_plg_is_absent_from_the_directory_and_search_for_outsiders(client, open_plg, closed_plg, lehrkraft_b):
    client.force_login(lehrkraft_b)

    listing = client.get("/plg/").content.decode()
    search = client.get("/plg/", {"q": "Schulleitungsrunde"}).content.decode()

    assert open_plg.title in listing
    assert closed_plg.title not in listing
    assert closed_plg.title not in search
    assert "Keine PLG entspricht diesen Filtern." in search


def test_closed_plg_files_are_404_for_outsiders_and_guests_must_sign_in(client, closed_plg, lehrkraft_a, lehrkraft_b):
    plg_file = services.upload_file(actor=lehrkraft_a, plg=closed_plg, upload=_upload({})["file"])
    url = plg_file.document.url

    client.force_login(lehrkraft_b)
    assert client.get(url).status_code == 404
    client.force_login(lehrkraft_a)
    assert client.get(url).status_code == 200
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_files_of_a_published_result_are_open_to_the_network(client, closed_plg, lehrkraft_a, plg_leitung, lehrkraft_b):
    plg_file = services.upload_file(actor=lehrkraft_a, plg=closed_plg, upload=_upload({})["file"])
    other = services.upload_file(actor=lehrkraft_a, plg=closed_plg, upload=_upload({})["file"])
    services.publish_result(
        actor=plg_leitung, plg=closed_plg, title="Ergebnis", tried="a", worked="b", materials=[plg_file]
    )
    client.force_login(lehrkraft_b)

    assert client.get(plg_file.document.url).status_code == 200
    assert client.get(other.document.url).status_code == 404

"""Generated frames of every type against the discussion socket (plc/frames.py, plc/consumers.py).

Issue: non-finite numbers, huge and negative ids, nulls, wrong types, nested and deeply nested
values, unknown fields and actions must each get the specific refusal, never a traceback, never an
ERROR log entry, and nothing may be written.

Three parts:

- the parser (``frames.parse``) alone, fast and with many examples: every malformed frame is a
  ``BadFrame`` with its code (``invalid`` naming the field, ``invalid_json``, ``unknown_type``) and the
  client's ``client_id`` when it is a usable string; every valid frame is its model with exact values;
- the same malformed frames, and oversized and binary ones, over one real socket held open across
  the Hypothesis examples (its own event loop, driven example by example): one error frame each,
  the connection stays open, no discussion row changes, no ERROR record, no traceback;
- the regressions the issue names, in one ordinary socket scenario (``tests.plc.sockets.run``).

Two bugs these tests found are fixed and stay tested: a NaN or Infinity literal lost the client_id of
the refusal; a str with a lone surrogate made ``parse`` raise TypeError.

Malformed frames are written as JSON text, field by field, so that they can hold what ``json.dumps``
cannot write: ``NaN`` and ``Infinity`` literals, ``1e400``, 4,000-digit integers, 10,000 levels of nesting.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.test import override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from plc import consumers, frames
from plc.frames import MAX_HAVE, MAX_ID
from plc.models import DiscussionSequence, Message, ReadPosition, Topic
from tests.plc.sockets import (
    IN_MEMORY_LAYER,
    TIMEOUT,
    close_all,
    next_frame,
    open_socket,
    open_synced,
    run,
    send,
    session_of,
)

PARSER = settings(max_examples=300, deadline=None)
OVER_THE_SOCKET = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CODES = {"invalid", "invalid_json", "unknown_type"}  # what the parser answers
NON_FINITE = ("NaN", "Infinity", "-Infinity")  # literals pydantic's JSON parser reads as floats

# --- The schema, as the tests see it ---------------------------------------------------------------

ID, OPTIONAL_ID, SEQ, SEQS, TEXT, CLIENT_ID = "id", "optional id", "seq", "seqs", "text", "client id"

FIELDS = {  # frame type → its fields (besides "type" and "client_id") → what they hold
    "ping": {},
    "sync": {"last_seq": SEQ, "have": SEQS},
    "post": {"topic": ID, "body": TEXT, "reply_to": OPTIONAL_ID},
    "edit": {"message": ID, "body": TEXT},
    "delete": {"message": ID},
    "hide": {"message": ID},
    "unhide": {"message": ID},
    "typing": {"topic": ID},
    "read": {"topic": ID, "message": ID},
}
DEFAULTS = {"sync": {"last_seq": 0, "have": []}, "post": {"reply_to": None}}  # the optional fields
MODELS = {
    "ping": frames.Ping,
    "sync": frames.Sync,
    "post": frames.Post,
    "edit": frames.Edit,
    "delete": frames.Delete,
    "hide": frames.Hide,
    "unhide": frames.Unhide,
    "typing": frames.Typing,
    "read": frames.Read,
}


def test_the_tables_above_cover_every_frame_type_and_field():
    """A field added to a frame must be added here too, or the generated frames would never test it."""
    assert set(FIELDS) == set(MODELS) == set(frames.FRAME_TYPES)
    for kind, model in MODELS.items():
        assert set(model.model_fields) == {"type", "client_id", *FIELDS[kind]}, kind
        optional = {name for name, field in model.model_fields.items() if not field.is_required()}
        assert optional == {"client_id", *DEFAULTS.get(kind, {})}, kind


# --- Valid values ------------------------------------------------------------------------------------

ids = st.integers(1, MAX_ID)
seqs = st.integers(0, MAX_ID)
texts = st.text(st.characters(codec="utf-8"))  # any text a socket carries: no lone surrogates; NUL too
client_ids = st.text(st.characters(codec="utf-8"), max_size=64)
VALID = {
    ID: ids,
    OPTIONAL_ID: st.none() | ids,
    SEQ: seqs,
    SEQS: st.lists(seqs, max_size=MAX_HAVE),
    TEXT: texts,
    CLIENT_ID: client_ids,
}


@st.composite
def valid_frames(draw, kind: str | None = None) -> dict:
    """A frame the schema accepts, as a dict; optional fields (``client_id`` too) present or not."""
    kind = kind or draw(st.sampled_from(frames.FRAME_TYPES))
    frame = {"type": kind}
    for name, holds in FIELDS[kind].items():
        if name not in DEFAULTS.get(kind, {}) or draw(st.booleans()):
            frame[name] = draw(VALID[holds])
    if draw(st.booleans()):
        frame["client_id"] = draw(client_ids)
    return frame


def _dumps(value, ascii_only: bool = False) -> str:
    return json.dumps(value, ensure_ascii=ascii_only)


def _render(pairs: list[tuple[str, str]]) -> str:
    """A JSON object from (key, JSON text of the value) pairs, in their order."""
    return "{" + ",".join(f"{_dumps(key)}:{value}" for key, value in pairs) + "}"


def _pairs(frame: dict, ascii_only: bool = False) -> list[tuple[str, str]]:
    return [(key, _dumps(value, ascii_only)) for key, value in frame.items()]


# --- Wrong values, as JSON text ---------------------------------------------------------------------

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
containers = (st.lists(json_values, max_size=3) | st.dictionaries(st.text(max_size=5), json_values, max_size=3)).map(
    _dumps
)


def _nest(opener: str, depth: int) -> str:
    """``depth`` levels of arrays or objects around a 1."""
    if opener == "[":
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def nested(min_depth: int, max_depth: int):
    return st.builds(_nest, st.sampled_from(["[", "{"]), st.integers(min_depth, max_depth))


null = st.just("null")
booleans = st.booleans().map(_dumps)
floats = st.floats(allow_nan=False, allow_infinity=False).map(_dumps) | st.sampled_from(
    ["1.5", "1.0", "-0.0", "0.0", "1e2", "1E2", "2.5e-3", "1e400", "-1e400", "1e-400", "0e0"]
)
non_finite = st.sampled_from(NON_FINITE)
# Up to 4,300 digits: Python's limit for int(str); pydantic refuses longer numbers as invalid JSON
# (test_numbers_longer_than_python_reads_are_refused_too).
huge_digits = st.integers(20, 4300).map(lambda n: "9" * n)
strings = st.text(max_size=20).map(_dumps) | st.integers().map(lambda n: _dumps(str(n)))


def ints_outside(low: int):
    """Integers below ``low`` or above the database's bigint, as JSON text."""
    edges = [low - 1, -(2**63), -(2**63) - 1, MAX_ID + 1, 2**64, 10**30, -(10**30)]
    return st.one_of(
        st.integers(max_value=low - 1).map(str),
        st.integers(min_value=MAX_ID + 1).map(str),
        st.sampled_from(edges).map(str),
        huge_digits,
        huge_digits.map(lambda digits: "-" + digits),
    )


def not_an_integer(low: int):
    return st.one_of(null, booleans, floats, non_finite, ints_outside(low), strings, containers, nested(1, 100))


not_a_text = st.one_of(
    null, booleans, st.integers().map(str), huge_digits, floats, non_finite, containers, nested(1, 100)
)

WRONG = {
    ID: not_an_integer(1),
    OPTIONAL_ID: not_an_integer(1).filter(lambda text: text != "null"),  # null: no reply
    SEQ: not_an_integer(0),
    TEXT: not_a_text,
    CLIENT_ID: not_a_text | st.text(st.characters(codec="utf-8"), min_size=65, max_size=200).map(_dumps),
}


@st.composite
def wrong_have(draw) -> tuple[str, str]:
    """A wrong ``have`` of ``sync`` and the field the refusal names: ``have`` or one item, ``have.3``."""
    how = draw(st.sampled_from(["not a list", "a wrong item", "too long"]))
    if how == "not a list":
        value = draw(st.one_of(null, booleans, floats, non_finite, st.integers().map(str), strings, nested(1, 100)))
        value = value if not value.startswith("[") else "{" + _dumps("a") + ":" + value + "}"
        return value, "have"
    if how == "too long":
        return _dumps(draw(st.lists(seqs, min_size=MAX_HAVE + 1, max_size=MAX_HAVE + 40))), "have"
    before, after = draw(st.lists(seqs, max_size=5)), draw(st.lists(seqs, max_size=5))
    items = [str(n) for n in before] + [draw(not_an_integer(0))] + [str(n) for n in after]
    return "[" + ",".join(items) + "]", f"have.{len(before)}"


@st.composite
def wrong_value(draw, name: str, holds: str) -> tuple[str, str]:
    if holds == SEQS:
        return draw(wrong_have())
    return draw(WRONG[holds]), name


# --- Malformed frames ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """A malformed frame and the refusal it must get."""

    text: str | bytes
    code: str
    field: str = ""  # the field the message names (code "invalid")
    client_id: str | None = ""  # echoed in the refusal; None: not checked (binary frames carry none)


@st.composite
def shuffled(draw, pairs: list) -> list:
    return draw(st.permutations(pairs)) if pairs else pairs


@st.composite
def wrong_fields(draw) -> Bad:
    """One field of a valid frame (``client_id`` too) holds a wrong value."""
    kind = draw(st.sampled_from(frames.FRAME_TYPES))
    frame = draw(valid_frames(kind))
    name = draw(st.sampled_from([*FIELDS[kind], "client_id"]))
    frame.pop(name, None)
    value, field = draw(wrong_value(name, FIELDS[kind].get(name, CLIENT_ID)))
    text = _render(draw(shuffled([*_pairs(frame), (name, value)])))
    return Bad(text, "invalid", field, frame.get("client_id", ""))


@st.composite
def missing_fields(draw) -> Bad:
    kind = draw(
        st.sampled_from([kind for kind in frames.FRAME_TYPES if set(FIELDS[kind]) - set(DEFAULTS.get(kind, {}))])
    )
    frame = draw(valid_frames(kind))
    name = draw(st.sampled_from(sorted(set(FIELDS[kind]) - set(DEFAULTS.get(kind, {})))))
    del frame[name]
    text = _render(draw(shuffled(_pairs(frame))))
    return Bad(text, "invalid", name, frame.get("client_id", ""))


@st.composite
def extra_fields(draw) -> Bad:
    frame = draw(valid_frames())
    known = MODELS[frame["type"]].model_fields
    name = draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=30).filter(lambda n: n not in known))
    value = draw(json_values.map(_dumps) | floats | nested(1, 50))
    text = _render(draw(shuffled([*_pairs(frame), (name, value)])))
    return Bad(text, "invalid", name, frame.get("client_id", ""))


NEAR_MISSES = [
    "",
    "Ping",
    "PING",
    " ping",
    "ping ",
    "ping\n",
    "post\u0000",
    "pong",
    "message",
    "error",
    "synced",
    "presence",
    "topic",
    "revoked",
    "__init__",
    "__class__",
    "on_ping",
    "receive",
    "close",
    "disconnect",
]


@st.composite
def unknown_types(draw) -> Bad:
    """An unknown action: a type no frame has, a type that is not a string, or no type at all."""
    frame = draw(valid_frames())
    del frame["type"]
    pairs = _pairs(frame)
    if draw(st.booleans()):
        value = draw(
            st.one_of(
                st.sampled_from(NEAR_MISSES).map(_dumps),
                st.text(st.characters(codec="utf-8")).filter(lambda t: t not in frames.FRAME_TYPES).map(_dumps),
                null,
                booleans,
                st.integers().map(str),
                huge_digits,
                floats,
                non_finite,
                containers,
                st.sampled_from(frames.FRAME_TYPES).map(lambda kind: _dumps([kind])),
                nested(1, 100),
            )
        )
        pairs.append(("type", value))
    text = _render(draw(shuffled(pairs)))
    return Bad(text, "unknown_type", "", frame.get("client_id", ""))


@st.composite
def not_objects(draw) -> Bad:
    """Valid JSON, but not an object: arrays (also of frames), numbers, strings, null, literals."""
    value = draw(
        st.one_of(
            json_values.filter(lambda v: not isinstance(v, dict)).map(_dumps),
            non_finite,
            floats,
            huge_digits,
            st.lists(valid_frames(), min_size=1, max_size=2).map(_dumps),
            st.builds(_nest, st.just("["), st.integers(1, 100)),
        )
    )
    return Bad(value, "invalid_json")


@st.composite
def not_json(draw) -> Bad:
    """Cut off, followed by something, or never JSON to begin with."""
    text = _render(_pairs(draw(valid_frames())))
    how = draw(st.sampled_from(["cut off", "followed", "never"]))
    if how == "cut off":
        text = text[: draw(st.integers(0, len(text) - 1))]
    elif how == "followed":
        text += draw(st.text(st.characters(codec="utf-8"), min_size=1).filter(lambda s: s.strip(" \t\r\n")))
    else:
        text = draw(st.sampled_from(["}", "]", ":", ",", "x", "'", "<", "undefined", "None", "True"])) + draw(texts)
    return Bad(text, "invalid_json")


@st.composite
def too_deep(draw) -> Bad:
    """1,000 to 12,000 levels of arrays or objects: the whole frame, a field's value, or the type's."""
    nest = draw(nested(1_000, 12_000))
    frame = draw(valid_frames())
    where = draw(st.sampled_from(["frame", "field", "type", "client_id", "unknown field"]))
    if where == "frame":
        return Bad(nest, "invalid_json")
    name = {"type": "type", "client_id": "client_id", "unknown field": "deep"}.get(where)
    name = name or draw(st.sampled_from([*FIELDS[frame["type"]], "client_id"]))
    frame.pop(name, None)
    return Bad(_render(draw(shuffled([*_pairs(frame), (name, nest)]))), "invalid_json")


malformed_frames = st.one_of(
    wrong_fields(), missing_fields(), extra_fields(), unknown_types(), not_objects(), not_json(), too_deep()
)


# --- 1. The parser --------------------------------------------------------------------------------


def names(message: str, field: str) -> bool:
    """The message names exactly this field, in German quotes (or English ones, untranslated)."""
    return f"„{field}“" in message or f"“{field}”" in message


def assert_refused(bad: Bad, refusal) -> None:
    assert isinstance(refusal, frames.BadFrame), f"accepted: {refusal!r}"
    assert refusal.code == bad.code, refusal
    assert refusal.message, refusal
    if bad.field:
        assert names(refusal.message, bad.field), refusal
    if bad.client_id is not None:
        assert refusal.client_id == bad.client_id, refusal


@PARSER
@given(frame=valid_frames(), ascii_only=st.booleans(), data=st.data())
@example(frame={"type": "read", "topic": 1, "message": MAX_ID}, ascii_only=False, data=None)
@example(frame={"type": "sync", "last_seq": MAX_ID, "have": [0, MAX_ID]}, ascii_only=False, data=None)
@example(
    frame={"type": "post", "topic": 1, "body": "\u0000 😀 \u2028", "client_id": "c" * 64}, ascii_only=True, data=None
)
def test_valid_frames_are_their_model_with_exact_values(frame, ascii_only, data):
    pairs = _pairs(frame, ascii_only)
    parsed = frames.parse(_render(data.draw(shuffled(pairs)) if data else pairs))

    assert type(parsed) is MODELS[frame["type"]]
    assert parsed.model_dump() == {"client_id": "", **DEFAULTS.get(frame["type"], {}), **frame}


@PARSER
@given(bad=wrong_fields())
def test_a_wrong_value_in_any_field_is_invalid_and_names_the_field(bad):
    assert_refused(bad, frames.parse(bad.text))


@PARSER
@given(bad=missing_fields() | extra_fields())
def test_a_missing_or_unknown_field_is_invalid_and_names_the_field(bad):
    assert_refused(bad, frames.parse(bad.text))


@PARSER
@given(bad=unknown_types())
def test_an_unknown_or_missing_type_is_unknown_type(bad):
    assert_refused(bad, frames.parse(bad.text))


@PARSER
@given(bad=not_objects() | not_json() | too_deep())
def test_text_that_is_not_a_json_object_or_nests_too_deep_is_invalid_json(bad):
    assert_refused(bad, frames.parse(bad.text))


@settings(max_examples=500, deadline=None)
@given(text=st.text() | json_values.map(_dumps))
def test_any_text_at_all_is_a_frame_or_a_refusal(text):
    parsed = frames.parse(text)

    assert isinstance(parsed, (frames.BadFrame, *MODELS.values()))
    if isinstance(parsed, frames.BadFrame):
        assert parsed.code in CODES and parsed.message


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"type": "post", "topic": 1, "body": null, "client_id": "c"}', "body"),
        ('{"type": "post", "topic": true, "body": "x", "client_id": "c"}', "topic"),
        ('{"type": "post", "topic": 1.5, "body": "x", "client_id": "c"}', "topic"),
        ('{"type": "post", "topic": 1, "body": "x", "reply_to": false, "client_id": "c"}', "reply_to"),
        ('{"type": "sync", "last_seq": 1e400, "client_id": "c"}', "last_seq"),
        ('{"type": "sync", "last_seq": 1000000000000000000000000000000, "client_id": "c"}', "last_seq"),
        ('{"type": "sync", "last_seq": 9223372036854775808, "client_id": "c"}', "last_seq"),
        ('{"type": "read", "topic": 1, "message": -9223372036854775809, "client_id": "c"}', "message"),
    ],
)
def test_named_regressions_are_invalid(text, field):
    assert_refused(Bad(text, "invalid", field, "c"), frames.parse(text))


@pytest.mark.parametrize("literal", NON_FINITE)
def test_non_finite_numbers_are_invalid(literal):
    refusal = frames.parse(f'{{"type": "sync", "last_seq": {literal}}}')

    assert_refused(Bad("", "invalid", "last_seq"), refusal)


@pytest.mark.parametrize("literal", NON_FINITE)
def test_client_id_is_echoed_when_another_field_is_nan_or_infinity(literal):
    refusal = frames.parse(f'{{"type": "post", "topic": {literal}, "body": "x", "client_id": "c-7"}}')

    assert_refused(Bad("", "invalid", "topic", "c-7"), refusal)


@pytest.mark.parametrize(
    "text", ['{"type": "post", "topic": 1, "body": "\ud800"}', "\udfff"], ids=["in-a-body", "alone"]
)
def test_text_with_a_lone_surrogate_is_a_refusal_not_an_exception(text):
    refusal = frames.parse(text)

    assert isinstance(refusal, frames.BadFrame) and refusal.code in CODES, refusal


@pytest.mark.parametrize("opener", ["[", "{"])
@pytest.mark.parametrize("where", ["frame", "body"])
def test_ten_thousand_levels_of_nesting_are_invalid_json(opener, where):
    nest = _nest(opener, 10_000)
    text = nest if where == "frame" else '{"type": "post", "topic": 1, "body": ' + nest + ', "client_id": "c"}'

    assert_refused(Bad(text, "invalid_json"), frames.parse(text))


def test_numbers_longer_than_python_reads_are_refused_too():
    """4,301 digits and more: valid JSON, but pydantic's parser refuses them ("number out of range")."""
    for digits in ("9" * 4301, "-" + "9" * 10_000):
        refusal = frames.parse(f'{{"type": "delete", "message": {digits}, "client_id": "c"}}')
        assert isinstance(refusal, frames.BadFrame) and refusal.code in {"invalid", "invalid_json"}, refusal


def test_a_client_id_that_is_not_usable_is_not_echoed():
    for client_id in (5, None, True, ["c"], {"c": 1}, "c" * 65):
        text = _render([("type", '"post"'), ("topic", "true"), ("body", '"x"'), ("client_id", _dumps(client_id))])
        refusal = frames.parse(text)
        assert isinstance(refusal, frames.BadFrame) and refusal.code == "invalid" and refusal.client_id == ""


# --- 2. Over the socket ------------------------------------------------------------------------------


@st.composite
def too_large(draw) -> Bad:
    """Over 16 KiB in UTF-8 (also when fewer characters): a long body, an extra field or trailing spaces."""
    char = draw(st.sampled_from(["x", "ä", "€", "😀"]))
    padding = char * (consumers.MAX_FRAME // len(char.encode()) + 1 + draw(st.integers(0, 64)))
    frame = draw(valid_frames())
    how = draw(st.sampled_from(["body", "extra field", "spaces"]))
    if how == "body":
        text = _render(_pairs({"type": "post", "topic": draw(ids), "body": padding}))
    elif how == "extra field":
        text = _render([*_pairs(frame), ("pad", _dumps(padding))])
    else:
        text = _render(_pairs(frame)) + " " * (consumers.MAX_FRAME + 1)
    return Bad(text, "too_large")


binary_frames = st.one_of(
    st.binary(max_size=64),
    valid_frames().map(lambda frame: _render(_pairs(frame)).encode()),
).map(lambda data: Bad(data, "invalid"))


def as_sent(bad: Bad) -> Bad:
    """The socket checks the size before the schema: a long malformed frame is only too large."""
    if isinstance(bad.text, str) and len(bad.text.encode()) > consumers.MAX_FRAME:
        return Bad(bad.text, "too_large")
    return bad


socket_frames = st.one_of(malformed_frames.map(as_sent), too_large(), binary_frames)


def _discussion_rows() -> dict[str, list[dict]]:
    """Every row the discussion writes, with every column."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Topic, Message, ReadPosition, DiscussionSequence)
    }


def assert_quiet(records: list[logging.LogRecord]) -> None:
    """No ERROR (or worse) record and no traceback in any record."""
    loud = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in records if r.levelno >= logging.ERROR or r.exc_info]
    assert not loud, "\n".join(loud)


async def answers_to(ws, payloads: list[str | bytes]) -> list[list[dict]]:
    """For each payload: every frame sent back until the ``pong`` to a ``ping`` after it (presence aside).

    The consumer handles a socket's frames one after the other, so the answer to a payload comes
    before the pong; a closed connection fails the receive.
    """
    answers = []
    for payload in payloads:
        # send_input, not send_to: that one cannot send an empty frame, which a client can.
        await ws.send_input({"type": "websocket.receive", ("bytes" if isinstance(payload, bytes) else "text"): payload})
        await send(ws, type="ping")
        answer = []
        while (frame := await ws.receive_json_from(timeout=TIMEOUT))["type"] != "pong":
            if frame["type"] != "presence":
                answer.append(frame)
        answers.append(answer)
    return answers


class HeldSocket:
    """A member's socket, open across the examples of a test, on a loop that runs only while it is used.

    Should a batch break it (a closed connection, a missing answer), the next batch opens a new one:
    each example starts from a working socket, so Hypothesis shrinks to the frame that did it.
    """

    def __init__(self, plg_id: int, session: str):
        self.plg_id, self.session = plg_id, session
        self.loop = asyncio.new_event_loop()
        self.ws = None

    def answers(self, payloads: list[str | bytes]) -> list[list[dict]]:
        if self.ws is None:
            self.ws = self.loop.run_until_complete(open_socket(self.plg_id, self.session))
        try:
            return self.loop.run_until_complete(answers_to(self.ws, payloads))
        except BaseException:
            self.loop.run_until_complete(close_all(self.ws))
            self.ws = None
            raise

    def close(self) -> None:
        try:
            if self.ws is not None:
                self.loop.run_until_complete(close_all(self.ws))
        finally:
            pending = asyncio.all_tasks(self.loop)  # the hub's receive loops
            for task in pending:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()


@pytest.fixture
def held_socket(monkeypatch, caplog, unlimited, open_plg, lehrkraft_a):
    """A ``HeldSocket`` for all examples of a test, with the frame budget (and the limits) lifted.

    Between examples the loop stands still and the test reads the database synchronously; the
    consumer's database calls run in asgiref's thread for them, as they would without a test.
    """
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(consumers, "FRAME_BUDGET", (10**9, 1.0))
    held = HeldSocket(open_plg.pk, session_of(lehrkraft_a))
    channel_layers.backends.clear()
    try:
        with override_settings(CHANNEL_LAYERS=IN_MEMORY_LAYER):
            try:
                held.answers([])  # open it now: the examples start with a working socket
                yield held
            finally:
                held.close()
    finally:
        channel_layers.backends.clear()


# The socket tests talk to the consumer, which reaches the database from other threads: transactional,
# with the migrated pages restored after them (as in test_consumers.py).
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)
realtime_fixtures = pytest.mark.usefixtures("restore_migrated_data", "fresh_realtime")


@transactional
@realtime_fixtures
@pytest.mark.usefixtures("topic")  # something to leave unchanged: a topic with its first message
@OVER_THE_SOCKET
@given(batch=st.lists(socket_frames, min_size=1, max_size=8))
def test_malformed_frames_get_their_error_over_an_open_socket_and_change_nothing(held_socket, caplog, batch):
    assert_quiet(caplog.get_records("setup"))  # opening the socket
    caplog.clear()  # each example is judged by its own records
    before = _discussion_rows()

    answers = held_socket.answers([bad.text for bad in batch])

    for bad, answer in zip(batch, answers, strict=True):
        sent = repr(bad.text[:300])
        assert len(answer) == 1, f"{sent}: {answer}"
        error = answer[0]
        assert set(error) == {"type", "code", "message", "client_id"}, f"{sent}: {error}"
        assert (error["type"], error["code"]) == ("error", bad.code), f"{sent}: {error}"
        assert error["message"], error
        if bad.field:
            assert names(error["message"], bad.field), f"{sent}: {error}"
        if bad.client_id is not None:
            assert error["client_id"] == bad.client_id, f"{sent}: {error}"
    assert _discussion_rows() == before
    assert_quiet(caplog.records)


# --- 3. The regressions the issue names ---------------------------------------------------------------

PING = '{"type": "ping"}'
TYPING = '{"type": "typing", "topic": 1}'
REGRESSIONS = [
    # (what, payload with TOPIC and MESSAGE for the ids, code of the error frame; None: no error frame)
    ("post body null (was stored as 'None')", '{"type": "post", "topic": TOPIC, "body": null}', "invalid"),
    ("post body with NUL", '{"type": "post", "topic": TOPIC, "body": "a\\u0000b"}', "invalid"),
    ("post body only NUL", '{"type": "post", "topic": TOPIC, "body": "\\u0000"}', "invalid"),
    ("edit body with NUL", '{"type": "edit", "message": MESSAGE, "body": "neu\\u0000"}', "invalid"),
    ("edit body null", '{"type": "edit", "message": MESSAGE, "body": null}', "invalid"),
    ("topic true (was taken as 1)", '{"type": "post", "topic": true, "body": "x"}', "invalid"),
    ("topic 1.5 (was taken as 1)", '{"type": "post", "topic": 1.5, "body": "x"}', "invalid"),
    ("topic '1'", '{"type": "post", "topic": "1", "body": "x"}', "invalid"),
    ("reply_to true", '{"type": "post", "topic": TOPIC, "body": "x", "reply_to": true}', "invalid"),
    ("read message 1.0", '{"type": "read", "topic": TOPIC, "message": 1.0}', "invalid"),
    ("last_seq NaN", '{"type": "sync", "last_seq": NaN}', "invalid"),
    ("last_seq Infinity", '{"type": "sync", "last_seq": Infinity}', "invalid"),
    ("last_seq 1e400", '{"type": "sync", "last_seq": 1e400}', "invalid"),
    ("last_seq 10**30", '{"type": "sync", "last_seq": ' + str(10**30) + "}", "invalid"),
    ("last_seq -1", '{"type": "sync", "last_seq": -1}', "invalid"),
    ("have with NaN", '{"type": "sync", "have": [1, NaN]}', "invalid"),
    ("8,000 nested arrays (fits in 16 KiB)", _nest("[", 8_000), "invalid_json"),
    ("10,000 nested arrays (over 16 KiB)", _nest("[", 10_000), "too_large"),
    (
        "2,700 nested objects in a body",
        '{"type": "post", "topic": 1, "body": ' + _nest("{", 2_700) + "}",
        "invalid_json",
    ),
    # A typing frame has no answer (a ping's pong would be taken for the answer to the ping after it).
    ("typing of exactly 16 KiB: accepted", TYPING + " " * (consumers.MAX_FRAME - len(TYPING)), None),
    ("typing of 16 KiB and one byte", TYPING + " " * (consumers.MAX_FRAME - len(TYPING) + 1), "too_large"),
    (
        "4,097 emoji: fewer characters, more bytes",
        _render([("type", '"post"'), ("topic", "1"), ("body", _dumps("😀" * 4097))]),
        "too_large",
    ),
    ("binary ping", PING.encode(), "invalid"),
    ("binary nothing", b"", "invalid"),
    ("unknown action", '{"type": "shout", "topic": TOPIC}', "unknown_type"),
    ("no action", '{"topic": TOPIC, "body": "x"}', "unknown_type"),
    ("not an object", '[{"type": "ping"}]', "invalid_json"),
]


def _with_ids(payload: str | bytes, topic: int, message: int) -> str | bytes:
    if isinstance(payload, bytes):
        return payload
    return payload.replace("TOPIC", str(topic)).replace("MESSAGE", str(message))


@transactional
@realtime_fixtures
def test_named_regressions_over_the_socket_are_refused_and_nothing_is_stored(
    monkeypatch, caplog, open_plg, topic, lehrkraft_a
):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(consumers, "FRAME_BUDGET", (10**9, 1.0))  # some 55 frames: near the budget of 60
    first = topic.messages.get()  # the topic's first message, by lehrkraft_a (she may edit it)
    payloads = [_with_ids(payload, topic.pk, first.pk) for _, payload, _ in REGRESSIONS]
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_synced(open_plg.pk, session)
        try:
            answers = await answers_to(ws, payloads)
            unchanged = await sync_to_async(_discussion_rows)()
            # A good frame still works: the refusals did not merely come from a broken socket.
            await send(ws, type="post", topic=topic.pk, body="Jetzt richtig", client_id="gut")
            return answers, unchanged, await next_frame(ws, "message")
        finally:
            await close_all(ws)

    before = _discussion_rows()
    answers, unchanged, posted = run(scenario)

    for (what, _, code), answer in zip(REGRESSIONS, answers, strict=True):
        assert [frame["code"] for frame in answer] == ([code] if code else []), f"{what}: {answer}"
        assert all(frame["type"] == "error" and frame["message"] for frame in answer), f"{what}: {answer}"
    assert unchanged == before
    assert posted["client_id"] == "gut"
    assert list(Message.objects.filter(topic=topic).order_by("pk").values_list("body", flat=True)) == [
        first.body,
        "Jetzt richtig",
    ]
    assert_quiet(caplog.records)


@transactional
@realtime_fixtures
def test_the_log_watch_would_see_an_unexpected_exception(monkeypatch, caplog, open_plg, topic, lehrkraft_a):
    """The checks above are only worth something if a handler's crash shows: code internal, a traceback."""
    caplog.set_level(logging.DEBUG)

    async def crash(self, frame):
        raise RuntimeError("planted")

    monkeypatch.setattr(consumers.DiscussionConsumer, "on_typing", crash)
    session = session_of(lehrkraft_a)

    async def scenario():
        ws = await open_socket(open_plg.pk, session)
        try:
            return await answers_to(ws, [_render([("type", '"typing"'), ("topic", str(topic.pk))])])
        finally:
            await close_all(ws)

    [[error]] = run(scenario)

    assert error["code"] == "internal"
    with pytest.raises(AssertionError, match=r"ERROR plc\.consumers"):
        assert_quiet(caplog.records)

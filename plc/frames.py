"""The frames a discussion client may send: strict schemas, checked before anything else happens.

Each frame type is a pydantic model with exact types (no ``true`` or ``1.5`` for an id, no ``null``
for a text), bounded numbers (ids fit the database's 64-bit integers) and no unknown fields. The
JSON is parsed by pydantic's own parser, which refuses NaN and Infinity and nesting deeper than its
recursion limit with an error instead of a crash. ``parse`` returns the frame or a ``BadFrame`` with
the error frame's code and German message. Protocol: docs/realtime.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import from_json

MAX_ID = 2**63 - 1  # the database's bigint
MAX_HAVE = 256  # stream positions a client may list as already held

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Seq = Annotated[int, Field(ge=0, le=MAX_ID)]


class _Frame(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    client_id: Annotated[str, Field(max_length=64)] = ""  # echoed in the answer (the client's own post)


class Ping(_Frame):
    type: Literal["ping"]


class Sync(_Frame):
    """Send me what I miss: I hold every position up to ``last_seq``, and those in ``have``."""

    type: Literal["sync"]
    last_seq: Seq = 0
    have: Annotated[list[Seq], Field(max_length=MAX_HAVE)] = []


class Post(_Frame):
    type: Literal["post"]
    topic: Id
    body: str
    reply_to: Id | None = None


class Edit(_Frame):
    type: Literal["edit"]
    message: Id
    body: str


class Delete(_Frame):
    type: Literal["delete"]
    message: Id


class Hide(_Frame):
    type: Literal["hide"]
    message: Id


class Unhide(_Frame):
    type: Literal["unhide"]
    message: Id


class Typing(_Frame):
    type: Literal["typing"]
    topic: Id


class Read(_Frame):
    type: Literal["read"]
    topic: Id
    message: Id


Frame = Annotated[Ping | Sync | Post | Edit | Delete | Hide | Unhide | Typing | Read, Field(discriminator="type")]
FRAME_TYPES = ("ping", "sync", "post", "edit", "delete", "hide", "unhide", "typing", "read")
_frames = TypeAdapter(Frame)


@dataclass(frozen=True)
class BadFrame:
    code: str  # the error frame's code
    message: str  # German
    client_id: str = ""


def parse(text: str) -> _Frame | BadFrame:
    try:
        data = text.encode("utf-8")  # a lone surrogate (not text a browser can send) is not JSON either
    except UnicodeEncodeError:
        return BadFrame("invalid_json", _("The frame is not valid JSON."))
    try:
        return _frames.validate_json(data)
    except ValidationError as error:
        return _refusal(error, text)


def _refusal(error: ValidationError, text: str) -> BadFrame:
    first = error.errors(include_url=False, include_input=False)[0]
    kind, location = first["type"], [str(part) for part in first["loc"]]
    if kind == "json_invalid":
        return BadFrame("invalid_json", _("The frame is not valid JSON."))
    client_id = _client_id(text)
    if kind in ("model_attributes_type", "model_type", "dict_type"):
        return BadFrame("invalid_json", _("The frame is not a JSON object."), client_id)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return BadFrame("unknown_type", _("Unknown frame type."), client_id)
    field = ".".join(location[1:]) or "?"  # loc[0] is the frame type the union chose
    if kind == "extra_forbidden":
        message = _("The frame has a field that does not belong to it: “%(field)s”.") % {"field": field}
    elif kind == "missing":
        message = _("The field “%(field)s” is missing.") % {"field": field}
    else:
        message = _("The field “%(field)s” has a value that cannot be used.") % {"field": field}
    return BadFrame("invalid", message, client_id)


def _client_id(text: str) -> str:
    """The ``client_id`` of a frame that failed its schema, if it has a usable one (for the answer)."""
    try:
        data = from_json(text)  # NaN and Infinity are read here: the refusal is about another field
    except ValueError:
        return ""
    client_id = data.get("client_id") if isinstance(data, dict) else None
    return client_id if isinstance(client_id, str) and len(client_id) <= 64 else ""

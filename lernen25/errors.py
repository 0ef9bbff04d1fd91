"""The one exception a service raises when it will not do what was asked."""

from __future__ import annotations

import enum

from django.utils.functional import Promise


class RefusalKind(enum.StrEnum):
    FORBIDDEN = "forbidden"  # the actor may not do this (HTTP 403)
    NOT_FOUND = "not_found"  # the actor may not even know it exists (HTTP 404)
    CONFLICT = "conflict"  # the state does not allow it now (HTTP 409)
    INVALID = "invalid"  # the input is wrong (HTTP 400 / form error)
    RATE_LIMITED = "rate_limited"  # too much too fast: try again later (HTTP 429, Retry-After)


HTTP_STATUS = {
    RefusalKind.FORBIDDEN: 403,
    RefusalKind.NOT_FOUND: 404,
    RefusalKind.CONFLICT: 409,
    RefusalKind.INVALID: 400,
    RefusalKind.RATE_LIMITED: 429,
}


class Refused(Exception):
    """A service refused an action. ``message`` is translatable German for the user.

    Views turn it into a form error or a 4xx page, consumers into an error frame,
    the API into a JSON problem; nothing has been written when it is raised.
    """

    def __init__(
        self,
        message: str | Promise,
        kind: RefusalKind = RefusalKind.INVALID,
        *,
        details=None,
        retry_after: int | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        self.kind = RefusalKind(kind)
        self.details = details or []
        self.retry_after = retry_after  # seconds, for RATE_LIMITED

    @property
    def status(self) -> int:
        return HTTP_STATUS[self.kind]

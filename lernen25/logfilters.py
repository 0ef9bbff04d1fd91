"""Log filters: an expected refusal is one line, not a traceback.

Django logs a 403 (``PermissionDenied``) and a 400 (``SuspiciousOperation``, ``BadRequest``) on
``django.request`` / ``django.security.*`` with the exception attached, so every refused probe put a
traceback into the log, indistinguishable at a glance from a real fault. A refusal below 500 is
expected: its one line (status, path) stays, the traceback goes. 5xx keep theirs.
"""

from __future__ import annotations

import logging


class ExpectedRefusalsAsOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        expected = status is not None and status < 500
        if expected or record.name.startswith("django.security."):
            record.exc_info = None
            record.exc_text = None
        return True

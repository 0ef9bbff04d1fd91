"""Writes of the core app: one function per user action, grouped by concern.

Each service checks who acts, writes in one transaction and records an audit event. It raises
``lernen25.errors.Refused`` with a German message and writes nothing when it will not do what
was asked.
"""

from lernen25.services.accounts import assign_role, revoke_role, update_profile
from lernen25.services.affiliations import (
    confirm_by_email_domain,
    confirm_by_single_sign_on,
    decide_confirmation,
    grant_function,
    request_confirmation,
    revoke_function,
    set_staff_email_domain,
)
from lernen25.services.schools import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    SCHOOL_CSV_COLUMNS,
    ImportResult,
    RowError,
    import_schools,
    parse_school_csv,
)

__all__ = [
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "SCHOOL_CSV_COLUMNS",
    "ImportResult",
    "RowError",
    "assign_role",
    "confirm_by_email_domain",
    "confirm_by_single_sign_on",
    "decide_confirmation",
    "grant_function",
    "import_schools",
    "parse_school_csv",
    "request_confirmation",
    "revoke_function",
    "revoke_role",
    "set_staff_email_domain",
    "update_profile",
]

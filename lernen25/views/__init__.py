"""HTTP views of the core app, by concern: the person's own account, a school's people."""

from lernen25.views.account import notifications_view, profile_view, request_confirmation_view
from lernen25.views.staff import (
    school_decide_view,
    school_domain_view,
    school_grant_view,
    school_people_view,
    school_revoke_view,
)
from lernen25.views.styleguide import styleguide_view

__all__ = [
    "notifications_view",
    "profile_view",
    "request_confirmation_view",
    "school_decide_view",
    "school_domain_view",
    "school_grant_view",
    "school_people_view",
    "school_revoke_view",
    "styleguide_view",
]

"""Content Security Policy: strict on the site, relaxed for Wagtail's admin.

Wagtail 8's admin still ships inline scripts (InlinePanel, date pickers; wagtail#1288), so
``/admin/`` and ``/django-admin/`` get ``'unsafe-inline'`` for scripts and styles. Every
other path keeps the strict nonce policy of ``CONTENT_SECURITY_POLICY``.
"""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts

ADMIN_PREFIXES = ("/admin/", "/django-admin/")

ADMIN_POLICY = {
    "default-src": [SELF],
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:"],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "frame-src": [SELF],
    "form-action": [SELF],
    "base-uri": [SELF],
    "object-src": ["'none'"],
    "frame-ancestors": [SELF],
}


class SiteCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(ADMIN_PREFIXES):
            # A nonce in the header would make browsers ignore 'unsafe-inline'.
            return PolicyParts(config=ADMIN_POLICY, update=None, replace=None, nonce=None)
        return parts

"""How often one sender may report a barrier (``lernen25.limits``), consumed in ``legal.services``.

The form is open to everybody, signed out too, so it is counted per person when signed in and
per network address otherwise (IPv6 per /64), as allauth counts its anonymous forms.
"""

from django.utils.translation import gettext_lazy as _

from lernen25.limits import limit

REPORT = limit(
    "legal.report_barrier",
    5,
    3600,
    _("You have sent several reports in a short time; please wait %(seconds)d seconds before sending another."),
)

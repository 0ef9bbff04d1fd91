"""The feedback form of the accessibility statement and its confirmation (routes of ``LegalPage``).

Open to everybody, signed out too (BITV 2.0). A valid report is stored and the SMZ notified
(``legal.services``), then the sender is redirected to the confirmation (no second send on reload).
A filled-in honeypot is answered the same way, and nothing is stored or sent.
"""

from __future__ import annotations

import ipaddress

from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from legal import services
from legal.forms import BarrierReportForm
from legal.models import LegalPage
from lernen25.permissions import require

FORM_TEMPLATE = "legal/report_barrier.html"
SENT_TEMPLATE = "legal/report_sent.html"


def sender_key(request) -> str:
    """What the rate limit counts by: the person, or the network address (IPv6 per /64, as allauth)."""
    if request.user.is_authenticated:
        return f"u{request.user.pk}"
    from allauth.account.adapter import get_adapter

    ip = get_adapter(request).get_client_ip(request) or "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"ip:{ip}"
    if address.version == 6:
        address = ipaddress.IPv6Network(f"{address}/64", strict=False).network_address
    return f"ip:{address}"


def _initial(request) -> dict:
    """A link may name the page the barrier is on (``?seite=…``). Name and address stay empty even for
    the signed in: the report is linked to their account, and nobody sends an address unasked."""
    initial = {}
    where = request.GET.get("seite", "").strip()[:500]
    if where:
        initial["page_address"] = where
    return initial


def report_barrier(request, page: LegalPage):
    require(request.user, "legal.report_barrier")
    status = 200
    if request.method == "POST":
        form = BarrierReportForm(request.POST)
        if form.is_valid():
            if not form.is_bot:
                data = form.cleaned_data
                services.report_barrier(
                    actor=request.user,
                    sender=sender_key(request),
                    description=data["description"],
                    page_address=data["page_address"],
                    name=data["name"],
                    email=data["email"],
                    url_of=lambda report: reverse("barrier_reports:inspect", args=[report.pk]),
                )
            return redirect(page.subpage_url("report_sent", request))
        status = 400
    elif request.method in ("GET", "HEAD"):
        form = BarrierReportForm(initial=_initial(request))
    else:
        from django.http import HttpResponseNotAllowed

        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    context = {**page.get_context(request), "form": form}
    return TemplateResponse(request, FORM_TEMPLATE, context, status=status)


def report_sent(request, page: LegalPage):
    return TemplateResponse(request, SENT_TEMPLATE, page.get_context(request))

"""The SMZ's list of barrier reports in the Wagtail admin (read-only: reports are answered by mail).

Who sees it is the rule ``legal.view_barrier_reports`` (the SMZ and administrators, with their second
factor), not a Django model permission: the role table stays the core's, and nobody edits a report.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from legal.models import BarrierReport
from lernen25.admin_policies import ActionPolicy
from lernen25.permissions import allowed


class BarrierReportPolicy(ActionPolicy):
    """Viewing for those the rule allows; adding, changing and deleting for nobody."""

    def user_has_permission(self, user, action):
        return action == "view" and allowed(user, "legal.view_barrier_reports")


class BarrierReportViewSet(ModelViewSet):
    model = BarrierReport
    icon = "warning"
    menu_label = gettext_lazy("Barrier reports")
    menu_order = 900
    list_display = ["created_at", "__str__", "page_address", "name", "email"]
    search_fields = ["description", "page_address", "name", "email"]
    ordering = ["-created_at"]
    inspect_view_enabled = True
    inspect_view_fields = ["created_at", "page_address", "description", "name", "email", "reporter"]
    form_fields = ["description"]


register_permission_policy(BarrierReport, BarrierReportPolicy(BarrierReport))


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [BarrierReportViewSet("barrier_reports")]

"""The legal pages (Wagtail pages the SMZ edits) and the barrier reports of the feedback form.

One page model for all three, told apart by ``kind``: the footer finds them in one query, the
role table grants the SMZ editing on every page of one type, and the seeding (``legal/seed.py``)
creates each kind once. Only the accessibility statement has routes of its own: the feedback
form and its confirmation (``RoutablePageMixin``; the form's view is ``legal.views``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Page, PagePermissionTester

from legal.blocks import LegalBodyBlock


class LegalKind(models.TextChoices):
    IMPRINT = "imprint", _("Imprint")
    PRIVACY = "privacy", _("Privacy statement")
    ACCESSIBILITY = "accessibility", _("Accessibility statement")


class LegalPagePermissionTester(PagePermissionTester):
    """The pages must stay where the footer links them: only superusers delete, unpublish, move or copy.

    Wagtail lets whoever may change a page also delete it; the SMZ changes and publishes only.
    """

    def _superuser(self) -> bool:
        return self.user.is_active and self.user.is_superuser

    def can_delete(self, ignore_bulk=False):
        return self._superuser() and super().can_delete(ignore_bulk)

    def can_unpublish(self):
        return self._superuser() and super().can_unpublish()

    def can_move(self):
        return self._superuser() and super().can_move()

    def can_copy(self):
        return False  # a second page of a kind cannot exist (``kind`` is unique)


class LegalPage(RoutablePageMixin, Page):
    """An imprint, privacy statement or accessibility statement; created by the seeding, never in the admin."""

    kind = models.CharField(_("Kind"), max_length=20, choices=LegalKind.choices, unique=True, editable=False)
    last_reviewed = models.DateField(
        _("As of"), help_text=_("The date the text was last checked; shown on the page as “As of”.")
    )
    body = StreamField(LegalBodyBlock(), verbose_name=_("Text"))

    content_panels = [*Page.content_panels, FieldPanel("last_reviewed"), FieldPanel("body")]
    parent_page_types = ["lernen25.HomePage"]
    subpage_types: list[str] = []
    # Each kind exists exactly once (the seeding makes it); nobody adds another in the admin.
    is_creatable = False
    template = "legal/legal_page.html"

    class Meta:
        verbose_name = _("Legal page")
        verbose_name_plural = _("Legal pages")

    def permissions_for_user(self, user):
        return LegalPagePermissionTester(user, self)

    @property
    def is_accessibility_statement(self) -> bool:
        return self.kind == LegalKind.ACCESSIBILITY

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sections"] = [block.value["heading"] for block in self.body if block.block_type == "section"]
        if self.is_accessibility_statement:
            context["report_url"] = self.subpage_url("report_barrier", request)
        return context

    def subpage_url(self, name: str, request=None) -> str:
        """The address of one of the page's routes (the feedback form, its confirmation)."""
        return self.get_url(request).rstrip("/") + "/" + self.reverse_subpage(name).lstrip("/")

    def _accessibility_only(self) -> None:
        if not self.is_accessibility_statement:
            raise Http404

    @path("barriere-melden/", name="report_barrier")
    def report_barrier_route(self, request):
        from legal.views import report_barrier

        self._accessibility_only()
        return report_barrier(request, self)

    @path("barriere-melden/gesendet/", name="report_sent")
    def report_sent_route(self, request):
        from legal.views import report_sent

        self._accessibility_only()
        return report_sent(request, self)


class BarrierReport(models.Model):
    """A barrier someone reported through the accessibility statement's feedback form.

    Kept for the SMZ (Wagtail admin → Barrier reports), who answer within the time BITV NRW sets.
    The person is stored only if signed in; name and address only if they chose to give them.
    """

    page_address = models.CharField(_("Where did the barrier occur?"), max_length=500, blank=True)
    description = models.TextField(_("Description of the barrier"), max_length=5000)
    name = models.CharField(_("Your name"), max_length=150, blank=True)
    email = models.EmailField(_("Your email address for an answer"), blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Signed-in reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Received"), auto_now_add=True)

    class Meta:
        verbose_name = _("Barrier report")
        verbose_name_plural = _("Barrier reports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        summary = " ".join(self.description.split())
        return summary if len(summary) <= 60 else f"{summary[:59]}…"

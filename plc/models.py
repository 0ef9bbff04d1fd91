"""PLG spaces: professional learning communities of teachers from several schools.

A PLG is a Wagtail page (``PlgPage``) under the directory (``PlgIndexPage``); its members,
requests, invitations, files, links, meetings and results are plain models that point at it.
Nothing here checks permissions: ``plc.permissions`` decides, ``plc.services`` writes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


class PlgKind(models.TextChoices):
    LESSON_DEVELOPMENT = "lesson_development", _("Lesson-development project")
    INNOVATION = "innovation", _("Innovation project")
    SUBJECT_GROUP = "subject_group", _("Subject group")
    PRINCIPALS = "principals", _("Principals' round")


class PlgStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    ARCHIVED = "archived", _("Archived")


class Visibility(models.TextChoices):
    OPEN = "open", _("Open: every teacher may join")
    ON_REQUEST = "on_request", _("On request: leads or the SMZ accept")
    CLOSED = "closed", _("Closed: by invitation only, invisible to others")


class PlgIndexPage(Page):
    """The PLG directory: lists the PLGs a person may see, with filters and search."""

    intro = RichTextField(_("Introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["lernen25.HomePage"]
    subpage_types = ["plc.PlgPage"]
    max_count = 1

    class Meta:
        verbose_name = _("PLC directory")

    template = "plc/directory.html"

    def get_context(self, request, *args, **kwargs):
        from plc.pages import directory_context

        return {**super().get_context(request, *args, **kwargs), **directory_context(request)}


class PlgPage(Page):
    """One PLG. Its page shows what the person asking may see (see ``plc.permissions``)."""

    kind = models.CharField(_("Kind"), max_length=32, choices=PlgKind.choices, default=PlgKind.LESSON_DEVELOPMENT)
    goals = RichTextField(_("Goals"), blank=True, features=["bold", "italic", "ol", "ul", "link", "h3"])
    subjects = ParentalManyToManyField("lernen25.Subject", blank=True, related_name="plgs", verbose_name=_("Subjects"))
    grade_levels = ParentalManyToManyField(
        "lernen25.GradeLevel", blank=True, related_name="plgs", verbose_name=_("Grade levels")
    )
    competences = ParentalManyToManyField(
        "lernen25.Competence", blank=True, related_name="plgs", verbose_name=_("Media competences")
    )
    schools = ParentalManyToManyField(
        "lernen25.School", blank=True, related_name="plgs", verbose_name=_("Participating schools")
    )
    status = models.CharField(_("Status"), max_length=16, choices=PlgStatus.choices, default=PlgStatus.ACTIVE)
    visibility = models.CharField(_("Visibility"), max_length=16, choices=Visibility.choices, default=Visibility.OPEN)
    start_date = models.DateField(_("Start"), null=True, blank=True)
    end_date = models.DateField(_("End"), null=True, blank=True)
    featured = models.BooleanField(_("Featured on the home page"), default=False)
    collection = models.ForeignKey(
        "wagtailcore.Collection", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("goals"),
        MultiFieldPanel(
            [FieldPanel("subjects"), FieldPanel("grade_levels"), FieldPanel("competences"), FieldPanel("schools")],
            heading=_("Subjects, grades, competences, schools"),
        ),
        # Status, visibility and featuring change through the services (permission, audit log, the
        # leads' change log) on the PLG's page; the admin shows them only.
        MultiFieldPanel(
            [
                FieldPanel("status", read_only=True),
                FieldPanel("visibility", read_only=True),
                FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
                FieldPanel("featured", read_only=True),
            ],
            heading=_("Status and visibility"),
            help_text=_("Status, visibility and featuring are changed on the PLC's page."),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("goals"),
        index.FilterField("kind"),
        index.FilterField("status"),
        index.FilterField("visibility"),
    ]
    parent_page_types = ["plc.PlgIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("PLC")
        verbose_name_plural = _("PLCs")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=PlgKind.values), name="plg_kind_known"),
            models.CheckConstraint(condition=models.Q(status__in=PlgStatus.values), name="plg_status_known"),
            models.CheckConstraint(condition=models.Q(visibility__in=Visibility.values), name="plg_visibility_known"),
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="plg_ends_after_start",
            ),
        ]

    @property
    def is_writable(self) -> bool:
        """Archived and completed PLGs are read-only: no joins, uploads or meetings."""
        return self.status in (PlgStatus.PLANNED, PlgStatus.ACTIVE)

    def get_context(self, request, *args, **kwargs):
        # Who may see it is checked before it is served (plc.wagtail_hooks.before_serve_page).
        from plc.pages import plg_context

        return {**super().get_context(request, *args, **kwargs), **plg_context(request, self)}


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("Member")
    LEAD = "lead", _("Lead")


class Membership(models.Model):
    plg = models.ForeignKey(PlgPage, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plg_memberships")
    role = models.CharField(_("Role"), max_length=8, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Membership")
        verbose_name_plural = _("Memberships")
        ordering = ["-role", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["plg", "user"], name="one_membership_per_plg_and_user"),
            models.CheckConstraint(condition=models.Q(role__in=MembershipRole.values), name="membership_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.plg}"

    @property
    def is_lead(self) -> bool:
        return self.role == MembershipRole.LEAD


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class JoinRequest(models.Model):
    """A teacher asks to join a PLG on request; a lead or the SMZ decides, with a reason to decline."""

    plg = models.ForeignKey(PlgPage, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plg_join_requests")
    message = models.TextField(_("Message"), max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("Reason"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Join request")
        verbose_name_plural = _("Join requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plg", "user"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_plg_and_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.plg}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    REVOKED = "revoked", _("Revoked")


class Invitation(models.Model):
    """A lead invites a teacher by account or by e-mail address (who may not have an account yet)."""

    plg = models.ForeignKey(PlgPage, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("Email address"))
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="plg_invitations"
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Invitation")
        verbose_name_plural = _("Invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plg", "email"], condition=models.Q(status="pending"), name="one_pending_invitation_per_email"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.plg}"


class PlgFile(models.Model):
    """A file shared in a PLG: a Wagtail document in the PLG's collection."""

    plg = models.ForeignKey(PlgPage, on_delete=models.CASCADE, related_name="files")
    document = models.OneToOneField("wagtaildocs.Document", on_delete=models.CASCADE, related_name="plg_file")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("File")
        verbose_name_plural = _("Files")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.document.title


class PlgLink(models.Model):
    plg = models.ForeignKey(PlgPage, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(_("Title"), max_length=200)
    url = models.URLField(_("Address (URL)"), max_length=500)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Link")
        verbose_name_plural = _("Links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    plg = models.ForeignKey(PlgPage, on_delete=models.CASCADE, related_name="meetings")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # stable iCalendar UID
    title = models.CharField(_("Title"), max_length=200)
    starts_at = models.DateTimeField(_("Starts"))
    ends_at = models.DateTimeField(_("Ends"))
    location = models.CharField(_("Place"), max_length=200, blank=True)
    video_url = models.URLField(_("Video link"), max_length=500, blank=True)
    notes = models.TextField(_("Notes"), max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Meeting")
        verbose_name_plural = _("Meetings")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Result(models.Model):
    """What a PLG tried and learned, published by a lead to the whole network."""

    plg = models.ForeignKey(PlgPage, on_delete=models.CASCADE, related_name="results")
    title = models.CharField(_("Title"), max_length=200)
    tried = models.TextField(_("What was tried"), max_length=5000)
    worked = models.TextField(_("What worked"), max_length=5000)
    materials = models.ManyToManyField(PlgFile, blank=True, related_name="results", verbose_name=_("Materials"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Result")
        verbose_name_plural = _("Results")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PlgProposal(models.Model):
    """A teacher proposes a new PLG; the SMZ approves (creating it with the proposer as lead) or rejects."""

    title = models.CharField(_("Title"), max_length=200)
    kind = models.CharField(_("Kind"), max_length=32, choices=PlgKind.choices)
    goals = models.TextField(_("Goals"), max_length=5000)
    visibility = models.CharField(_("Visibility"), max_length=16, choices=Visibility.choices, default=Visibility.OPEN)
    subjects = models.ManyToManyField("lernen25.Subject", blank=True, related_name="+", verbose_name=_("Subjects"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plg_proposals")
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("Reason"), max_length=1000, blank=True)
    plg = models.ForeignKey(PlgPage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("PLC proposal")
        verbose_name_plural = _("PLC proposals")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


# --- Discussion ---------------------------------------------------------------------------


class Topic(models.Model):
    """A thread of a PLG's discussion. Leads and the SMZ pin and lock topics."""

    plg = models.ForeignKey(PlgPage, on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(_("Title"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    pinned = models.BooleanField(_("Pinned"), default=False)
    locked = models.BooleanField(_("Locked"), default=False)

    class Meta:
        verbose_name = _("Topic")
        verbose_name_plural = _("Topics")
        ordering = ["-pinned", "-last_message_at", "-id"]

    def __str__(self) -> str:
        return self.title


class MessageState(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    EDITED = "edited", _("Edited")
    HIDDEN = "hidden", _("Hidden by the moderation")
    DELETED = "deleted", _("Deleted")


class DiscussionSequence(models.Model):
    """The counter of a PLG's discussion stream: the last ``seq`` handed out.

    Every write of a message (post, edit, hide, delete) takes the next number inside its
    transaction; the row stays locked until that transaction commits, so numbers are handed out,
    and become visible, in commit order, without gaps (a rolled-back write rolls its number back).
    A client that holds everything up to ``n`` asks for ``seq > n`` and misses nothing. A separate
    row and not a field of ``PlgPage``: publishing a page revision would write an old value back.
    """

    plg = models.OneToOneField(PlgPage, on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.plg_id}: {self.last_seq}"


class Message(models.Model):
    """One message. Saved before it is broadcast; its ``seq`` orders the PLG's stream.

    ``seq`` is the stream position of the message's last change (``DiscussionSequence``): a
    reconnecting client gets every message with a higher ``seq`` than it holds, in one indexed range
    scan over ``plg`` (which repeats the topic's PLG for that purpose).
    """

    plg = models.ForeignKey(PlgPage, on_delete=models.CASCADE, related_name="messages")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("Message"), max_length=5000)  # Markdown source, kept for editing
    body_html = models.TextField(editable=False)  # rendered and sanitised once, when written
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=MessageState.choices, default=MessageState.VISIBLE)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True, db_index=True)  # every edit, hide or delete
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    seq = models.BigIntegerField(default=0, editable=False)  # stream position of the last change

    class Meta:
        verbose_name = _("Message")
        verbose_name_plural = _("Messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["plg", "id"]), models.Index(fields=["topic", "id"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=MessageState.values), name="message_state_known"),
            # Also the index of the catch-up (seq > n within a PLG).
            models.UniqueConstraint(fields=["plg", "seq"], name="message_seq_unique_per_plg"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} in {self.topic_id}"

    @property
    def is_readable(self) -> bool:
        return self.state in (MessageState.VISIBLE, MessageState.EDITED)


class ReadPosition(models.Model):
    """How far a person has read a topic: the id of the last message they saw."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="read_positions")
    last_read_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="one_read_position_per_topic")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.topic_id} to {self.last_read_id}"

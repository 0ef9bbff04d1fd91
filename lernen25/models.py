"""Core domain of Lernen 25: accounts, schools, subjects, profiles, audit, the home page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


class EmailUserManager(UserManager):
    """Users are identified by their e-mail address; there is no user name."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """One account for the site and the Wagtail admin, signed in by e-mail address."""

    username = None
    email = models.EmailField(_("Email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = EmailUserManager()

    class Meta:
        verbose_name = _("Account")
        verbose_name_plural = _("Accounts")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name shown to others: the profile's display name, else first and last name."""
        profile = getattr(self, "profile", None)
        if profile is not None and profile.display_name:
            return profile.display_name
        full = self.get_full_name().strip()
        return full or self.email.split("@", 1)[0]


class SchoolType(models.TextChoices):
    """NRW school types (Schulformen)."""

    GRUNDSCHULE = "grundschule", _("Primary school (Grundschule)")
    HAUPTSCHULE = "hauptschule", _("Hauptschule")
    REALSCHULE = "realschule", _("Realschule")
    SEKUNDARSCHULE = "sekundarschule", _("Sekundarschule")
    GESAMTSCHULE = "gesamtschule", _("Comprehensive school (Gesamtschule)")
    GYMNASIUM = "gymnasium", _("Gymnasium")
    FOERDERSCHULE = "foerderschule", _("Special school (Förderschule)")
    BERUFSKOLLEG = "berufskolleg", _("Vocational college (Berufskolleg)")
    WEITERBILDUNGSKOLLEG = "weiterbildungskolleg", _("Adult education college (Weiterbildungskolleg)")


class District(models.TextChoices):
    """Duisburg's seven city districts (Stadtbezirke)."""

    WALSUM = "walsum", "Walsum"
    HAMBORN = "hamborn", "Hamborn"
    MEIDERICH_BEECK = "meiderich-beeck", "Meiderich/Beeck"
    HOMBERG_RUHRORT_BAERL = "homberg-ruhrort-baerl", "Homberg/Ruhrort/Baerl"
    MITTE = "mitte", "Mitte"
    RHEINHAUSEN = "rheinhausen", "Rheinhausen"
    SUED = "sued", "Süd"


school_number_validator = RegexValidator(r"^\d{6}\Z", _("The school number has exactly six digits."))


class School(index.Indexed, models.Model):
    """A school of Duisburg, identified by the state's six-digit Schulnummer."""

    number = models.CharField(_("School number"), max_length=6, unique=True, validators=[school_number_validator])
    name = models.CharField(_("Name"), max_length=200)
    school_type = models.CharField(_("School type"), max_length=32, choices=SchoolType.choices)
    district = models.CharField(_("District"), max_length=32, choices=District.choices)
    street = models.CharField(_("Street and number"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("Postal code"),
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^\d{5}\Z", _("The postal code has five digits."))],
    )
    city = models.CharField(_("City"), max_length=100, default="Duisburg")
    pupils = models.PositiveIntegerField(_("Pupils"), default=0)
    teachers = models.PositiveIntegerField(_("Teachers"), default=0)
    staff_email_domain = models.CharField(
        _("Staff e-mail domain"),
        max_length=253,
        blank=True,
        help_text=_(
            "E.g. schule-xyz.de. A verified address in this domain confirms the person as a teacher of this school."
        ),
    )

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("number"),
        index.FilterField("school_type"),
        index.FilterField("district"),
    ]

    class Meta:
        verbose_name = _("School")
        verbose_name_plural = _("Schools")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(school_type__in=SchoolType.values), name="school_type_known"),
            models.CheckConstraint(condition=models.Q(district__in=District.values), name="school_district_known"),
            models.UniqueConstraint(
                fields=["staff_email_domain"],
                condition=~models.Q(staff_email_domain=""),
                name="school_staff_email_domain_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class Subject(models.Model):
    """A school subject (Fach), reference data loaded by a migration."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    slug = models.SlugField(_("Short name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("Subject")
        verbose_name_plural = _("Subjects")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """What a person tells the network about themselves. Created with the account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(
        _("Display name"),
        max_length=100,
        blank=True,
        help_text=_("How others see you in the network. Empty: first and last name."),
    )
    subjects = models.ManyToManyField(Subject, blank=True, related_name="profiles", verbose_name=_("Subjects"))
    email_notifications = models.BooleanField(
        _("Email notifications"),
        default=True,
        help_text=_("Also receive join requests, decisions, invitations and new meetings by email."),
    )
    mention_digest = models.BooleanField(
        _("Daily e-mail digest of mentions"),
        default=True,
        help_text=_("Once a day, an e-mail lists where you were mentioned (@name) in your PLCs' discussions."),
    )
    # The language of the person's e-mails and notifications; the interface takes it at sign-in.
    language = models.CharField(
        _("Language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of your e-mails and notifications."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Profile")
        verbose_name_plural = _("Profiles")

    def __str__(self) -> str:
        return self.user.email


class SchoolFunction(models.TextChoices):
    """What a person is at a school. Granted and recorded (``Affiliation``), never self-chosen."""

    LEHRKRAFT = "lehrkraft", _("Teacher")
    MEDIENBEAUFTRAGTE = "medienbeauftragte", _("Media coordinator")
    SCHULLEITUNG = "schulleitung", _("Principal")


class AffiliationSource(models.TextChoices):
    """How a function came about: shown beside it and kept in the audit log."""

    GRANTED = "granted", _("Granted")
    REQUEST = "request", _("Confirmed on request")
    EMAIL_DOMAIN = "email_domain", _("School e-mail address")
    SINGLE_SIGN_ON = "sso", _("School sign-on")
    MIGRATION = "migration", _("Taken over from the former roles")


class AffiliationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class Affiliation(models.Model):
    """A person's function at a school: who granted it and when; revoked, it stays as history."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="affiliations")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="affiliations", verbose_name=_("School"))
    function = models.CharField(_("Function"), max_length=32, choices=SchoolFunction.choices)
    source = models.CharField(_("Source"), max_length=32, choices=AffiliationSource.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("Granted at"), default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("Revoked at"), null=True, blank=True)

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        verbose_name = _("School function")
        verbose_name_plural = _("School functions")
        ordering = ["school__name", "function", "-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school", "function"],
                condition=models.Q(revoked_at__isnull=True),
                name="affiliation_one_active_per_function",
            ),
            models.CheckConstraint(
                condition=models.Q(function__in=SchoolFunction.values), name="affiliation_function_known"
            ),
        ]
        indexes = [
            models.Index(
                fields=["school", "function"],
                condition=models.Q(revoked_at__isnull=True),
                name="affiliation_active_by_school",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_function_display()} ({self.school.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ConfirmationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Confirmed")
    DECLINED = "declined", _("Declined")


class ConfirmationRequest(models.Model):
    """A person asks a school to confirm them as a teacher there; its principals decide."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="confirmation_requests")
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="confirmation_requests", verbose_name=_("School")
    )
    message = models.TextField(_("Message to the principal"), max_length=1000, blank=True)
    status = models.CharField(
        _("Status"), max_length=16, choices=ConfirmationStatus.choices, default=ConfirmationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Confirmation request")
        verbose_name_plural = _("Confirmation requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school"],
                condition=models.Q(status="pending"),
                name="confirmation_request_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.school.name}"


class AuditEvent(models.Model):
    """Who did what to which object, when. Written by services in the same transaction."""

    action = models.CharField(_("Action"), max_length=100, db_index=True)  # dotted: "lernen25.schools.imported"
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Audit event")
        verbose_name_plural = _("Audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_repr}"


class HomePage(Page):
    """The site's root page: what guests read about the network; editors keep the text."""

    intro = RichTextField(_("Introduction for guests"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("Home page")

    def get_context(self, request, *args, **kwargs):
        from lernen25.registry import home_panels
        from lernen25.selectors import home_feed_for

        context = super().get_context(request, *args, **kwargs)
        context["feed"] = home_feed_for(request.user)
        # The apps' panels (lernen25.registry), each read by its own selector for this person.
        context["panels"] = home_panels.for_user(request.user) if request.user.is_authenticated else []
        return context


class Competence(models.Model):
    """A competence of the Medienkompetenzrahmen NRW (code such as ``4.2``); reference data."""

    code = models.CharField(_("Code"), max_length=5, unique=True)
    area = models.CharField(_("Area"), max_length=100)
    name = models.CharField(_("Name"), max_length=150)

    class Meta:
        verbose_name = _("Competence")
        verbose_name_plural = _("Competences")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class GradeLevel(models.Model):
    """A grade level (Jahrgangsstufe), 1 to 13; reference data."""

    number = models.PositiveSmallIntegerField(_("Grade"), unique=True)

    class Meta:
        verbose_name = _("Grade level")
        verbose_name_plural = _("Grade levels")
        ordering = ["number"]

    def __str__(self) -> str:
        return _("Grade %(number)d") % {"number": self.number}


class Notification(models.Model):
    """An in-app notification; services create them through ``lernen25.notifications``."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=100)  # a registered kind, dotted: "plc.join_request.created"
    params = models.JSONField(default=dict, blank=True)  # what the kind's text needs, as it was then
    # The text as written before kinds were rendered on reading (rows older than migration 0010).
    stored_text = models.CharField(_("Text"), max_length=500, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Notification")
        verbose_name_plural = _("Notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The text in the reader's (the active) language."""
        from lernen25.notifications import render

        return render(self.kind, self.params) or self.stored_text

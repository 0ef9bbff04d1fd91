"""Core domain of Lernen 25: accounts, schools, subjects, profiles, audit, the home page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
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
    email = models.EmailField(_("E-Mail-Adresse"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = EmailUserManager()

    class Meta:
        verbose_name = _("Konto")
        verbose_name_plural = _("Konten")
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

    GRUNDSCHULE = "grundschule", _("Grundschule")
    HAUPTSCHULE = "hauptschule", _("Hauptschule")
    REALSCHULE = "realschule", _("Realschule")
    SEKUNDARSCHULE = "sekundarschule", _("Sekundarschule")
    GESAMTSCHULE = "gesamtschule", _("Gesamtschule")
    GYMNASIUM = "gymnasium", _("Gymnasium")
    FOERDERSCHULE = "foerderschule", _("Förderschule")
    BERUFSKOLLEG = "berufskolleg", _("Berufskolleg")
    WEITERBILDUNGSKOLLEG = "weiterbildungskolleg", _("Weiterbildungskolleg")


class District(models.TextChoices):
    """Duisburg's seven city districts (Stadtbezirke)."""

    WALSUM = "walsum", "Walsum"
    HAMBORN = "hamborn", "Hamborn"
    MEIDERICH_BEECK = "meiderich-beeck", "Meiderich/Beeck"
    HOMBERG_RUHRORT_BAERL = "homberg-ruhrort-baerl", "Homberg/Ruhrort/Baerl"
    MITTE = "mitte", "Mitte"
    RHEINHAUSEN = "rheinhausen", "Rheinhausen"
    SUED = "sued", "Süd"


school_number_validator = RegexValidator(r"^\d{6}\Z", _("Die Schulnummer besteht aus genau sechs Ziffern."))


class School(index.Indexed, models.Model):
    """A school of Duisburg, identified by the state's six-digit Schulnummer."""

    number = models.CharField(_("Schulnummer"), max_length=6, unique=True, validators=[school_number_validator])
    name = models.CharField(_("Name"), max_length=200)
    school_type = models.CharField(_("Schulform"), max_length=32, choices=SchoolType.choices)
    district = models.CharField(_("Stadtbezirk"), max_length=32, choices=District.choices)
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("Postleitzahl"),
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^\d{5}\Z", _("Die Postleitzahl besteht aus fünf Ziffern."))],
    )
    city = models.CharField(_("Ort"), max_length=100, default="Duisburg")
    pupils = models.PositiveIntegerField(_("Schüler:innen"), default=0)
    teachers = models.PositiveIntegerField(_("Lehrkräfte"), default=0)

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("number"),
        index.FilterField("school_type"),
        index.FilterField("district"),
    ]

    class Meta:
        verbose_name = _("Schule")
        verbose_name_plural = _("Schulen")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(school_type__in=SchoolType.values), name="school_type_known"),
            models.CheckConstraint(condition=models.Q(district__in=District.values), name="school_district_known"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class Subject(models.Model):
    """A school subject (Fach), reference data loaded by a migration."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    slug = models.SlugField(_("Kürzel"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("Fach")
        verbose_name_plural = _("Fächer")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """What a person tells the network about themselves. Created with the account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(
        _("Anzeigename"),
        max_length=100,
        blank=True,
        help_text=_("So sehen andere Sie im Netzwerk. Leer: Vor- und Nachname."),
    )
    schools = models.ManyToManyField(School, blank=True, related_name="profiles", verbose_name=_("Schulen"))
    subjects = models.ManyToManyField(Subject, blank=True, related_name="profiles", verbose_name=_("Fächer"))
    email_notifications = models.BooleanField(
        _("Benachrichtigungen per E-Mail"),
        default=True,
        help_text=_("Beitrittsanfragen, Entscheidungen, Einladungen und neue Termine auch per E-Mail erhalten."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Profil")
        verbose_name_plural = _("Profile")

    def __str__(self) -> str:
        return self.user.email


class AuditEvent(models.Model):
    """Who did what to which object, when. Written by services in the same transaction."""

    action = models.CharField(_("Aktion"), max_length=100, db_index=True)  # dotted: "lernen25.schools.imported"
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokoll")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_repr}"


class HomePage(Page):
    """The site's root page: what guests read about the network; editors keep the text."""

    intro = RichTextField(_("Einleitung für Gäste"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("Startseite")

    def get_context(self, request, *args, **kwargs):
        from lernen25.selectors import home_feed_for

        context = super().get_context(request, *args, **kwargs)
        context["feed"] = home_feed_for(request.user)
        return context

"""School single sign-on: one OpenID Connect issuer (the school's IServ) per school.

Each ``SchoolSignOn`` becomes an allauth social app of the ``openid_connect`` provider
(``sso.adapter.SocialAccountAdapter.list_apps``); its ``provider_id`` names the login URL
``/accounts/oidc/<provider_id>/login/`` and every ``SocialAccount`` made through it.
"""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from lernen25.models import School

OPENID_CONNECT = "openid_connect"
DEFAULT_SCOPES = "openid profile email"
DEFAULT_TEACHER_CLAIM = "roles"
DEFAULT_TEACHER_VALUES = "teacher,lehrer,ROLE_TEACHER"

provider_id_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z",
    _("Use lower-case letters, digits and hyphens only, e.g. iserv-165432."),
)


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").replace(";", ",").split(",") if part.strip()]


def _claim(claims: dict, path: str):
    """The value at ``path`` in ``claims``; a dotted path walks into objects (``realm_access.roles``)."""
    if path in claims:
        return claims[path]
    value = claims
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def claim_sets(extra_data: dict) -> list[dict]:
    """The claim sets allauth stored for an OpenID Connect account, the userinfo answer first.

    allauth 65.11 and later keep ``{"userinfo": {...}, "id_token": {...}}``; older accounts
    hold the claims themselves.
    """
    if not isinstance(extra_data, dict):
        return []
    sets = [extra_data[key] for key in ("userinfo", "id_token") if isinstance(extra_data.get(key), dict)]
    return sets or [extra_data]


class SchoolSignOn(models.Model):
    """A school's own OpenID Connect sign-on (usually its IServ), configured by administrators."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="sign_ons", verbose_name=_("School"))
    provider_id = models.CharField(
        _("Provider ID"),
        max_length=64,
        unique=True,
        validators=[provider_id_validator],
        help_text=_(
            "Part of the sign-in address /accounts/oidc/<provider ID>/login/, e.g. iserv-165432. "
            "It cannot be changed later."
        ),
    )
    name = models.CharField(
        _("Button label"), max_length=100, help_text=_("Shown on the sign-in page, e.g. IServ Gesamtschule Meiderich.")
    )
    server_url = models.CharField(
        _("Issuer URL"),
        max_length=300,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text=_(
            "The school's OpenID Connect issuer, as its discovery document names it; "
            "/.well-known/openid-configuration is appended."
        ),
    )
    client_id = models.CharField(_("Client ID"), max_length=191)
    secret = models.CharField(_("Client secret"), max_length=191)
    scopes = models.CharField(
        _("Scopes"),
        max_length=200,
        default=DEFAULT_SCOPES,
        help_text=_("Requested scopes, separated by spaces; add the scope that releases the role claim if needed."),
    )
    teacher_claim = models.CharField(
        _("Teacher claim"),
        max_length=100,
        default=DEFAULT_TEACHER_CLAIM,
        help_text=_("Name of the claim that lists the person's roles; a dotted name reads a nested claim."),
    )
    teacher_values = models.CharField(
        _("Teacher values"),
        max_length=300,
        default=DEFAULT_TEACHER_VALUES,
        help_text=_(
            "Comma-separated values of that claim that mean “teacher”. They confirm the Lehrkraft function "
            "at this school, never more."
        ),
    )
    enabled = models.BooleanField(_("Enabled"), default=True)

    class Meta:
        verbose_name = _("School sign-on")
        verbose_name_plural = _("School sign-ons")
        ordering = ["school__name", "provider_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider_id})"

    # --- Validation ----------------------------------------------------------------------

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list] = {}
        self.server_url = (self.server_url or "").strip().rstrip("/")
        parsed = urlparse(self.server_url)
        allowed = {"https", "http"} if settings.DEBUG else {"https"}
        if self.server_url and (parsed.scheme not in allowed or not parsed.hostname):
            errors.setdefault("server_url", []).append(_("The issuer URL must start with https://."))
        elif parsed.query or parsed.fragment:
            errors.setdefault("server_url", []).append(_("The issuer URL may not contain ? or #."))
        if self.provider_id and self.provider_id in reserved_provider_ids():
            errors.setdefault("provider_id", []).append(
                _("The provider ID %(id)s is already used by another sign-in method.") % {"id": self.provider_id}
            )
        if not self.teacher_claim.strip():
            errors.setdefault("teacher_claim", []).append(_("Name the claim that lists the roles."))
        if not _split(self.teacher_values):
            errors.setdefault("teacher_values", []).append(_("Name at least one value that means “teacher”."))
        if "openid" not in self.scope_list:
            errors.setdefault("scopes", []).append(_("The scopes must include openid."))
        if errors:
            raise ValidationError(errors)

    # --- Use -------------------------------------------------------------------------------

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in (self.scopes or "").replace(",", " ").split() if scope]

    @property
    def teacher_value_list(self) -> list[str]:
        return _split(self.teacher_values)

    def says_teacher(self, extra_data: dict) -> bool:
        """True if the claims name one of ``teacher_values`` in ``teacher_claim`` (a string or a list)."""
        wanted = {value.casefold() for value in self.teacher_value_list}
        claim = self.teacher_claim.strip()
        for claims in claim_sets(extra_data):
            value = _claim(claims, claim)
            values = value if isinstance(value, list | tuple) else [value]
            if any(isinstance(item, str) and item.strip().casefold() in wanted for item in values):
                return True
        return False

    def social_app(self):
        """An unsaved allauth ``SocialApp`` of the ``openid_connect`` provider for this sign-on."""
        from allauth.socialaccount.models import SocialApp

        return SocialApp(
            provider=OPENID_CONNECT,
            provider_id=self.provider_id,
            name=self.name,
            client_id=self.client_id,
            secret=self.secret,
            settings={
                "server_url": self.server_url,
                "oauth_pkce_enabled": True,
                "scope": self.scope_list,
            },
        )


def reserved_provider_ids() -> set[str]:
    """Provider IDs a school sign-on may not take: allauth's provider names and the other apps."""
    from allauth.socialaccount import app_settings
    from allauth.socialaccount.models import SocialApp
    from allauth.socialaccount.providers import registry

    reserved = {provider_class.id for provider_class in registry.get_class_list()}
    for provider, config in app_settings.PROVIDERS.items():
        reserved.add(provider)
        apps = config.get("APPS") or ([config["APP"]] if config.get("APP") else [])
        reserved.update(app.get("provider_id") for app in apps if app.get("provider_id"))
    reserved.update(SocialApp.objects.exclude(provider_id="").values_list("provider_id", flat=True))
    return reserved

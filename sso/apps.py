from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = _("School single sign-on")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sso import permissions, signal_handlers  # noqa: F401  (registers the rules and receivers)

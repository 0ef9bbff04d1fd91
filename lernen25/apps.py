from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Lernen25Config(AppConfig):
    name = "lernen25"
    verbose_name = _("Lernen 25")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lernen25 import permissions, signal_handlers  # noqa: F401  (registers rules and receivers)

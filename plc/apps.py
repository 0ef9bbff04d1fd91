from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlcConfig(AppConfig):
    name = "plc"
    verbose_name = _("PLC spaces")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from plc import permissions  # noqa: F401  (registers the rules)

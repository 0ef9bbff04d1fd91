from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Lernen25Config(AppConfig):
    name = "lernen25"
    verbose_name = _("Lernen 25")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the rules, the notification kinds and the signal receivers.
        from lernen25 import lookups, notification_kinds, permissions, signal_handlers  # noqa: F401
        from lernen25.exports import protect_wagtail_exports

        # Every CSV/XLSX export of the admin (ours and Wagtail's) neutralises formulas.
        protect_wagtail_exports()

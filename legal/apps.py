from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalConfig(AppConfig):
    """Imprint, privacy statement and accessibility statement (with its feedback form)."""

    name = "legal"
    verbose_name = _("Legal pages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from legal import limits, notification_kinds, permissions, signal_handlers  # noqa: F401  (rules, kinds, receivers)
        from legal.roles import contribute_page_permissions

        contribute_page_permissions()
        # The pages exist on every database this app is migrated on (legal/seed.py explains why here).
        post_migrate.connect(signal_handlers.seed_after_migrate, sender=self, dispatch_uid="legal.seed_after_migrate")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlcConfig(AppConfig):
    name = "plc"
    verbose_name = _("PLC spaces")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lernen25 import registry
        from plc import demo, limits, notification_kinds, panels, permissions, search  # noqa: F401  (rules, kinds)

        # What PLG spaces contribute to the core (lernen25.registry; the core imports no app).
        for panel in panels.HOME_PANELS:
            registry.home_panels.register(panel)
        for panel in panels.NOTIFICATION_PANELS:
            registry.notification_panels.register(panel)
        for entry in panels.NAVIGATION:
            registry.navigation.register(entry)
        for source in search.SEARCH_SOURCES:
            registry.search_sources.register(source)
        for area in panels.SIGN_IN_AREAS:
            registry.sign_in_areas.register(area)
        registry.demo_seeders.register(registry.DemoSeeder("plc", demo.seed))

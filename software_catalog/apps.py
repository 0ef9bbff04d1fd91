from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SoftwareCatalogConfig(AppConfig):
    name = "software_catalog"
    verbose_name = _("Learning software register")
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedienkonzepteConfig(AppConfig):
    name = "medienkonzepte"
    verbose_name = _("Media concepts")
    default_auto_field = "django.db.models.BigAutoField"

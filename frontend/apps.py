from django.apps import AppConfig


class FrontendConfig(AppConfig):
    """Base layout, shared components and static files; no models."""

    name = "frontend"
    verbose_name = "Frontend"

"""WSGI entry point, for management tooling only; the site is served through asgi.py."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lernen25.settings")
application = get_wsgi_application()

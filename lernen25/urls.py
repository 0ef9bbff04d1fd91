from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lernen25 import health, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("profil/", views.profile_view, name="profile"),
    path("benachrichtigungen/", views.notifications_view, name="notifications"),
    path("", include("plc.urls")),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("dokumente/", include(wagtaildocs_urls)),
]

if settings.DEBUG:
    from django.views.static import serve as serve_media

    # Images only: documents are always served through /dokumente/, which checks who asks.
    # In production the web server does the same (docs/operations.md).
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>(?:images|original_images)/.*)$",
            serve_media,
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]

# Wagtail's page tree serves everything else (home page, later PLG and media-concept pages).
urlpatterns.append(path("", include(wagtail_urls)))

handler400 = "lernen25.errorviews.bad_request"
handler403 = "lernen25.errorviews.permission_denied"
handler404 = "lernen25.errorviews.page_not_found"
handler500 = "lernen25.errorviews.server_error"

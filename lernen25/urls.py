from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lernen25 import converters, health, mfa, views  # noqa: F401  (converters: registers id, schulnummer)

# The feature apps' URLconfs (app, prefix), included when the app is installed: the core runs without
# them (tests/settings_core.py). Named by string, so that the core imports no app.
APP_URLCONFS = [("plc", "")]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("profil/", views.profile_view, name="profile"),
    path("profil/bestaetigung/", views.request_confirmation_view, name="request_confirmation"),
    path("schulen/<schulnummer:number>/personen/", views.school_people_view, name="school_people"),
    path("schulen/<schulnummer:number>/personen/vergeben/", views.school_grant_view, name="school_grant"),
    path("schulen/<schulnummer:number>/personen/<id:pk>/entziehen/", views.school_revoke_view, name="school_revoke"),
    path("schulen/<schulnummer:number>/anfragen/<id:pk>/entscheiden/", views.school_decide_view, name="school_decide"),
    path("schulen/<schulnummer:number>/e-mail-domain/", views.school_domain_view, name="school_domain"),
    path("benachrichtigungen/", views.notifications_view, name="notifications"),
    path("komponenten/", views.styleguide_view, name="styleguide"),
    *(path(prefix, include(f"{app}.urls")) for app, prefix in APP_URLCONFS if apps.is_installed(app)),
    # Every sign-in goes through allauth (second factor included): the admins' own login pages redirect.
    path("admin/login/", mfa.sign_in_door),
    path("django-admin/login/", mfa.sign_in_door),
    path("_util/login/", mfa.sign_in_door),  # Wagtail's login for private pages
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("dokumente/", include(wagtaildocs_urls)),
]

if settings.SERVE_MEDIA:
    from django.views.static import serve as serve_media

    # Images only: documents are always served through /dokumente/, which checks who asks.
    # In production the web server serves /media/images/ instead (docs/operations.md).
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

"""Settings of Lernen 25: one module, driven by environment variables.

Embedded defaults (no variable set; ``make run`` writes the local values to ``.env``): SQLite under ``var/``,
in-memory channel layer, local-memory cache, Wagtail's database search, console mail,
immediate tasks. Each service switches to its real backend when its variable is set:

| variable            | switches                                   | default                      |
| ------------------- | ------------------------------------------ | ---------------------------- |
| DATABASE_URL        | database (postgres://, sqlite:///)         | sqlite:///var/lernen25.sqlite3 |
| REDIS_URL           | channel layer + cache (redis://)           | in-memory layer, locmem cache |
| ELASTICSEARCH_URL   | Wagtail search backend (http(s)://)        | Wagtail database search      |
| EMAIL_URL           | mail (smtp://, smtp+tls://, consolemail://) | console                      |

The full table with every variable is in docs/operations.md. ``.env`` (git-ignored) is read
first; real environment variables win over it.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from lernen25.config import ConfigError, env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

# `.env` holds local values written by `make run` (SECRET_KEY, loopback over plain HTTP). The test settings
# point LERNEN25_DOTENV elsewhere so that a developer's .env cannot change a test run.
_dotenv = Path(os.environ.get("LERNEN25_DOTENV", BASE_DIR / ".env"))
if _dotenv.is_file():
    environ.Env.read_env(_dotenv, overwrite=False)

# --- Core ------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)
# No default key: a server started without one would sign sessions with a public value.
SECRET_KEY = env_str("SECRET_KEY", required=not DEBUG) or "insecure-debug-only-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigError("ALLOWED_HOSTS is not set; list the host names of the site, separated by commas.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    # Our apps first, so their templates override the libraries' (allauth, Wagtail).
    "lernen25",
    "frontend",
    "plc",
    "sso",
    "medienkonzepte",
    "software_catalog",
    "legal",
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "channels",
    "rules",
    "django_htmx",
    "django_tasks",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lernen25.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lernen25.csp.SiteCSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "lernen25.admin_access.AdminAccessMiddleware",  # signed in, no admin access: the site's 403, not a sign-in loop
    "lernen25.mfa.MfaGateMiddleware",  # the powerful without a second factor: no admin, a banner elsewhere
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "lernen25.http.RefusedMiddleware",  # a Refused no view handled: its 403/404/409/400 page
]

ROOT_URLCONF = "lernen25.urls"
ASGI_APPLICATION = "lernen25.asgi.application"
WSGI_APPLICATION = "lernen25.wsgi.application"
AUTH_USER_MODEL = "lernen25.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lernen25.context_processors.site",
                # The footer's legal links; by name, like the app (nothing without the app).
                "legal.context_processors.legal_links",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------

DATABASE_URL = env_url("DATABASE_URL", {"sqlite", "postgres", "postgresql", "pgsql"})
if DATABASE_URL is None:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'lernen25.sqlite3'}"
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    INSTALLED_APPS.append("django.contrib.postgres")
    # Under ASGI Django advises a connection pool, not persistent connections (docs: Databases,
    # "Persistent connections"): daphne runs each request's sync part in a thread of its own, and a
    # connection kept per thread would be opened anew and left behind. The pool (psycopg_pool) keeps
    # connections per process; the discussion benchmark measured 26.8 ms p99 without it, 17.7 with.
    DATABASE_POOL_MAX = env_int("DATABASE_POOL_MAX", 10, minimum=0)
    if DATABASE_POOL_MAX:
        if DATABASES["default"]["CONN_MAX_AGE"]:
            raise ConfigError(
                "DATABASE_CONN_MAX_AGE cannot be combined with the connection pool; "
                "unset it, or set DATABASE_POOL_MAX=0 to use persistent connections instead."
            )
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, DATABASE_POOL_MAX),
            "max_size": DATABASE_POOL_MAX,
            "timeout": 10,  # seconds to wait for a free connection before the request fails
        }
else:
    # SQLite: wait for a writer instead of failing at once (daphne runs threads).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, channel layer (REDIS_URL) ----------------------------------------------------

REDIS_URL = env_url("REDIS_URL", {"redis", "rediss", "unix"})
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # socket_timeout above channels-redis' 5 s blocking read (channels_redis#422);
                # group_expiry equals daphne's --websocket_timeout (stack-notes §5).
                "hosts": [{"address": REDIS_URL, "socket_timeout": 10}],
                "capacity": env_int("CHANNEL_LAYER_CAPACITY", 1000, minimum=100),
                "group_expiry": 86400,
                "prefix": "lernen25",
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Search (ELASTICSEARCH_URL) ---------------------------------------------------------

ELASTICSEARCH_URL = env_url("ELASTICSEARCH_URL", {"http", "https"})
if ELASTICSEARCH_URL:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch9",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX_PREFIX": env_str("ELASTICSEARCH_INDEX_PREFIX", "lernen25_"),
            "TIMEOUT": 5,
        }
    }
else:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.database",
            # Only PostgreSQL reads this; SQLite's FTS5 table has no German stemming (stack-notes §2).
            "SEARCH_CONFIG": "german",
        }
    }

# --- Mail (EMAIL_URL) -------------------------------------------------------------------

EMAIL_URL = env_url(
    "EMAIL_URL", {"smtp", "smtps", "smtp+tls", "smtp+ssl", "consolemail", "filemail", "memorymail", "dummymail"}
)
if EMAIL_URL:
    vars().update(environ.Env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Lernen 25 <noreply@lernen25.duisburg.de>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Tasks (django-tasks; Wagtail 8 uses it too) ------------------------------------------

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- Authentication (django-allauth 65) -------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Lernen 25] "  # every mail's subject, ours too (lernen25.adapters)
# Security notices (password, e-mail address, two-factor sign-in changed), in the platform's layout.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_SIGNUP_FORM_CLASS = "lernen25.forms.SignupProfileForm"
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Rate limits live in the cache: per process with locmem, shared with REDIS_URL set.
ACCOUNT_RATE_LIMITS = {
    # Every sign-in POST from one address: a flood guard only. A school's staff, or the city's school
    # network, reach the site from one address; wrong passwords are throttled by lernen25.signin_throttle.
    "login": "1000/m/ip",
    # Wrong passwords are not counted here: lernen25.signin_throttle (the account adapter) counts them per
    # account and known device or address, so a stranger cannot lock the owner out. allauth.mfa still uses
    # this rate for wrong second-factor codes, per account (key): only someone with the password gets there.
    "login_failed": "5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
# Behind a reverse proxy, the number of proxies that add X-Forwarded-For (0: none).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# After sign-in, the powerful are led to set up TOTP; they cannot switch it off (lernen25.adapters).
ACCOUNT_ADAPTER = "lernen25.adapters.AccountAdapter"
MFA_ADAPTER = "lernen25.adapters.MFAAdapter"
USERSESSIONS_TRACK_ACTIVITY = True
SOCIALACCOUNT_ONLY = False
# Never sign in to, or connect, an existing account only because the provider names its e-mail address.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
# One OpenID Connect provider per school, configured in the Wagtail admin (sso.SchoolSignOn).
SOCIALACCOUNT_ADAPTER = "sso.adapter.SocialAccountAdapter"

# One more OpenID Connect provider from the environment, off unless OIDC_SERVER_URL is set. It signs
# people in but confirms no school function: the schools' own sign-ons (sso.SchoolSignOn) do that.
OIDC_SERVER_URL = env_url("OIDC_SERVER_URL", {"https", "http"})
SOCIALACCOUNT_PROVIDERS: dict = {}
if OIDC_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": env_str("OIDC_PROVIDER_ID", "schul-sso"),
                "name": env_str("OIDC_PROVIDER_NAME", "Schul-Anmeldung"),
                "client_id": env_str("OIDC_CLIENT_ID", required=True),
                "secret": env_str("OIDC_CLIENT_SECRET", required=True),
                "settings": {"server_url": OIDC_SERVER_URL},
            }
        ],
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language --------------------------------------------------------------------------

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("de", "Deutsch")]

# --- Static and media files -------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded images through Django: where no web server stands in front (`make run`, `make dev`).
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)
_NODE = BASE_DIR / "frontend" / "node_modules"
# Front-end packages come from npm (frontend/package.json, installed by `make run`/`make test`)
# and are served under fixed prefixes, so no build step and no CDN is needed.
STATICFILES_DIRS = [
    ("vendor/kern", _NODE / "@kern-ux" / "native" / "dist"),
    ("vendor/htmx", _NODE / "htmx.org" / "dist"),
]
# Hashed, compressed names need `collectstatic`; `make run` runs it. STATIC_MANIFEST=false
# serves straight from the source folders (tests, quick development).
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The largest request body, for the URLs that take uploads (lernen25/bodylimit.py; every other URL
# gets 1 MiB): a PLG file (plc.services.material.MAX_FILE_BYTES, 20 MiB) plus 1 MiB for the
# multipart envelope. Larger ones are refused with 413 before they are read (daphne held whole
# bodies in memory). The reverse proxy's limit should match (docs/operations.md).
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 21 * 1024 * 1024, minimum=1024 * 1024)

# --- Wagtail ---------------------------------------------------------------------------

WAGTAIL_SITE_NAME = "Lernen 25"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "txt", "csv", "png", "jpg", "jpeg"]
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no avatar requests to a third party (DSGVO, strict CSP)
WAGTAIL_PASSWORD_RESET_ENABLED = False  # one reset flow for everyone: allauth's
# One sign-in for everyone, allauth's (with the second factor); Wagtail's login pages redirect there.
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_FRONTEND_LOGIN_URL = "account_login"  # private pages send guests to allauth, not /_util/login/

# --- Security headers -------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    # Production runs behind TLS; the proxy terminates it and says so in this header.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Off only for a plain-HTTP test server on loopback (tests/browser); never in production.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole parent domain (duisburg.de) to HTTPS; that is the city IT's
        # decision, not this application's. docs/operations.md says how to turn it on.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # Health checks from the proxy or orchestrator come over plain HTTP on loopback.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content Security Policy (django-csp 4): strict on the site, relaxed for Wagtail's admin,
# which still has inline scripts (stack-notes §6); see lernen25/csp.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}

# --- Logging ---------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Expected refusals (4xx, django.security) as one line, without the traceback (lernen25.logfilters).
    "filters": {"refusals": {"()": "lernen25.logfilters.ExpectedRefusalsAsOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["refusals"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django_tasks logs two lines per task; Wagtail runs one per saved object (search index).
    "loggers": {"django.db.backends": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"}},
}

# --- Lernen 25 -------------------------------------------------------------------------

# Demo accounts and their shared password are made by `manage.py seed_demo`.
LERNEN25_DEMO_PASSWORD = env_str("DEMO_PASSWORD", "Lernen25-Demo!")

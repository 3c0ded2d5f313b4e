"""One settings module, driven by environment variables (documented in docs/configuration.md)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from buergerbuero.core.email_url import parse_email_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("BUERGERBUERO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEVELOPMENT_SECRET_KEY = "dev-insecure-buergerbuero-change-me"
PRODUCTION = os.environ.get("BUERGERBUERO_ENV", "development") == "production"
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("Production needs SECRET_KEY set to a random value of at least 32 characters.")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("Production refuses DEBUG=true.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "buergerbuero.core",
    "buergerbuero.accounts",
    "buergerbuero.catalog",
    "buergerbuero.capacity",
    "buergerbuero.booking",
    "buergerbuero.queue",
    "buergerbuero.callcenter",
    "buergerbuero.insights",
    "buergerbuero.planning",
    "buergerbuero.applications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "buergerbuero.urls"
WSGI_APPLICATION = "buergerbuero.wsgi.application"
ASGI_APPLICATION = "buergerbuero.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'buergerbuero.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at BEGIN so two
        # booking transactions queue up instead of failing with "database is locked" on upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME", "")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith("redis://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    # The availability day cache holds one entry per office and day: Django's default of 300 entries would
    # cull it constantly for a city with dozens of offices.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 50_000}}
    }
# Several installations (or test runs) sharing one Redis keep their keys apart with a prefix.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("CACHE_KEY_PREFIX", "")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "src" / "buergerbuero" / "locale"]
# Date formats per language on top of Django's (English: 25 Nov 2026, not the US 11/25/2026).
FORMAT_MODULE_PATH = ["buergerbuero.formats"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
# Built front-end assets (KERN UX from npm, see scripts/build-frontend); never committed.
FRONTEND_BUILD_DIR = Path(os.environ.get("FRONTEND_BUILD_DIR", VAR_DIR / "frontend"))
STATICFILES_DIRS = [FRONTEND_BUILD_DIR / "static"] if (FRONTEND_BUILD_DIR / "static").is_dir() else []
# Development serves static files from the apps' folders; production serves what collectstatic wrote.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/admin/login/"

MAILERS = {"default": parse_email_url(os.environ.get("EMAIL_URL", f"file://{VAR_DIR / 'mail'}"))}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Bürgerbüro <buergerbuero@localhost>")

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Booking rules that are not per office (per-office rules live on catalog.Office).
BOOKING_HOLD_MINUTES = int(os.environ.get("BOOKING_HOLD_MINUTES", "10"))
BOOKING_MAX_ACTIVE_PER_EMAIL = int(os.environ.get("BOOKING_MAX_ACTIVE_PER_EMAIL", "3"))

# Citizen web booking (docs/citizen-web.md).
BOOKING_OPT_IN_MINUTES = int(os.environ.get("BOOKING_OPT_IN_MINUTES", "60"))
BOOKING_OPT_IN_LINK_HOURS = int(os.environ.get("BOOKING_OPT_IN_LINK_HOURS", "24"))
BOOKING_CANCEL_RELEASE_MINUTES = int(os.environ.get("BOOKING_CANCEL_RELEASE_MINUTES", "30"))
BOOKING_REMINDER_HOURS = int(os.environ.get("BOOKING_REMINDER_HOURS", "24"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Background work: django.tasks with the database backend; `manage.py db_worker` runs the tasks.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Fair release and anti-bot (docs/fair-release.md).
ANTIBOT_REQUIRED = env_bool("ANTIBOT_REQUIRED", True)  # web holds need a solved proof-of-work (staff channels never)
ALTCHA_HMAC_KEY = os.environ.get("ALTCHA_HMAC_KEY", "")  # empty = derived from SECRET_KEY
ALTCHA_ALGORITHM = os.environ.get("ALTCHA_ALGORITHM", "PBKDF2/SHA-256")
ALTCHA_COST = int(os.environ.get("ALTCHA_COST", "1000"))  # KDF iterations per attempt
ALTCHA_MAX_COUNTER = int(os.environ.get("ALTCHA_MAX_COUNTER", "5000"))  # attempts: random in [max/2, max]
ALTCHA_EXPIRES_MINUTES = int(os.environ.get("ALTCHA_EXPIRES_MINUTES", "30"))
# URL of the widget script (npm `altcha`). Empty = the copy scripts/build-frontend serves at static/altcha/ if the
# build made one (else only the delay ticket); "off" = no widget.
ALTCHA_WIDGET_URL = os.environ.get("ALTCHA_WIDGET_URL", "")
ANTIBOT_NOJS_DELAY_SECONDS = int(os.environ.get("ANTIBOT_NOJS_DELAY_SECONDS", "15"))  # -1 = no no-JS path
RATELIMITS = {
    scope: os.environ.get(f"RATELIMIT_{scope.upper()}", default)
    for scope, default in {
        "hold": "10/600",  # requests / seconds, per client IP (IPv6: per /64)
        "availability": "120/60",
        "feed": "60/60",
        "challenge": "30/60",
        "waitlist": "5/3600",
        "photocheck": "20/600",  # the anonymous photo pre-check decodes and analyses an image per request
    }.items()
}
RATELIMIT_PROXY_COUNT = int(os.environ.get("RATELIMIT_PROXY_COUNT", "0"))  # trusted proxies setting X-Forwarded-For
OPEN_FEED_CACHE_SECONDS = int(os.environ.get("OPEN_FEED_CACHE_SECONDS", "60"))
WAITLIST_OFFER_HOURS = int(os.environ.get("WAITLIST_OFFER_HOURS", "4"))
WAITLIST_MAX_ACTIVE_PER_EMAIL = int(os.environ.get("WAITLIST_MAX_ACTIVE_PER_EMAIL", "3"))
# Online services (applications app, docs/online-services.md): identity providers and BundID's SAML settings.
# Payment platforms a municipality's PaymentAccount may name (docs/online-services.md, "Paying online").
PAYMENT_PROVIDERS = env_list(
    "PAYMENT_PROVIDERS", "buergerbuero.applications.payment.contrib.xbezahldienste.XBezahldiensteProvider"
)
IDENTITY_PROVIDERS = env_list(
    "IDENTITY_PROVIDERS",
    "buergerbuero.applications.identity.contrib.bundid.BundIDProvider,"
    "buergerbuero.applications.identity.contrib.oidc.OpenIDConnectProvider",
)
BUNDID = {
    # Development: the local test IdP writes its metadata here (manage.py run_local_idp).
    "IDP_METADATA_FILE": os.environ.get("BUNDID_IDP_METADATA_FILE", str(VAR_DIR / "identity" / "local-idp.xml")),
    "SP_ENTITY_ID": os.environ.get("BUNDID_SP_ENTITY_ID", ""),
    "SP_KEY_FILE": os.environ.get("BUNDID_SP_KEY_FILE", ""),
    "SP_CERT_FILE": os.environ.get("BUNDID_SP_CERT_FILE", ""),
}
OIDC = {
    "ISSUER": os.environ.get("OIDC_ISSUER", ""),
    "CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", ""),
    "CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
    "SCOPES": os.environ.get("OIDC_SCOPES", "openid profile email address"),
}
# RFC 3161 time-stamping authority for the PAdES signature of issued documents (level B-T); empty = B-B.
APPLICATIONS_SIGNING_TSA_URL = os.environ.get("APPLICATIONS_SIGNING_TSA_URL", "")
APPLICATIONS_MAX_UPLOAD_BYTES = int(os.environ.get("APPLICATIONS_MAX_UPLOAD_BYTES", str(8 * 1024 * 1024)))

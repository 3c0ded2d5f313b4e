"""One settings module, driven by environment variables (documented in docs/configuration.md)."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from buergerbuero.core.cache_url import parse_cache_url
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
# `make run` signs the demo's people in without asking their second factor (docs/roles-and-rights.md#two-factor).
DEMO_SKIP_2FA = env_bool("BUERGERBUERO_DEMO_SKIP_2FA", False)
if PRODUCTION and DEMO_SKIP_2FA:
    raise ImproperlyConfigured("Production refuses BUERGERBUERO_DEMO_SKIP_2FA: staff sign in with a second factor.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",  # security keys (WebAuthn) as second factor: accounts/twofactor.py
    "ninja",  # serves the API docs' Swagger UI from our own static files (no CDN)
    "django_htmx",
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
    "buergerbuero.background",
    "buergerbuero.privacy",
]

MIDDLEWARE = [
    "buergerbuero.core.middleware.RequestLogMiddleware",  # request id, one log line and metrics per request
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "buergerbuero.privacy.audit.AuditMiddleware",  # writes the reads of personal data a request recorded
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Staff sessions: second factor, idle and absolute timeout, no-store (accounts/middleware.py).
    "buergerbuero.accounts.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "buergerbuero.core.middleware.DatabaseUnavailableMiddleware",  # pool exhausted / database away: 503
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
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- Database and its connections (docs/deployment.md#connections) -------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'buergerbuero.sqlite3'}"))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # An SQLite connection is a file handle: keep it for the life of the thread instead of opening and
    # closing it (and re-running the PRAGMAs) on every request.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at BEGIN so two
        # booking transactions queue up instead of failing with "database is locked" on upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME", "")}
else:
    # PostgreSQL: a bounded pool per process (psycopg_pool). A request borrows a connection and gives it back
    # when it ends, so processes x DB_POOL_MAX_SIZE bounds what the server must allow; a request that waits
    # longer than DB_POOL_TIMEOUT for one is answered 503 (core/middleware.py), not with a traceback.
    DB_POOL_MAX_SIZE = int(os.environ.get("DB_POOL_MAX_SIZE", "8"))
    if DB_POOL_MAX_SIZE > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django's pool replaces persistent connections
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(int(os.environ.get("DB_POOL_MIN_SIZE", "1")), DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "5")),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "0"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, availability day cache) – core/cache_url.py; an unknown scheme stops the start ---------
CACHES = {"default": parse_cache_url(os.environ.get("CACHE_URL", ""))}
# Several installations (or test runs) sharing one Redis keep their keys apart with a prefix.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("CACHE_KEY_PREFIX", "")

# Every account with a password is a staff account (citizens never have one): twelve characters at least, not a
# common or all-numeric password, not close to the name or e-mail address.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
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
# Production serves hashed file names (app.3f9c2a.css) that browsers may cache for ever; needs collectstatic.
STATIC_HASHED_NAMES = env_bool("STATIC_HASHED_NAMES", PRODUCTION)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        if STATIC_HASHED_NAMES
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Built front-end assets (KERN UX from npm, see scripts/build-frontend); never committed.
FRONTEND_BUILD_DIR = Path(os.environ.get("FRONTEND_BUILD_DIR", VAR_DIR / "frontend"))
STATICFILES_DIRS = [FRONTEND_BUILD_DIR / "static"] if (FRONTEND_BUILD_DIR / "static").is_dir() else []
# Development serves static files from the apps' folders; production serves what collectstatic wrote.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- Staff sign-in (docs/roles-and-rights.md#signing-in) ------------------------------------------------------
LOGIN_URL = "/intern/anmelden/"
LOGIN_REDIRECT_URL = "/intern/"
# A staff session ends after this many minutes without a request, and in any case after this many hours.
STAFF_SESSION_IDLE_MINUTES = int(os.environ.get("STAFF_SESSION_IDLE_MINUTES", "30"))
STAFF_SESSION_MAX_HOURS = float(os.environ.get("STAFF_SESSION_MAX_HOURS", "10"))
# Failed sign-ins: after this many per account (or per client address) within the window, further attempts are
# refused until the window has passed without one (accounts/lockout.py).
LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "20"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Bürgerbüro")
# Optional single sign-on for staff through the city's identity provider (OpenID Connect; accounts/sso.py). Off
# while STAFF_SSO_ISSUER is empty. GROUPS maps the provider's groups to organisation and role, e.g.
# "bb-empfang=Stadt Castrop-Rauxel:reception; bb-leitung=Stadt Castrop-Rauxel:manager" (or a JSON object).
STAFF_SSO = {
    "ISSUER": os.environ.get("STAFF_SSO_ISSUER", ""),
    "CLIENT_ID": os.environ.get("STAFF_SSO_CLIENT_ID", ""),
    "CLIENT_SECRET": os.environ.get("STAFF_SSO_CLIENT_SECRET", ""),
    "SCOPES": os.environ.get("STAFF_SSO_SCOPES", "openid profile email"),
    "GROUPS_CLAIM": os.environ.get("STAFF_SSO_GROUPS_CLAIM", "groups"),
    "GROUPS": os.environ.get("STAFF_SSO_GROUPS", ""),
    # The provider's second factor counts when the ID token's amr names one of these (or its acr is one of these);
    # otherwise the person also enters the code of their authenticator app here. Empty lists: always ask here.
    "MFA_AMR": env_list("STAFF_SSO_MFA_AMR", "mfa,otp,hwk,swk,http://schemas.microsoft.com/claims/multipleauthn"),
    "MFA_ACR": env_list("STAFF_SSO_MFA_ACR", ""),
    "LOGOUT_AT_PROVIDER": env_bool("STAFF_SSO_LOGOUT_AT_PROVIDER", True),
}

MAILERS = {"default": parse_email_url(os.environ.get("EMAIL_URL", f"file://{VAR_DIR / 'mail'}"))}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Bürgerbüro <buergerbuero@localhost>")

# --- HTTPS and browser security (docs/configuration.md#https-and-browser-security) -----------------------------
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# Probes of the load balancer and Prometheus may come over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600) if PRODUCTION else "0"))
# includeSubDomains covers only names below this host (*.termine.example.de), never the city's other sites.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
# The browsers' preload list takes whole registrable domains (example.de): the city decides that, not this
# service, so the reminder that preload is off (W021) is silenced unless preload is switched on.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Content-Security-Policy (Django's own middleware): scripts only from this site or with the per-response
# nonce ({{ csp_nonce }}), nothing from other hosts. Styles allow inline attributes: the charts and KERN UX
# set style="…" and a style cannot run code. The ALTCHA widget runs its proof of work in a blob:/data: worker.
# No form-action: the BundID login posts its SAML request to the identity provider's host.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF, "blob:", "data:"],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Booking rules that are not per office (per-office rules live on catalog.Office).
BOOKING_HOLD_MINUTES = int(os.environ.get("BOOKING_HOLD_MINUTES", "10"))
BOOKING_MAX_ACTIVE_PER_EMAIL = int(os.environ.get("BOOKING_MAX_ACTIVE_PER_EMAIL", "3"))

# Citizen web booking (docs/citizen-web.md).
BOOKING_OPT_IN_MINUTES = int(os.environ.get("BOOKING_OPT_IN_MINUTES", "60"))
BOOKING_OPT_IN_LINK_HOURS = int(os.environ.get("BOOKING_OPT_IN_LINK_HOURS", "24"))
BOOKING_CANCEL_RELEASE_MINUTES = int(os.environ.get("BOOKING_CANCEL_RELEASE_MINUTES", "30"))
BOOKING_REMINDER_HOURS = int(os.environ.get("BOOKING_REMINDER_HOURS", "24"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Security keys (WebAuthn) as second factor of the staff sign-in, never instead of the password
# (docs/configuration.md#staff-sign-in). A key works only for the relying party (host) it was registered at:
# WEBAUTHN_RP_ID (default: the host of SITE_URL) and the origins WEBAUTHN_ORIGINS (default: SITE_URL's).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = os.environ.get("WEBAUTHN_RP_NAME", OTP_TOTP_ISSUER)
# Browsers take no IP address as relying party: a development SITE_URL on 127.0.0.1 becomes localhost.
_SITE = urlsplit(SITE_URL)
_SITE_HOST = "localhost" if _SITE.hostname in ("127.0.0.1", "::1", None) else _SITE.hostname
OTP_WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "") or _SITE_HOST
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("WEBAUTHN_ORIGINS", "") or [
    f"{_SITE.scheme}://{_SITE_HOST}" + (f":{_SITE.port}" if _SITE.port else "")
]
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = ""  # refusals go to the security log (accounts/twofactor.py)

# Background work (docs/adr/0003-outbox-and-leases.md): outbox rows delivered by `manage.py run_worker`,
# periodic jobs run by `manage.py run_scheduler`.
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "120"))
OUTBOX_RETRY_SECONDS = int(os.environ.get("OUTBOX_RETRY_SECONDS", "30"))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
OUTBOX_KEEP_DAYS = int(os.environ.get("OUTBOX_KEEP_DAYS", "30"))
OUTBOX_BACKLOG_SECONDS = int(os.environ.get("OUTBOX_BACKLOG_SECONDS", "600"))
OUTBOX_DELIVER_ON_COMMIT = env_bool("OUTBOX_DELIVER_ON_COMMIT", False)
WORKER_HEARTBEAT_SECONDS = int(os.environ.get("WORKER_HEARTBEAT_SECONDS", "10"))
SCHEDULER_LEASE_SECONDS = int(os.environ.get("SCHEDULER_LEASE_SECONDS", "120"))

# --- Logs and metrics (docs/deployment.md#watch-it) ---------------------------------------------------------
# One JSON line per request on standard error (logger buergerbuero.request) with a request id that every other
# line of the same request carries too; no addresses, query strings or form data (core/logs.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "buergerbuero.core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "buergerbuero.core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs every 4xx as a warning with the raw path (which may carry a booking code): the request
        # line says the same with the route; errors (5xx with traceback) still come through.
        "django.request": {"level": "ERROR"},
    },
}
# /metrics: Prometheus text format. With METRICS_TOKEN set, a scraper sends "Authorization: Bearer <token>";
# without it only loopback requests that came through no proxy are answered.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# /readyz asks each of these; an app adds its own check here (a callable that raises when not ready).
READINESS_CHECKS = [
    "buergerbuero.core.health.database",
    "buergerbuero.core.health.cache",
    "buergerbuero.background.health.outbox",
    "buergerbuero.background.health.worker",
    "buergerbuero.background.health.scheduler",
]

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
        # Everything that takes a booking code: a guesser gets a few tries, a citizen never notices.
        "lookup": "60/600",
        "cancel": "10/600",
        "resend": "10/3600",  # each match sends an e-mail
        "checkin": "20/60",  # a kiosk is one address for everybody in the entrance: a check-in takes longer
        "photocheck": "20/600",  # the anonymous photo pre-check decodes and analyses an image per request
    }.items()
}
RATELIMIT_PROXY_COUNT = int(os.environ.get("RATELIMIT_PROXY_COUNT", "0"))  # trusted proxies setting X-Forwarded-For
OPEN_FEED_CACHE_SECONDS = int(os.environ.get("OPEN_FEED_CACHE_SECONDS", "60"))
# How long a day's cached claims are kept, in the shared cache and per process. Not a bound on staleness: entries
# are keyed by the day's stamp and never used after it changed (docs/adr/0001-day-cache.md); this only lets
# entries of old stamps leave. A week by default.
AVAILABILITY_CACHE_SECONDS = int(os.environ.get("AVAILABILITY_CACHE_SECONDS", str(7 * 24 * 3600)))
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
    "XMLSEC_BINARY": os.environ.get("BUNDID_XMLSEC_BINARY", ""),  # empty = xmlsec1 on PATH
}
OIDC = {
    "ISSUER": os.environ.get("OIDC_ISSUER", ""),
    "CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", ""),
    "CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
    "SCOPES": os.environ.get("OIDC_SCOPES", "openid profile email address"),
}
# The office's seal for signed certificates (PEM files); development makes a local test CA under var/pki.
APPLICATIONS_SIGNING_KEY_FILE = os.environ.get("APPLICATIONS_SIGNING_KEY_FILE", "")
APPLICATIONS_SIGNING_CERT_FILE = os.environ.get("APPLICATIONS_SIGNING_CERT_FILE", "")
APPLICATIONS_SIGNING_CA_FILE = os.environ.get("APPLICATIONS_SIGNING_CA_FILE", "")
# RFC 3161 time-stamping authority for the PAdES signature of issued documents (level B-T); empty = B-B.
APPLICATIONS_SIGNING_TSA_URL = os.environ.get("APPLICATIONS_SIGNING_TSA_URL", "")
APPLICATIONS_MAX_UPLOAD_BYTES = int(os.environ.get("APPLICATIONS_MAX_UPLOAD_BYTES", str(8 * 1024 * 1024)))
# Call display streams (queue/sse.py): each open screen keeps one web thread busy, so streams are capped per
# process and per client address; more are answered 503 and the screen's EventSource retries. The default is
# half of the default 8 web threads (docs/deployment.md), so displays can never take the booking pages' threads.
QUEUE_SSE_MAX_STREAMS = int(os.environ.get("QUEUE_SSE_MAX_STREAMS", "4"))
QUEUE_SSE_MAX_PER_ADDRESS = int(os.environ.get("QUEUE_SSE_MAX_PER_ADDRESS", "4"))

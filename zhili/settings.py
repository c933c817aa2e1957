"""Zhili settings: one module, every value read from the environment (see README, "Settings").

Parsing is strict (zhili.core.env): a malformed value stops the start-up with a message.
"""

import base64
import hashlib
import importlib.util
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from zhili.core.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("ZHILI_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY", required=not DEBUG) or "zhili-insecure-debug-only-key"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "django_tasks_rq",
    # Zhili's own apps, lowest first:
    # core <- audit <- exports <- places <- orgs <- people <- cases <- notifications, bulletins,
    # open311, webhooks <- site.
    "zhili.core",
    "zhili.audit",
    "zhili.exports",
    "zhili.places",
    "zhili.orgs",
    "zhili.people",
    "zhili.cases",
    "zhili.notifications",
    "zhili.bulletins",
    "zhili.open311",
    "zhili.webhooks",
    "zhili.site",
    "zhili.demo",
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
    "zhili.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "zhili.urls"
WSGI_APPLICATION = "zhili.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhili.site.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'zhili.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0)
    )
}
# The few hottest statements (the API's token check, the report intake) are prepared once per
# connection on PostgreSQL (zhili/core/rawsql.py); off for a pooler that cannot keep them.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the task worker and the web server share the file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = ["zhili.people.auth.UsernameOrPhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)


# --- Personal data at rest ------------------------------------------------------------------
# Fernet keys (comma list): the first encrypts, all decrypt, so keys can be rotated.
# The index key makes the keyed digest used for exact-value search; it never rotates.
def _debug_key(purpose: str) -> str:
    digest = hashlib.sha256(f"{purpose}:{SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


PERSONAL_DATA_KEYS = env_list("PERSONAL_DATA_KEYS", [])
PERSONAL_DATA_INDEX_KEY = env_str("PERSONAL_DATA_INDEX_KEY")
if not PERSONAL_DATA_KEYS or not PERSONAL_DATA_INDEX_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "PERSONAL_DATA_KEYS and PERSONAL_DATA_INDEX_KEY must be set when DEBUG is off; "
            "generate them with `zhili generate-keys`."
        )
    PERSONAL_DATA_KEYS = PERSONAL_DATA_KEYS or [_debug_key("personal-data")]
    PERSONAL_DATA_INDEX_KEY = PERSONAL_DATA_INDEX_KEY or _debug_key("personal-index")

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files, uploads, storage ---------------------------------------------------------
STATIC_URL = "static/"
# Leaflet comes from the django-leaflet wheel on PyPI; only its static files are used (its
# Django app would need GDAL), so its folder is added here rather than the app installed.
STATICFILES_DIRS = [
    (
        "leaflet",
        Path(importlib.util.find_spec("leaflet").submodule_search_locations[0])
        / "static"
        / "leaflet",
    ),
]
# Apache ECharts comes from the npm registry at build time (`make assets`, package.json); when
# npm was not available the pages show their figures as tables only.
ECHARTS_DIR = PROJECT_DIR / "node_modules" / "echarts" / "dist"
ECHARTS_AVAILABLE = (ECHARTS_DIR / "echarts.min.js").is_file()
if ECHARTS_AVAILABLE:
    STATICFILES_DIRS.append(("echarts", ECHARTS_DIR))
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGE_BACKEND = env_choice("STORAGE_BACKEND", "local", ("local", "s3"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if STORAGE_BACKEND == "s3":
    # Needs `pip install zhili[s3]`; django-storages reads the AWS_* variables itself.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET", required=True),
            "endpoint_url": env_str("S3_ENDPOINT_URL"),
            "default_acl": "private",
            "querystring_auth": True,
        },
    }

# --- Cache, sessions ------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHE_BACKEND = env_choice("CACHE_BACKEND", "locmem", ("locmem", "redis"))
if CACHE_BACKEND == "redis":
    if not REDIS_URL:
        raise ImproperlyConfigured("CACHE_BACKEND=redis needs REDIS_URL.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "zhili",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)

# --- Background work ------------------------------------------------------------------------
# Code enqueues through django_tasks (Django 6's django.tasks, backported) and never names a
# queue; this one setting decides where jobs live.
# --- Photos (zhili.core.images, docs/photos.md) ---
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000, minimum=1_000_000)
PHOTO_MAX_SIDE = env_int("PHOTO_MAX_SIDE", 2560, minimum=320)
PHOTO_THUMB_SIZE = env_int("PHOTO_THUMB_SIZE", 320, minimum=32)

# --- The case loop (docs/cases.md, docs/notifications.md) ---
CASE_MAX_PHOTOS = env_int("CASE_MAX_PHOTOS", 9, minimum=1)
CASE_REOPEN_DAYS = env_int("CASE_REOPEN_DAYS", 7, minimum=0)
CASE_DUPLICATE_METRES = env_int("CASE_DUPLICATE_METRES", 50, minimum=1)
CASE_DUPLICATE_DAYS = env_int("CASE_DUPLICATE_DAYS", 30, minimum=1)
ESCALATION_GRACE_HOURS = env_int("ESCALATION_GRACE_HOURS", 4, minimum=0)
ZHILI_SITE_URL = env_str("ZHILI_SITE_URL", "")

# --- Open311 GeoReport v2 (docs/open311.md) ---
OPEN311_JURISDICTION_ID = env_str("OPEN311_JURISDICTION_ID", "leping.zhili.local")
OPEN311_RATE_LIMIT = env_int("OPEN311_RATE_LIMIT", 120, minimum=1)  # requests a minute per key
# Calls a minute each account may make to /api/v1/ (0: no limit; zhili/api/throttle.py).
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 6000, minimum=0)
OPEN311_DEFAULT_DAYS = env_int("OPEN311_DEFAULT_DAYS", 90, minimum=1)
OPEN311_MAX_RESULTS = env_int("OPEN311_MAX_RESULTS", 1000, minimum=1)

# --- Outbound webhooks (docs/webhooks.md) ---
# The report intake's filers (zhili/cases/services/intake.py): how many file a backlog at once.
INTAKE_FILERS = env_int("INTAKE_FILERS", 2, minimum=1)
# While reports come in faster than this many a second, the filers wait (0: never).
INTAKE_YIELD_ABOVE = env_int("INTAKE_YIELD_ABOVE", 100, minimum=0)
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10, minimum=1)  # seconds per attempt
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
WEBHOOK_BACKOFF_SECONDS = env_int("WEBHOOK_BACKOFF_SECONDS", 30, minimum=0)  # doubles each retry
WEBHOOK_SIGNATURE_TOLERANCE = env_int("WEBHOOK_SIGNATURE_TOLERANCE", 300, minimum=1)

EXPORT_KEEP_DAYS = env_int("EXPORT_KEEP_DAYS", 7, minimum=1)
TASKS_BACKEND = env_choice("TASKS_BACKEND", "database", ("database", "rq", "immediate"))
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "rq": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}
if TASKS_BACKEND == "rq" and not REDIS_URL:
    raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL.")
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "zhili@localhost")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

# --- HTTPS behind a reverse proxy -----------------------------------------------------------
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 3600
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- Maps: no tile server on an intranet unless the city has one ----------------------------
MAP_TILE_URL = env_str("MAP_TILE_URL", "")

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # An Open311 api_key sent in a query string is never written (zhili/open311/logs.py).
    "filters": {"redact_api_key": {"()": "zhili.open311.logs.RedactApiKey"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_api_key"]},
        # runserver's request lines, as Django writes them, with the key redacted.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_api_key"],
        },
    },
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

ZHILI_SITE_TITLE = _("Zhili grassroots governance")

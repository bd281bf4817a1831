"""Atelier settings: one module, configured through environment variables.

Production-safe defaults: DEBUG is off unless ATELIER_DEBUG=1, the secret key comes from the
environment (or a file in the data dir created on first run), and SQLite in the data dir is used
unless DATABASE_URL names another database.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent  # the atelier package
PROJECT_DIR = BASE_DIR.parent


def envbool(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envsecret(name: str, default: str = "") -> str:
    """Read NAME, or the file named by NAME_FILE (docker/k8s secrets)."""
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def _default_data_dir() -> Path:
    # In a source checkout keep data next to the code (./var, git-ignored); installed, in $HOME.
    if (PROJECT_DIR / "pyproject.toml").exists():
        return PROJECT_DIR / "var"
    return Path.home() / ".local" / "share" / "atelier"


DATA_DIR = Path(os.environ.get("ATELIER_DATA_DIR") or _default_data_dir())
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := envsecret("ATELIER_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("ATELIER_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ATELIER_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("ATELIER_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "atelier.core",
    "atelier.accounts",
    "atelier.orgs",
    "atelier.catalog",
    "atelier.search",
    "atelier.demands",
    "atelier.vouchers",
    "atelier.reports",
    "atelier.orders",
    "atelier.kpi",
    "atelier.portal",
    "atelier.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "ninja",
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

ROOT_URLCONF = "atelier.config.urls"
WSGI_APPLICATION = "atelier.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "atelier.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'atelier.sqlite3'}",
        conn_max_age=envint("ATELIER_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the demo server and a management command share the file;
    # IMMEDIATE makes every transaction take the write lock up front (no upgrade deadlocks).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["atelier.accounts.backends.IdentifierBackend"]
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
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:workspace"
LOGOUT_REDIRECT_URL = "portal:home"

# Login throttling: this many failures per identifier (or per client address) inside the window
# lock further attempts until the window has passed.
LOGIN_MAX_FAILURES = envint("ATELIER_LOGIN_MAX_FAILURES", 5)
LOGIN_FAILURE_WINDOW = envint("ATELIER_LOGIN_FAILURE_WINDOW", 15 * 60)

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing directory
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the finders unless collectstatic has been run (intranet: no CDN anywhere).
WHITENOISE_USE_FINDERS = envbool("ATELIER_STATIC_FINDERS", "1")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("ATELIER_MEDIA_DIR") or DATA_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploads: licences are at most 10 MB; anything bigger is refused before it reaches a form.
ATELIER_MAX_UPLOAD_BYTES = envint("ATELIER_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
# Resource imports (.xlsx/.csv) are refused above this size, before being read whole.
ATELIER_MAX_IMPORT_BYTES = envint("ATELIER_MAX_IMPORT_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

EMAIL_BACKEND = os.environ.get(
    "ATELIER_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("ATELIER_FROM_EMAIL", "noreply@atelier.local")
# Absolute links in e-mails.
ATELIER_SITE_URL = os.environ.get("ATELIER_SITE_URL", "http://127.0.0.1:8000")
# Working days a provider has to answer a docking request (对接响应时限).
ATELIER_DOCKING_RESPONSE_DAYS = envint("ATELIER_DOCKING_RESPONSE_DAYS", 3)

# Security: safe by default, HTTPS settings switched on behind a TLS-terminating proxy.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL = envbool("ATELIER_HTTPS")
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_SSL_REDIRECT = SECURE_SSL
SECURE_HSTS_SECONDS = envint("ATELIER_HSTS_SECONDS", 31536000 if SECURE_SSL else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_SSL else None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ATELIER_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 20

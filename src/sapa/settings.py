"""Sapa's one settings module: every knob comes from the environment.

Each variable is documented in README.md ("Configuration"). Values that are
wrong are reported by `sapa.config.check_environment()` before anything
starts, as one line naming the variable.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlparse

from django.utils.translation import gettext_lazy as _

from sapa import config
from sapa.config import ConfigError, env_bool, env_int, parse_database_url, parse_smtp_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SAPA_DATA_DIR", Path.cwd() / "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, or generated once and kept in the data folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting at once must not write two keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(50))
        except FileExistsError:
            pass
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("SAPA_DEBUG", False)
HTTPS = env_bool("SAPA_HTTPS", False)
BASE_URL = os.environ.get("SAPA_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    # Django's admin, behind Sapa's login and off unless SAPA_ADMIN=1 (sapa.libraries.admin_site).
    "sapa.libraries.apps_admin.SapaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    # django-ninja: its templates and static files, so /api/v1/docs serves Swagger UI from
    # this app (the CDN copy is blocked by our Content-Security-Policy).
    "ninja",
    "sapa.core",
    "sapa.libraries",
    "sapa.mail",
    "sapa.events",
    "sapa.promotion",
    "sapa.social",
    "sapa.catalogue",
    "sapa.attendance",
    "sapa.meetings",
    "sapa.live",
    "sapa.survey",
    "sapa.prizes",
    "sapa.certificates",
    "sapa.news",
    "sapa.guide",
    "sapa.whatsapp",
]

MIDDLEWARE = [
    "sapa.core.metrics.MetricsMiddleware",
    "sapa.core.middleware.ConcurrencyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "sapa.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sapa.core.middleware.LanguageMiddleware",
    "sapa.api.middleware.ApiErrorBodyMiddleware",
    "sapa.core.middleware.RequestInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: its process_exception sees the view's database errors first.
    "sapa.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "sapa.urls"
WSGI_APPLICATION = "sapa.wsgi.application"

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
                "sapa.libraries.context_processors.libraries",
                "sapa.guide.context_processors.guide",
            ],
        },
    }
]

# Key that encrypts the social channels' credentials at rest (Fernet; see
# docs/decisions.md). Several keys separated by commas: the first encrypts,
# all decrypt (rotation). Unset: derived from SECRET_KEY.
SAPA_ENCRYPTION_KEY = os.environ.get("SAPA_ENCRYPTION_KEY", "").strip()

# /metrics (sapa.core.metrics): off unless a token is set. Its counters are summed over
# the web processes from files in the data folder's metrics/ (prometheus_client's
# multiprocess mode, which reads this variable when it is first imported).
SAPA_METRICS_TOKEN = os.environ.get("SAPA_METRICS_TOKEN", "").strip()
if SAPA_METRICS_TOKEN and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(DATA_DIR / "metrics")
    (DATA_DIR / "metrics").mkdir(parents=True, exist_ok=True)
if not SAPA_METRICS_TOKEN:
    # Nobody can read the counters: do not count (every request would pay for it).
    MIDDLEWARE.remove("sapa.core.metrics.MetricsMiddleware")
# Read by prometheus_client from the environment; by sapa.core.metrics from here.
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")

# --- Data -----------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'sapa.sqlite3'}"
try:
    DATABASES = {"default": parse_database_url(DATABASE_URL)}
except ConfigError:
    # Reported with a clear line by check_environment(); keep Django importable
    # so that the check can run.
    DATABASES = {"default": parse_database_url(f"sqlite:///{DATA_DIR / 'sapa.sqlite3'}")}
# Requests each web process runs at once (sapa.core.middleware.ConcurrencyLimitMiddleware);
# SAPA_WEB_THREADS, as sapa.cli gives the server that many page threads (measured: fewer
# fight less over the GIL while one of them holds an event's lock on PostgreSQL).
# Threads of the task worker (Huey's consumer).
SAPA_WORKER_THREADS = env_int("SAPA_WORKER_THREADS", config.DEFAULT_WORKER_THREADS)
SAPA_PAGE_THREADS = env_int(
    "SAPA_WEB_THREADS", 8 if DATABASES["default"]["ENGINE"] == "sapa.core.db.sqlite3" else 4)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool of connections per process (psycopg_pool), handed from request to
    # request whatever thread serves it: the server's threads are many (one per
    # live stream, sapa.cli), and one kept connection per thread would pass
    # PostgreSQL's 100. Django then gives a request's connection back when the
    # request ends, so CONN_MAX_AGE must be 0.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The connection budget (docs/deployment.md): each web process and each worker holds
    # up to SAPA_DB_POOL_SIZE connections; the sum over all processes must stay below
    # PostgreSQL's max_connections (or PgBouncer's pool).
    SAPA_DB_POOL_SIZE = env_int("SAPA_DB_POOL_SIZE", 2 * SAPA_PAGE_THREADS + 4)
    if SAPA_DB_POOL_SIZE < 2:
        raise ConfigError(f"SAPA_DB_POOL_SIZE={SAPA_DB_POOL_SIZE} is too small; use at least 2")
    DATABASES["default"]["OPTIONS"].setdefault("pool", {
        "min_size": 1, "max_size": SAPA_DB_POOL_SIZE, "timeout": 30,
        # Replaces SAPA_DB_CONN_MAX_AGE's idle limit for pooled connections.
        "max_idle": max(env_int("SAPA_DB_CONN_MAX_AGE", 60), 30),
    })
    # psycopg prepares a statement on the server from its 2nd execution on a
    # connection (Django turns this off by default): PostgreSQL then plans the
    # registration's statements once per connection instead of every time
    # (docs/benchmarks.md). Not for PgBouncer in transaction mode.
    # SAPA_DB_PGBOUNCER=1: through PgBouncer in transaction mode, where a connection
    # changes under the process between transactions, so no prepared statements.
    SAPA_DB_PGBOUNCER = env_bool("SAPA_DB_PGBOUNCER", False)
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", None if SAPA_DB_PGBOUNCER else 2)
    if SAPA_DB_PGBOUNCER:
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = False
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: jobs, cache and rate limits ----------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()

# Workers (sapa.core.workers): a beat every SAPA_WORKER_HEARTBEAT seconds (a worker silent
# for three beats is dead and its jobs are taken up again); on SIGTERM, running jobs get
# SAPA_WORKER_GRACE seconds to finish before they are handed back.
WORKER_HEARTBEAT_SECONDS = env_int("SAPA_WORKER_HEARTBEAT", 5)
WORKER_GRACE_SECONDS = env_int("SAPA_WORKER_GRACE", 25)
if WORKER_HEARTBEAT_SECONDS < 1:
    raise ConfigError("SAPA_WORKER_HEARTBEAT must be at least 1 (seconds)")
_consumer = {"workers": SAPA_WORKER_THREADS, "worker_type": "thread",
             "graceful_signal": "TERM", "shutdown_timeout": WORKER_GRACE_SECONDS}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Redis down: the cache misses (logged) instead of failing the page.
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2, "IGNORE_EXCEPTIONS": True},
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    HUEY = {
        "huey_class": "sapa.core.queue.RedisHuey",
        "name": os.environ.get("SAPA_QUEUE_NAME", "sapa"),
        "url": REDIS_URL,
        "immediate": False,
        "consumer": _consumer,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        # Huey's SqliteHuey with synchronous=NORMAL: an enqueue does not wait for the disk.
        "huey_class": "sapa.core.queue.SqliteHuey",
        "name": "sapa",
        "filename": str(DATA_DIR / "queue.sqlite3"),
        "immediate": False,
        "consumer": _consumer,
    }

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "libraries.User"
AUTHENTICATION_BACKENDS = ["sapa.libraries.auth.EmailBackend"]
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# Failed logins allowed per email and per address in LOGIN_THROTTLE_WINDOW seconds.
LOGIN_THROTTLE_ATTEMPTS = env_int("SAPA_LOGIN_ATTEMPTS", 5)
LOGIN_THROTTLE_WINDOW = env_int("SAPA_LOGIN_WINDOW", 15 * 60)
# Django's admin (/admin/) for superusers: off unless SAPA_ADMIN=1; it uses Sapa's login.
SAPA_ADMIN = env_bool("SAPA_ADMIN", False)

# --- Language and time --------------------------------------------------------
LANGUAGE_CODE = os.environ.get("SAPA_LANGUAGE", "id")
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("SAPA_TIME_ZONE", "Asia/Jakarta")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# src/sapa/static (sapa.css, vendored htmx): `sapa` itself is not an installed app,
# so the app-directories finder would not see it.
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("SAPA_MEDIA_ROOT", DATA_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

_S3_BUCKET = os.environ.get("SAPA_S3_BUCKET", "").strip()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "sapa.core.storage.StaticStorage"},
}
# Public media (posters, logos, news and social images) at stable addresses: under this
# base URL (a media origin or CDN), else the bucket's own address; see sapa.core.s3.
SAPA_S3_PUBLIC_URL = os.environ.get("SAPA_S3_PUBLIC_URL", "").strip().rstrip("/")
SAPA_S3_PUBLIC_ACL = env_bool("SAPA_S3_PUBLIC_ACL", True)
SAPA_S3_URL_SECONDS = env_int("SAPA_S3_URL_SECONDS", 3600)
# The origins public media come from, named in the Content-Security-Policy (img-src, media-src).
MEDIA_ORIGINS: list[str] = []
if _S3_BUCKET:
    _endpoint = (os.environ.get("SAPA_S3_ENDPOINT_URL") or "").strip()
    _region = os.environ.get("SAPA_S3_REGION") or "us-east-1"
    if SAPA_S3_PUBLIC_URL:
        _media_bases = [SAPA_S3_PUBLIC_URL]
    elif _endpoint:
        _media_bases = [_endpoint]
    else:  # AWS: boto3 names the bucket's host with or without the region
        _media_bases = [f"https://{_S3_BUCKET}.s3.amazonaws.com", f"https://{_S3_BUCKET}.s3.{_region}.amazonaws.com"]
    for _base in _media_bases:
        _parsed_media = urlparse(_base)
        if _parsed_media.scheme not in ("http", "https") or not _parsed_media.netloc:
            raise ConfigError(f"SAPA_S3_PUBLIC_URL / SAPA_S3_ENDPOINT_URL: {_base!r} is not an http(s) address")
        MEDIA_ORIGINS.append(f"{_parsed_media.scheme}://{_parsed_media.netloc}")
    STORAGES["default"] = {
        "BACKEND": "sapa.core.s3.MediaStorage",
        "OPTIONS": {
            "bucket_name": _S3_BUCKET,
            "endpoint_url": os.environ.get("SAPA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("SAPA_S3_REGION") or None,
            "access_key": os.environ.get("SAPA_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("SAPA_S3_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
WHITENOISE_USE_FINDERS = True
WHITENOISE_MAX_AGE = 3600

# --- Email ----------------------------------------------------------------------
# Every email goes through the outbox (sapa.mail); SAPA_SMTP_URL says how the
# outbox worker delivers it. "console://" prints mail (the demo's default).
SMTP_URL = os.environ.get("SAPA_SMTP_URL", "console://")
try:
    _smtp = parse_smtp_url(SMTP_URL)
except ConfigError:
    _smtp = parse_smtp_url("console://")
EMAIL_BACKEND = "sapa.mail.backends.OutboxBackend"
MAIL_DELIVERY_BACKEND = _smtp["backend"]
EMAIL_HOST = _smtp["host"]
EMAIL_PORT = _smtp["port"]
EMAIL_HOST_USER = _smtp["user"]
EMAIL_HOST_PASSWORD = _smtp["password"]
EMAIL_USE_TLS = _smtp["use_tls"]
EMAIL_USE_SSL = _smtp["use_ssl"]
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("SAPA_FROM_EMAIL", "Sapa <sapa@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Retry schedule of the outbox, in seconds: attempt n waits MAIL_RETRY_DELAYS[n-1].
MAIL_MAX_ATTEMPTS = env_int("SAPA_MAIL_MAX_ATTEMPTS", 12)
MAIL_RETRY_BASE_SECONDS = env_int("SAPA_MAIL_RETRY_BASE", 30)
# Days the outbox keeps what a sent email said (body, attachments); the retention job
# empties older ones. Emails to a participant whose data was erased are emptied at once.
SAPA_EMAIL_BODY_DAYS = env_int("SAPA_EMAIL_BODY_DAYS", 30)
if SAPA_EMAIL_BODY_DAYS < 1:
    raise ConfigError(f"SAPA_EMAIL_BODY_DAYS={SAPA_EMAIL_BODY_DAYS} must be at least 1 (days)")

# --- Security -------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# A refused form token answers a styled page in the visitor's language, not Django's bare 403.
CSRF_FAILURE_VIEW = "sapa.core.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_HSTS_SECONDS = env_int("SAPA_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Number of reverse proxies in front of Sapa whose X-Forwarded-For we trust.
TRUSTED_PROXIES = env_int("SAPA_TRUSTED_PROXIES", 0)

# --- Outbound requests (sapa.core.outbound) ---------------------------------------------
# Catalogue harvests and social networks reach only public (global) addresses, unless the
# address is in one of these ranges the admin listed (a SLiMS on the library's LAN). Empty by
# default: never the server's own network, the cloud's metadata address or a private range.
SAPA_OUTBOUND_ALLOW = config.parse_networks("SAPA_OUTBOUND_ALLOW", os.environ.get("SAPA_OUTBOUND_ALLOW", ""))
# The API address of the networks that have one fixed address (a local Telegram Bot API
# server, a test double): set by the admin, never by a channel's editor.
SAPA_SOCIAL_API_URLS = config.parse_api_urls(
    "SAPA_SOCIAL_API_URLS", os.environ.get("SAPA_SOCIAL_API_URLS", ""), config.SOCIAL_API_NETWORKS)

# --- WhatsApp Business Cloud API (sapa.whatsapp) ------------------------------------------
# The Graph API's address with its version; a test double's in tests and bench.
SAPA_WHATSAPP_API_URL = os.environ.get("SAPA_WHATSAPP_API_URL", "https://graph.facebook.com/v21.0").strip()
if not SAPA_WHATSAPP_API_URL.startswith(("https://", "http://")):
    raise ConfigError(f"SAPA_WHATSAPP_API_URL={SAPA_WHATSAPP_API_URL!r} is not an http(s) address")
SAPA_WHATSAPP_RETRY_BASE = env_int("SAPA_WHATSAPP_RETRY_BASE", 30)
SAPA_WHATSAPP_MAX_ATTEMPTS = env_int("SAPA_WHATSAPP_MAX_ATTEMPTS", 6)
# Seconds a send may take before a dead worker's message is marked "check by hand".
SAPA_WHATSAPP_LEASE = env_int("SAPA_WHATSAPP_LEASE", 600)
if min(SAPA_WHATSAPP_RETRY_BASE, SAPA_WHATSAPP_MAX_ATTEMPTS, SAPA_WHATSAPP_LEASE) < 1:
    raise ConfigError("SAPA_WHATSAPP_RETRY_BASE, _MAX_ATTEMPTS and _LEASE must be at least 1")

# --- Event registration -------------------------------------------------------------
# A form submitted faster than this many seconds after the page was served is a bot's.
SAPA_REGISTRATION_MIN_SECONDS = env_int("SAPA_REGISTRATION_MIN_SECONDS", 3)
# Registration attempts allowed for one event from one address: "attempts/seconds"; "off" for
# none. Many honest people share one address (school labs, offices, carrier-grade NAT).
SAPA_REGISTRATION_RATE = os.environ.get("SAPA_REGISTRATION_RATE", "150/600").strip()
# Registration attempts allowed for one event with one email address, from any address.
SAPA_REGISTRATION_EMAIL_RATE = os.environ.get("SAPA_REGISTRATION_EMAIL_RATE", "5/600").strip()

# --- Demo (`sapa demo`) ------------------------------------------------------------
SAPA_DEMO_PASSWORD = os.environ.get("SAPA_DEMO_PASSWORD", "sapa-demo-2020")

# --- Attendance -------------------------------------------------------------------
# Failed check-ins allowed from one address: "attempts/seconds", "off" for none.
SAPA_CHECKIN_RATE = os.environ.get("SAPA_CHECKIN_RATE", "10/600").strip()
config.parse_rate("SAPA_CHECKIN_RATE", SAPA_CHECKIN_RATE)  # a bad value stops the start, never a silent default

# --- Social publishing (sapa.social) -----------------------------------------------
# Seconds a publish may take before a sweep treats it as abandoned by a dead worker.
SAPA_SOCIAL_PUBLISH_LEASE = env_int("SAPA_SOCIAL_PUBLISH_LEASE", 600)
# Publish attempts before a variant fails.
SAPA_SOCIAL_MAX_ATTEMPTS = env_int("SAPA_SOCIAL_MAX_ATTEMPTS", 6)
# First retry delay in seconds, doubled each time, at most an hour.
SAPA_SOCIAL_RETRY_BASE = env_int("SAPA_SOCIAL_RETRY_BASE", 30)
# Days a review link stays valid.
SAPA_SOCIAL_REVIEW_DAYS = env_int("SAPA_SOCIAL_REVIEW_DAYS", 7)
# Seconds to wait for a network's answer.
SAPA_SOCIAL_HTTP_TIMEOUT = env_int("SAPA_SOCIAL_HTTP_TIMEOUT", 30)

# --- Live board (sapa.live) ------------------------------------------------------------
# Open live-board streams (Server-Sent Events) one web process may hold. Under granian
# (sapa.server) a stream is a coroutine on the event loop, not a thread (decision 6).
SAPA_LIVE_STREAMS = env_int("SAPA_LIVE_STREAMS", config.DEFAULT_LIVE_STREAMS)
# Of those, at most this many for one event (so one event cannot starve the others) and
# for one client address (so one visitor cannot take them all; many phones share an
# address behind a carrier's or a school's NAT, hence not 1).
SAPA_LIVE_STREAMS_PER_EVENT = env_int("SAPA_LIVE_STREAMS_PER_EVENT", max(1, SAPA_LIVE_STREAMS * 3 // 4))
SAPA_LIVE_STREAMS_PER_ADDRESS = env_int("SAPA_LIVE_STREAMS_PER_ADDRESS", 20)
for _name, _value in (("SAPA_LIVE_STREAMS", SAPA_LIVE_STREAMS),
                      ("SAPA_LIVE_STREAMS_PER_EVENT", SAPA_LIVE_STREAMS_PER_EVENT),
                      ("SAPA_LIVE_STREAMS_PER_ADDRESS", SAPA_LIVE_STREAMS_PER_ADDRESS)):
    if _value < 1:
        raise ConfigError(f"{_name}={_value} must be at least 1")
# A stream ends after this many seconds and the browser reconnects (resources freed).
SAPA_LIVE_STREAM_SECONDS = env_int("SAPA_LIVE_STREAM_SECONDS", 300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SAPA_LOG_LEVEL", "WARNING")},
    "loggers": {
        "sapa": {"level": os.environ.get("SAPA_LOG_LEVEL", "INFO")},
        # The worker (run_huey) attaches its own handler to "huey".
        "huey": {"level": "INFO", "propagate": False},
    },
}
FORMS_URLFIELD_ASSUME_HTTPS = True

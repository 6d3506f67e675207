"""Campfire settings: one module, every value from the environment (docs/OPERATIONS.md lists them)."""

import secrets
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from campfire.env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(env_str("CAMPFIRE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
HTTPS = env_bool("CAMPFIRE_HTTPS", False)

SECRET_KEY = env_str("SECRET_KEY", None)
_KEY_FILE = VAR_DIR / "secret_key"  # `make run` writes it: manage.py in that checkout shares the key
if SECRET_KEY is None and _KEY_FILE.is_file():
    SECRET_KEY = _KEY_FILE.read_text().strip() or None
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            f"SECRET_KEY must be set when DEBUG is off (make run generates one in {_KEY_FILE})"
        )
    # Development only: a fresh key per process; sessions do not survive a restart.
    SECRET_KEY = secrets.token_urlsafe(50)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = ["channels", "ninja", "csp"]
LOCAL_APPS = ["campfire", "campfire.accounts", "campfire.notebooks", "campfire.execution", "campfire.tutorials"]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "campfire.limits.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Innermost, so that their answers get the security headers above.
    "campfire.urlguard.NulInUrlMiddleware",
    "campfire.apierrors.ApiJsonErrorsMiddleware",
]

ROOT_URLCONF = "campfire.urls"
WSGI_APPLICATION = "campfire.wsgi.application"
ASGI_APPLICATION = "campfire.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    }
]

# --- data -----------------------------------------------------------------------------------
DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'campfire.sqlite3'}",
    schemes={"sqlite", "postgres", "postgresql", "pgsql"},
)
if DATABASE_URL.startswith("sqlite:") and not DATABASE_URL.startswith("sqlite://:memory:"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
# SQLite keeps its connections (opening one costs a file open and the PRAGMAs below on every
# request); PostgreSQL's default stays per request (a pooler is the better answer there).
_SQLITE = DATABASE_URL.startswith("sqlite:")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CAMPFIRE_DB_CONN_MAX_AGE", 60 if _SQLITE else 0, minimum=0))}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web requests and the platform worker write concurrently: wait for the lock instead of
    # failing at once, and take it up front so a read never has to upgrade to a write.
    # WAL: readers never wait for a writer, and with synchronous=NORMAL a commit appends to the
    # log without an fsync, so the lock is held for well under a millisecond (a run request and
    # a record task no longer queue behind each other's disk flush; durable across crashes of
    # the processes, may lose the last commits on power loss).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", None, schemes={"redis", "rediss", "unix"})
# Prefix for every key the platform writes, so several deployments (or test runs) can share one Redis.
REDIS_KEY_PREFIX = env_str("CAMPFIRE_REDIS_PREFIX", "campfire")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (the platform's worker consumes the `platform` queue) -------------------------------
CELERY_BROKER_URL = env_url("CAMPFIRE_BROKER_URL", REDIS_URL, schemes={"redis", "rediss", "unix", "memory"})
# The same names the execution workers read (workers/config.py): a prefix for queue names and
# one for kombu's own keys, so several deployments (or test runs) can share one Redis.
CAMPFIRE_QUEUE_PREFIX = env_str("CAMPFIRE_QUEUE_PREFIX", "")
CAMPFIRE_BROKER_KEYPREFIX = env_str("CAMPFIRE_BROKER_KEYPREFIX", "")
CELERY_TASK_DEFAULT_QUEUE = f"{CAMPFIRE_QUEUE_PREFIX}platform"
CELERY_TASK_ROUTES = {"campfire.*": {"queue": CELERY_TASK_DEFAULT_QUEUE}}
if CAMPFIRE_BROKER_KEYPREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": CAMPFIRE_BROKER_KEYPREFIX}
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CAMPFIRE_PLATFORM_TASK_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = max(1, CELERY_TASK_TIME_LIMIT - 10)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "notebooks:list"
LOGOUT_REDIRECT_URL = "landing"
LOGIN_RATE_LIMIT = env_int("CAMPFIRE_LOGIN_RATE_LIMIT", 5, minimum=1)
LOGIN_RATE_WINDOW = env_int("CAMPFIRE_LOGIN_RATE_WINDOW", 300, minimum=1)
# Requests per minute per IP to anonymous endpoints that cost CPU (markdown rendering).
CAMPFIRE_ANON_RATE_LIMIT = env_int("CAMPFIRE_ANON_RATE_LIMIT", 120, minimum=1)

# --- limits ---------------------------------------------------------------------------------
CAMPFIRE_IMPORT_MAX_BYTES = env_int("CAMPFIRE_IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# Whole request bodies: the import cap plus room for the multipart envelope.
CAMPFIRE_MAX_REQUEST_BYTES = env_int(
    "CAMPFIRE_MAX_REQUEST_BYTES", CAMPFIRE_IMPORT_MAX_BYTES + 1024 * 1024, minimum=1024
)
# Non-file bodies (JSON PATCHes with a whole notebook's sources) are parsed in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CAMPFIRE_MAX_JSON_BYTES", 10 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
CAMPFIRE_MAX_CELLS = env_int("CAMPFIRE_MAX_CELLS", 2000, minimum=1)
CAMPFIRE_MAX_NOTEBOOKS_PER_USER = env_int("CAMPFIRE_MAX_NOTEBOOKS_PER_USER", 1000, minimum=1)
CAMPFIRE_MAX_KERNELS_PER_USER = env_int("CAMPFIRE_MAX_KERNELS_PER_USER", 2, minimum=1)
# Of those, on a GPU: GPUs are scarce, so by default one each (a workshop shares a few GPU workers).
CAMPFIRE_MAX_GPU_KERNELS_PER_USER = env_int("CAMPFIRE_MAX_GPU_KERNELS_PER_USER", 1, minimum=1)
# Runs waiting or running at once, per user (a run-all of a long notebook counts every cell).
CAMPFIRE_MAX_QUEUED_RUNS_PER_USER = env_int("CAMPFIRE_MAX_QUEUED_RUNS_PER_USER", 200, minimum=1)
# Finished runs older than this are deleted by `manage.py prune_executions` (docs/OPERATIONS.md),
# and by the `beat` process every CAMPFIRE_EXECUTION_PRUNE_INTERVAL seconds (0: never).
CAMPFIRE_EXECUTION_RETENTION_DAYS = env_int("CAMPFIRE_EXECUTION_RETENTION_DAYS", 30, minimum=1)
CAMPFIRE_EXECUTION_PRUNE_INTERVAL = env_int("CAMPFIRE_EXECUTION_PRUNE_INTERVAL", 86_400, minimum=0)
CELERY_BEAT_SCHEDULE = {
    "prune-executions": {
        "task": "campfire.prune_executions",
        "schedule": float(CAMPFIRE_EXECUTION_PRUNE_INTERVAL),
        # a platform worker that was down for days runs one prune, not a backlog of them
        "options": {"expires": float(CAMPFIRE_EXECUTION_PRUNE_INTERVAL)},
    },
} if CAMPFIRE_EXECUTION_PRUNE_INTERVAL else {}
CELERY_BEAT_SCHEDULE_FILENAME = env_str("CAMPFIRE_BEAT_SCHEDULE_FILE", str(VAR_DIR / "celerybeat-schedule"))
# The workers' stream settings (docs/EXECUTION.md): the platform appends `queued` events too.
CAMPFIRE_STREAM_MAXLEN = env_int("CAMPFIRE_STREAM_MAXLEN", 10_000, minimum=100)
CAMPFIRE_STREAM_TTL = env_int("CAMPFIRE_STREAM_TTL", 86_400, minimum=60)
# Each open notebook WebSocket holds one Redis connection (its reader blocks in XREAD): the most a
# web process opens (redis-py's own default, 100, closed the 101st socket as it connected).
CAMPFIRE_WS_REDIS_CONNECTIONS = env_int("CAMPFIRE_WS_REDIS_CONNECTIONS", 5000, minimum=10)
# Live execution needs the broker; without one the editor never shows the run UI.
CAMPFIRE_EXECUTION_ENABLED = env_bool("CAMPFIRE_EXECUTION_ENABLED", True) and bool(CELERY_BROKER_URL) and bool(REDIS_URL)
CAMPFIRE_MAX_TOKENS_PER_USER = env_int("CAMPFIRE_MAX_TOKENS_PER_USER", 20, minimum=1)

# --- security headers ---------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("CAMPFIRE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("CAMPFIRE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CAMPFIRE_HSTS_INCLUDE_SUBDOMAINS", False)
    # /healthz is probed over plain HTTP by load balancers and compose.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # CodeMirror 6 injects <style> elements: allowed only with this response's nonce.
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF] + (["wss:"] if HTTPS else ["ws:", "wss:"]),
        "frame-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- i18n, static --------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("CAMPFIRE_STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
try:  # whitenoise warns on every start when the folder is missing
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
# Serve straight from the apps' static folders too, so a fresh checkout works before collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- logging --------------------------------------------------------------------------------
LOG_LEVEL = env_str("CAMPFIRE_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": sys.stderr, "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

"""Settings for the Python Web Frameworks wiki, read from the environment.

Secure by default: DEBUG is off unless asked for, SECRET_KEY is required when DEBUG is
off, and DATABASE_URL falls back to an embedded SQLite file under var/.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# SECRET_KEY: the environment, else the key `make run` / `make test` generated in var/.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and (VAR_DIR / "secret_key").is_file():
    SECRET_KEY = (VAR_DIR / "secret_key").read_text().strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "axes",
    "core",
    "corrections",
    "wiki",
    "catalog",
    "search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Query parameters without control characters, before any view reads them.
    "core.middleware.CleanQueryMiddleware",
    # Compresses every other response on its way out (HTML, JSON, XML, SVG). Outside the
    # page cache and the stored snapshots: those keep plain bodies (or, for snapshots,
    # gzip bytes already marked Content-Encoding, which this middleware passes through
    # untouched). BREACH: CSRF tokens are masked anew in every response and Django adds
    # random bytes to each compressed body ("Heal The Breach"); no other secret is echoed
    # into a page next to what a reader types. Static files come pre-compressed from
    # whitenoise, which answers before this.
    "core.compression.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: throttles admin log-ins.
    "axes.middleware.AxesMiddleware",
    # Innermost: caches what views return for anonymous readers (core/pagecache.py).
    "core.pagecache.AnonymousPageCacheMiddleware",
]

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Diffs between two revisions (wiki.views.page_diff), each at most ~0.5 MB of HTML.
    "diffs": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "diffs",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 100},
    },
}
# Per-process cache of anonymous pages, keyed by the versions of what they show, and
# bounded in bytes (core/pagecache.py).
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", default=True)
PAGE_CACHE_BYTES = int(os.environ.get("PAGE_CACHE_MB", "32")) * 1024 * 1024

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.navigation.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE transactions take the write
    # lock up front, so two concurrent editors queue instead of failing with "locked".
    # Connections persist (CONN_MAX_AGE) as on PostgreSQL: opening one (Django's SQL
    # functions, the PRAGMAs) cost ~1.5 ms, five times a snapshot page view.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "TEST_DATABASE_NAME", str(VAR_DIR / "test-db.sqlite3")
    )
    # Django's backend, reopening the file read-only when it cannot be written (config/sqlite3).
    DATABASES["default"]["ENGINE"] = "config.sqlite3"
elif os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ["TEST_DATABASE_NAME"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_STORAGE",
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# Uploaded files (wiki attachments) go through STORAGES["default"]: local files under
# MEDIA_ROOT, or with STORAGE=s3 any S3-compatible store (django-storages, an optional
# dependency: pip install '.[s3]'), configured from the environment.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served as such: attachments go through the wiki's own view
if os.environ.get("STORAGE", "local") == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "location": os.environ.get("S3_PREFIX", "wiki"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
WIKI_ATTACHMENT_MAX_BYTES = int(os.environ.get("WIKI_ATTACHMENT_MAX_MB", "10")) * 1024 * 1024
WIKI_ATTACHMENT_MAX_PIXELS = int(os.environ.get("WIKI_ATTACHMENT_MAX_PIXELS", str(40_000_000)))
WIKI_ATTACHMENT_DISPLAY_WIDTH = int(os.environ.get("WIKI_ATTACHMENT_DISPLAY_WIDTH", "960"))

LOGIN_URL = "admin:login"
# Where a log-in lands when its ?next= is missing or refused (another host, a javascript:
# URL …): the editors' start page, not Django's /accounts/profile/ (a 404 here).
LOGIN_REDIRECT_URL = "admin:index"

# Log-in throttling (django-axes): 5 failures from one IP address for one username lock that
# pair out for 15 minutes; a success resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"


def client_address_settings(proxy_count: int) -> dict:
    """How django-axes finds a client's address (through django-ipware). No proxy: the
    connection's own address (REMOTE_ADDR); an X-Forwarded-For a client sends is ignored.
    Behind proxy_count proxies, each appending the address it was reached from to
    X-Forwarded-For: the proxy_count-th address from the right — whatever a client wrote
    into the header itself stands further left and is never taken."""
    if proxy_count <= 0:
        return {
            "AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",),
            "AXES_IPWARE_PROXY_COUNT": None,
            "AXES_IPWARE_PROXY_ORDER": "left-most",
            "IPWARE_STRICT": False,
        }
    return {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
        # ipware counts the proxies listed after the client in the header; the last proxy
        # (the one gunicorn hears from) is in REMOTE_ADDR, not in the header.
        "AXES_IPWARE_PROXY_COUNT": proxy_count - 1,
        "AXES_IPWARE_PROXY_ORDER": "left-most",
        # Forged entries on the left make the chain longer than proxy_count: take the
        # position anyway instead of giving up on the header.
        "IPWARE_STRICT": False,
    }


PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
_client_address = client_address_settings(PROXY_COUNT)
AXES_IPWARE_META_PRECEDENCE_ORDER = _client_address["AXES_IPWARE_META_PRECEDENCE_ORDER"]
AXES_IPWARE_PROXY_COUNT = _client_address["AXES_IPWARE_PROXY_COUNT"]
AXES_IPWARE_PROXY_ORDER = _client_address["AXES_IPWARE_PROXY_ORDER"]
IPWARE_STRICT = _client_address["IPWARE_STRICT"]

# Content-Security-Policy (django-csp): no inline script anywhere, the admin included.
# Styles allow 'unsafe-inline' only because Django's admin widgets set style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "https:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Security: secure by default, relaxed only for the local development server.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
HTTPS = env_bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The wiki
WIKI_SITE_NAME = "Python Web Frameworks"
WIKI_SITE_DESCRIPTION = (
    "A wiki, a catalog and a search engine about Python web frameworks, their template "
    "engines, servers and the other components around them."
)
# The public address (e.g. https://wiki.example.org), for canonical links, Open Graph, the
# sitemap, robots.txt and the OpenSearch description; empty: taken from each request.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
WIKI_FRONT_PAGE = os.environ.get("WIKI_FRONT_PAGE", "FrontPage")
WIKI_MAX_BODY_BYTES = int(os.environ.get("WIKI_MAX_BODY_BYTES", str(1024 * 1024)))
# A form carrying a body of WIKI_MAX_BODY_BYTES must reach the wiki's own check: URL-encoded,
# each byte can take three ("%C3%A9"), plus the other fields. Beyond that, core.errors
# answers with the wiki's message, not Django's bare "Bad Request".
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * WIKI_MAX_BODY_BYTES + 256 * 1024
WIKI_PAGE_SIZE = 50
# Seconds one body may take to render (in a worker process) before it is shown as plain
# text instead (wiki/render.py).
WIKI_RENDER_TIMEOUT = float(os.environ.get("WIKI_RENDER_TIMEOUT", "5"))

# Readers' reports (corrections/): how many one address may send per window (seconds).
CORRECTIONS_RATE_LIMIT = int(os.environ.get("CORRECTIONS_RATE_LIMIT", "5"))
CORRECTIONS_RATE_WINDOW = int(os.environ.get("CORRECTIONS_RATE_WINDOW", "3600"))

# The outbox of follow-up work (core/outbox.py): "thread" drains it in a background
# thread of the web process after each commit, "inline" in the committing request,
# "off" leaves it to `manage.py work`. Empty: thread under gunicorn, inline elsewhere.
OUTBOX_DRAIN = os.environ.get("OUTBOX_DRAIN", "")

# Search (see search/): "whoosh" embedded, or "postgres" for several web machines.
SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "whoosh")
SEARCH_INDEX_DIR = Path(os.environ.get("SEARCH_INDEX_DIR", VAR_DIR / "search-index"))
# Seconds one query may run before its partial results are returned (TimeLimitCollector),
# and seconds the indexer waits for Whoosh's writer lock.
SEARCH_TIME_LIMIT = float(os.environ.get("SEARCH_TIME_LIMIT", "0.5"))
SEARCH_WRITE_TIMEOUT = float(os.environ.get("SEARCH_WRITE_TIMEOUT", "10"))
# Processes `search_index --rebuild` analyses documents in (Whoosh is pure Python; each
# process writes one segment). Default: one per core, at most 4.
SEARCH_INDEX_PROCS = int(os.environ.get("SEARCH_INDEX_PROCS", str(min(4, os.cpu_count() or 1))))

# refresh_facts (catalog/refresh.py): the package index whose JSON API it reads
# (<URL>/<package>/json), e.g. https://index.example/pypi. No default: without it (or
# --index-url / --from DIR) the command reads nothing. Seconds to wait for each answer.
PACKAGE_INDEX_URL = os.environ.get("PACKAGE_INDEX_URL", "").rstrip("/")
PACKAGE_INDEX_TIMEOUT = float(os.environ.get("PACKAGE_INDEX_TIMEOUT", "10"))

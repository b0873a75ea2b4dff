"""Configurations for development, testing and production, read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-only-not-secret"
_MARKET_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "market-dev"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


class BaseConfig:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    # None: the factory puts an SQLite file in the instance folder.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # uploads are manifests and forms, never big files

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh": "中文", "en": "English"}

    BOOTSTRAP_SERVE_LOCAL = True  # no CDN: the portal works offline
    BOOTSTRAP_BTN_STYLE = "primary"

    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    SECURITY_HSTS = _bool("SECURITY_HSTS", False)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # Seconds to wait for a new database connection before answering 503 (PostgreSQL).
    DATABASE_CONNECT_TIMEOUT = _int("DATABASE_CONNECT_TIMEOUT", 5)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # When the limit storage (Redis) is unreachable, count in this process's memory and log
    # a warning, instead of answering 500; the storage is probed again with a backoff.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    # Failed sign-ins only (successful ones never count): per client address, per account.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get(
        "LOGIN_ACCOUNT_RATE_LIMIT", "5 per minute;20 per hour"
    )
    SESSION_LIFETIME_DAYS = _int("SESSION_LIFETIME_DAYS", 14)  # then sign in again

    # Plug-in page views are buffered per process and written this often (0: only on flush()).
    VIEW_COUNT_FLUSH_SECONDS = float(os.environ.get("VIEW_COUNT_FLUSH_SECONDS", "10"))

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    LOG_JSON = _bool("LOG_JSON", False)

    # Plug-ins: extra folders (os.pathsep-separated) and how bundled ones enter the catalogue.
    PLUGIN_FOLDERS = [p for p in os.environ.get("PLUGIN_FOLDERS", "").split(os.pathsep) if p]
    PLUGINS_AUTO_PUBLISH_BUNDLED = _bool("PLUGINS_AUTO_PUBLISH_BUNDLED", True)
    PLUGIN_HOOK_TIMEOUT_MS = _int("PLUGIN_HOOK_TIMEOUT_MS", 200)
    PLUGIN_DEGRADED_AFTER = _int("PLUGIN_DEGRADED_AFTER", 3)

    RFQ_CAP_PER_NEED = _int("RFQ_CAP_PER_NEED", 5)

    # JSON API; every JSON body (API or page) is refused deeper or longer than these
    JSON_MAX_DEPTH = _int("JSON_MAX_DEPTH", 32)
    JSON_MAX_BYTES = _int("JSON_MAX_BYTES", 1024 * 1024)
    API_TOKEN_DAYS = _int("API_TOKEN_DAYS", 30)
    API_TOKEN_RATE_LIMIT = os.environ.get("API_TOKEN_RATE_LIMIT", "10 per minute;50 per hour")
    IDEMPOTENCY_KEY_DAYS = _int("IDEMPOTENCY_KEY_DAYS", 1)

    # Background jobs: "thread" (in-process), "rq" (a Redis-backed worker), "sync" (inline).
    JOBS = os.environ.get("JOBS", "thread")
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "shuzhuan")
    JOBS_SWEEP_SECONDS = _int("JOBS_SWEEP_SECONDS", 30)  # how often lost or due jobs are run
    JOBS_MAX_ATTEMPTS = _int("JOBS_MAX_ATTEMPTS", 5)  # then the job is dead until retried
    JOBS_RETRY_SECONDS = _int("JOBS_RETRY_SECONDS", 10)  # first backoff, doubled per attempt
    JOBS_RETRY_MAX = _int("JOBS_RETRY_MAX", 3600)
    JOBS_LEASE_SECONDS = _int("JOBS_LEASE_SECONDS", 900)  # a running job's process is lost after
    JOBS_KEEP_DONE_DAYS = _int("JOBS_KEEP_DONE_DAYS", 7)
    # How often each process's search index reads the catalogue changes other machines made.
    CATALOGUE_FOLLOW_SECONDS = _int("CATALOGUE_FOLLOW_SECONDS", 2)
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR") or None  # default: instance folder

    # Guarded learning (`flask matching train`): the labelled check set a trained ranker must
    # not fall on (a folder with catalog.jsonl and cases.jsonl), how far it may fall, and
    # how much better than the live model on held-out outcomes it must be, on how many needs.
    MATCHING_CHECK_SET = os.environ.get("MATCHING_CHECK_SET") or (
        str(_MARKET_DEV) if _MARKET_DEV.is_dir() else None
    )
    MATCHING_CHECK_TOLERANCE = float(os.environ.get("MATCHING_CHECK_TOLERANCE", "0.0"))
    MATCHING_MIN_HELDOUT = _int("MATCHING_MIN_HELDOUT", 3)
    MATCHING_MIN_GAIN = float(os.environ.get("MATCHING_MIN_GAIN", "0.0"))

    # Where links in e-mails point (mails are rendered outside any request).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    # E-mail through Flask-Mailman. Without MAIL_SERVER mail goes to files in
    # instance/mail (read them at /dev/mail in development); with it, to that SMTP server.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Shuzhuan 数转 <noreply@shuzhuan.example>"
    )
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND") or (
        "smtp" if os.environ.get("MAIL_SERVER") else "file"
    )
    MAIL_FILE_PATH = os.environ.get("MAIL_FILE_PATH") or None  # default: instance/mail
    DEV_MAIL_PAGE = False  # /dev/mail lists the file outbox; development only
    # Channels that carry notifications outside the portal (app.services.notify.Notifier).
    NOTIFIERS = [
        p
        for p in os.environ.get("NOTIFIERS", "app.services.email_channel:EmailNotifier").split(",")
        if p
    ]

    # Attachments (PDF, images, office documents), checked by content.
    ATTACHMENTS_DIR = os.environ.get("ATTACHMENTS_DIR") or None  # default: instance/attachments
    ATTACHMENT_MAX_BYTES = _int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    ATTACHMENT_REQUEST_BYTES = _int("ATTACHMENT_REQUEST_BYTES", 25 * 1024 * 1024)

    # Time passing (app.services.expiry): how often the tick runs, and when things are due.
    TICK_SECONDS = _int("TICK_SECONDS", 300)
    RFQ_EXPIRY_DAYS = _int("RFQ_EXPIRY_DAYS", 14)
    RFQ_REMINDER_DAYS = _int("RFQ_REMINDER_DAYS", 3)
    QUOTE_REMINDER_DAYS = _int("QUOTE_REMINDER_DAYS", 2)
    REVIEW_INVITATION_DAYS = _int("REVIEW_INVITATION_DAYS", 1)
    OUTCOME_REMINDER_DAYS = _int("OUTCOME_REMINDER_DAYS", 30)

    # Account recovery: how long e-mailed links work, and how often they may be asked for.
    VERIFY_EMAIL_HOURS = _int("VERIFY_EMAIL_HOURS", 72)
    RESET_PASSWORD_MINUTES = _int("RESET_PASSWORD_MINUTES", 60)
    CHANGE_EMAIL_HOURS = _int("CHANGE_EMAIL_HOURS", 24)
    RECOVERY_RATE_LIMIT = os.environ.get("RECOVERY_RATE_LIMIT", "5 per minute;20 per hour")

    # Rendered cards kept per worker (app.web.fragments): a match card with its key takes up
    # to about 8 kB (its HTML in Chinese, 2 bytes a character), a catalogue card about 3 kB,
    # so the default holds at most about 16 MB.
    FRAGMENT_CACHE_SIZE = _int("FRAGMENT_CACHE_SIZE", 2048)


class DevelopmentConfig(BaseConfig):
    DEBUG = False  # `flask run --debug` turns the debugger on explicitly, never by default
    DEV_MAIL_PAGE = _bool("DEV_MAIL_PAGE", True)


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    VIEW_COUNT_FLUSH_SECONDS = 0  # tests write the views with view_counts.flush()
    WTF_CSRF_ENABLED = True  # tests post real tokens; CSRF refusal is part of the spec
    RATELIMIT_ENABLED = False
    PLUGINS_AUTO_PUBLISH_BUNDLED = True
    LOG_LEVEL = "WARNING"
    JOBS = "sync"
    MAIL_BACKEND = "locmem"  # tests read mail.outbox, or start a real SMTP server
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast in tests only
    MATCHING_CHECK_SET = None  # tests make their own labelled cases


class ProductionConfig(BaseConfig):
    SECURITY_HSTS = _bool("SECURITY_HSTS", True)  # served over HTTPS only
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LOG_JSON = _bool("LOG_JSON", True)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}

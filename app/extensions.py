"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

from __future__ import annotations

import sqlite3

from flask import current_app, has_request_context, request, session
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints make migrations reproducible on every database (and let SQLite's
# batch mode find them again).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


SQLITE_BUSY_TIMEOUT_MS = 10_000


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # SQLite ignores foreign keys unless asked on every connection; PostgreSQL always enforces.
    dbapi_connection.execute("PRAGMA foreign_keys=ON")
    # Write-ahead logging lets pages read while a background job writes (with the default
    # rollback journal a re-match held readers off for seconds); writers queue for the lock.
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str:
    """The user's saved language, else the session's choice, else the browser's."""
    if not has_request_context():
        return "en"  # command-line output and background jobs
    languages = list(current_app.config["LANGUAGES"])
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-TW", "en"])
    if best and best.startswith("zh"):
        return "zh"
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


babel = Babel()

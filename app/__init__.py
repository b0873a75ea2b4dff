"""The Shuzhuan portal: an application factory in the microblog/Flask-tutorial style."""

from __future__ import annotations

import importlib
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, g
from flask_babel import lazy_gettext as _l

from app.cli import register_cli
from app.config import CONFIGS, DEFAULT_SECRET_KEY
from app.errors import register_error_handlers
from app.extensions import (
    babel,
    bootstrap,
    csrf,
    db,
    limiter,
    login_manager,
    mail,
    migrate,
    select_locale,
)
from app.forms.base import refused_forms_are_422
from app.jobs import dispatch as job_dispatch
from app.models import User
from app.services import sessions
from app.web import security_headers, uploads
from app.web.boundary import Portal
from app.web.converters import CONVERTERS
from app.web.json_limits import LimitedJSONProvider
from app.web.logs import configure_logging
from app.web.templating import register_template_helpers

ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The app refuses to start with an unsafe or broken configuration."""


def create_app(
    config: str | dict[str, Any] | None = None, overrides: dict[str, Any] | None = None
) -> Flask:
    """Build the portal.

    ``config`` names a configuration (default: $SHUZHUAN_CONFIG or "development") or, as a
    dict, overrides settings of the default one; ``overrides`` applies on top of a named one.
    """
    app = Portal(
        __name__,
        instance_path=os.environ.get("SHUZHUAN_INSTANCE", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
    )
    name = config if isinstance(config, str) else os.environ.get("SHUZHUAN_CONFIG", "development")
    if name not in CONFIGS:
        raise ConfigurationError(f"SHUZHUAN_CONFIG must be one of {sorted(CONFIGS)}, not {name!r}")
    app.config.from_object(CONFIGS[name])
    if isinstance(config, dict):
        app.config.update(config)
    app.config.update(overrides or {})
    app.json = LimitedJSONProvider(app)
    app.config["CONFIG_NAME"] = name
    _check_config(app)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(app.instance_path) / "shuzhuan.sqlite"
        )
    if not app.config.get("MAIL_FILE_PATH"):
        app.config["MAIL_FILE_PATH"] = str(Path(app.instance_path) / "mail")
    _engine_options(app)
    configure_logging(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    uploads.init_app(app)  # before CSRF: the upload size limit applies before forms are read
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    job_dispatch.init_app(app)

    _configure_login()
    app.url_map.converters.update(CONVERTERS)  # before any route is added
    _register_blueprints(app)
    _register_template_helpers(app)

    register_error_handlers(app)

    register_cli(app)

    app.after_request(refused_forms_are_422)
    security_headers.init_app(app)

    @app.before_request
    def _request_id() -> None:
        g.request_id = secrets.token_hex(6)

    return app


def _check_config(app: Flask) -> None:
    if app.config["CONFIG_NAME"] == "production":
        key = app.config.get("SECRET_KEY")
        if not key or key == DEFAULT_SECRET_KEY or len(key) < 32:
            raise ConfigurationError(
                "Production needs SECRET_KEY set to a random value of at least 32 characters, "
                'e.g. python -c "import secrets; print(secrets.token_hex(32))"'
            )


def _engine_options(app: Flask) -> None:
    """Connections that heal: each checkout is pinged (a connection broken by a database
    restart is replaced), and a PostgreSQL connect gives up after a few seconds so an
    unreachable database answers 503 quickly instead of hanging the worker."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_pre_ping", True)
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.startswith("postgresql"):
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", app.config.get("DATABASE_CONNECT_TIMEOUT", 5))
        options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _configure_login() -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # Signed in only while the cookie's session row lives (see app.services.sessions).
        if not (user_id.isdigit() and len(user_id) < 10):
            return None
        return sessions.user_for(int(user_id))


BLUEPRINTS = (
    ("app.main", ""),
    ("app.auth", "/auth"),
    ("app.catalogue", "/solutions"),
    ("app.listings", "/vendor/listings"),
    ("app.needs", "/needs"),
    ("app.vendor", "/vendor"),
    ("app.profiles", "/vendors"),
    ("app.milestones", ""),
    ("app.admin", "/admin"),
    ("app.notifications", "/notifications"),
    ("app.programmes", "/programmes"),
    ("app.conversations", "/conversations"),
    ("app.attachments", "/attachments"),
    ("app.api", "/api/v1"),
)


def _register_blueprints(app: Flask) -> None:
    for module, prefix in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module).bp, url_prefix=prefix or None)
    if app.config.get("DEV_MAIL_PAGE") and app.config["CONFIG_NAME"] == "development":
        app.register_blueprint(importlib.import_module("app.dev").bp, url_prefix="/dev")


def _register_template_helpers(app: Flask) -> None:
    register_template_helpers(app)

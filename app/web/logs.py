"""Structured logging: JSON lines in production, readable lines in development."""

from __future__ import annotations

import logging
import sys

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter


class RequestContextFilter(logging.Filter):
    """Adds the request's method, path and id to every record logged during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.method = request.method
            record.path = request.path
            record.request_id = g.get("request_id", "-")
        else:
            record.method = record.path = record.request_id = "-"
        return True


def configure_logging(app: Flask) -> None:
    """Send the app's and the libraries' logs to stderr in the configured format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestContextFilter())
    if app.config["LOG_JSON"]:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(method)s %(path)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s "
                "[%(request_id)s %(method)s %(path)s] %(message)s"
            )
        )
    level = app.config["LOG_LEVEL"]
    for name in ("app", "plugins", "matching", "shuzhuan"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(level)

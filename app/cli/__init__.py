"""The `flask …` commands, one module per group: users and demo, plugins, search, matching,
jobs. Each command is one transaction."""

from __future__ import annotations

from flask import Flask

from app.cli.accounts import demo_cli, users_cli
from app.cli.jobs import jobs_cli
from app.cli.matching import matching_cli
from app.cli.plugins import plugins_cli
from app.cli.search import search_cli


def register_cli(app: Flask) -> None:
    for group in (users_cli, demo_cli, plugins_cli, search_cli, matching_cli, jobs_cli):
        app.cli.add_command(group)

"""Development helpers: /dev/mail shows the mail the portal wrote to its file outbox.

Registered only when ``DEV_MAIL_PAGE`` is on (the development configuration), so that
`make run` needs no mail server and a developer can still follow every e-mailed link.
"""

from flask import Blueprint

bp = Blueprint("dev", __name__)

from app.dev import routes  # noqa: E402,F401

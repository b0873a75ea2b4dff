"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py 'app:create_app()'`.

The request limits are part of the API's contract (the OpenAPI document lists the 414 and
431 answers they cause): a request line longer than ``limit_request_line`` bytes is refused
with 414, more than ``limit_request_fields`` headers or one longer than
``limit_request_field_size`` bytes with 431, before the app sees the request.
"""

import os

bind = os.environ.get(
    "GUNICORN_BIND", f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
)
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # a stuck request frees its worker
graceful_timeout = 20
keepalive = 5

# Load the app once in the master and fit its matcher there: the workers fork with the fitted
# catalogue (shared copy-on-write) instead of each fitting its own on its first ranking.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"


def when_ready(server) -> None:
    if preload_app:
        # here, not at the top: gunicorn reads this file before it loads the app, and with
        # GUNICORN_PRELOAD=0 each worker imports the app itself
        from app.services.warm_up import before_fork

        before_fork(server.app.wsgi())


def post_worker_init(worker) -> None:
    # Each worker rehearses a need (rolled back) before it takes requests (imported here for
    # the reason above).
    from app.services.warm_up import before_serving

    before_serving(worker.wsgi)


limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Logs on stderr beside the app's JSON lines.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"

"""Gunicorn's error and access logs through the same filter as Django's (backend/logging.py).

gunicorn.conf.py names `GunicornLogger` as gunicorn's logger class. It lives apart from
backend/logging.py so Django's start-up does not import gunicorn.
"""

from __future__ import annotations

import logging

from gunicorn.glogging import Logger

from .logging import PLAIN_FORMAT, JsonFormatter, RedactingFilter, log_format, scrub


class GunicornLogger(Logger):
    """Redacted error lines, and a fixed access line (JSON in production).

    The access line says what `access_log_format` cannot be trusted to leave out: method,
    path (tokens masked), status, response bytes and duration. No query string (admin
    searches carry e-mail addresses), no referrer, user agent or client address.
    """

    def setup(self, cfg) -> None:
        super().setup(cfg)
        json_lines = log_format() == "json"
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                    handler.addFilter(RedactingFilter())
                if json_lines:
                    handler.setFormatter(JsonFormatter())
                elif log is self.access_log:  # the same plain lines as Django's
                    handler.setFormatter(logging.Formatter(PLAIN_FORMAT))

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        method = environ.get("REQUEST_METHOD", "-")
        path = scrub(environ.get("PATH_INFO", ""))
        sent = getattr(resp, "sent", None)
        duration_ms = round(request_time.total_seconds() * 1000, 1)
        self.access_log.info(
            "%s %s %s %sB %sms",
            method,
            path,
            status,
            sent,
            duration_ms,
            extra={
                "method": method,
                "path": path,
                "status_code": int(status),
                "bytes": sent,
                "duration_ms": duration_ms,
            },
        )

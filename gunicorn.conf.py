"""Gunicorn reads this file from the working directory (`gunicorn backend.wsgi`, make run).

Logs: redacted error lines and a fixed access line on stdout, JSON in production
(backend/gunicorn_logging.py, backend/logging.py).
"""

logger_class = "backend.gunicorn_logging.GunicornLogger"
accesslog = "-"

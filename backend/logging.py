"""Log lines say what happened to which id, never whose secrets or health they concern.

A log line may carry: its time, level and logger; ids (UUIDs, integer keys, task ids);
counts; HTTP methods, paths (capability tokens in them masked) and status codes; timings;
exception types and their scrubbed messages and tracebacks.

It never carries: Authorization headers, JWTs (access and refresh tokens), passwords,
share codes, invite and unsubscribe tokens, push endpoints and keys, secrets in URLs,
e-mail addresses, query strings, request bodies, and health data (product names, doses and
amounts, notes, titles and bodies of messages, dates of birth, weight, sex, menopause,
pregnancy).

`RedactingFilter` enforces this on the root handler (settings.LOGGING), through which web,
Celery (backend/celery.py hands its logging to settings.LOGGING) and gunicorn
(backend/gunicorn_logging.py, named in gunicorn.conf.py) lines all pass:
- message arguments are reduced to safe forms: numbers, ids and datetimes stay; Decimals
  (amounts and doses here) and model instances (whose str() may be a name or an e-mail)
  become placeholders; mappings lose the values of sensitive keys; everything else is
  turned into text and scrubbed by pattern (`scrub`);
- exception text and stack traces are scrubbed the same way;
- extra fields other than `ALLOWED_EXTRAS` are dropped (Django's `request` becomes
  `method` and a masked `path`; Celery's `data` with task arguments goes).
Patterns cannot recognise a product name or a dose written into free text, so code never
puts health values in log messages or exception texts; the placeholders above and the
key-based redaction catch the structured ways they could slip in.

`JsonFormatter` writes one JSON object per line (production); `log_format()` says which
format the environment asks for.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

REDACTED = "[redacted]"
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

# Extra fields a log line may carry; all other `extra=` keys are dropped.
ALLOWED_EXTRAS = frozenset(
    {
        "status_code",
        "method",
        "path",
        "duration_ms",
        "bytes",
        "member_id",
        "user_id",
        "task_id",
        "task_name",
        "count",
    }
)

# Keys whose values are secrets or health data, in mappings and in `key=value` /
# `"key": "value"` text. Not `name`, `id` or `code` alone: Celery's and Django's own
# messages use them for task names, ids and status codes.
SENSITIVE_KEYS = (
    r"password\d?|passwd|new_password|old_password|secret|secret_key|private_key|api_key"
    r"|token|access|refresh|access_token|refresh_token|authorization|auth|cookie|set-cookie"
    r"|sessionid|session_key|csrftoken|csrfmiddlewaretoken|x-csrftoken|p256dh|endpoint|keys"
    r"|share_code|invite_code|email|e-mail|username"
    r"|note|notes|body|title|explanation|evidence|display_name|product|product_name"
    r"|dose|doses|servings|amount|ingredients|date_of_birth|birth_date|dob|weight|weight_kg"
    r"|sex|menopause_status|final_period_date|pregnant|lactating"
)
_SENSITIVE_KEY = re.compile(rf"^(?:{SENSITIVE_KEYS})$", re.IGNORECASE)

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # JSON Web Tokens: access and refresh tokens, wherever they appear.
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[jwt]"),
    # Authorization header values.
    (
        re.compile(r"\b(Bearer|Basic|Token|JWT)\s+[A-Za-z0-9._~+/=:-]+", re.IGNORECASE),
        r"\1 " + REDACTED,
    ),
    # key=value, key: value, "key": "value", 'key': 'value' for the sensitive keys.
    (
        re.compile(
            rf"""(?P<key>["']?\b(?:{SENSITIVE_KEYS})\b["']?\s*(?:=|:)\s*)"""
            r"""(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[[^\]]*\]|\{[^}]*\}|[^\s,;&)}\]]+)""",
            re.IGNORECASE,
        ),
        r"\g<key>" + REDACTED,
    ),
    # Credentials in URLs (redis://:password@host, https://user:pass@host).
    (re.compile(r"\b([a-z][a-z0-9+.-]*://)[^/\s:@]*:[^/\s@]+@", re.IGNORECASE), r"\1[redacted]@"),
    # Push endpoints and other capability URLs: keep the host, drop path and query.
    (re.compile(r"\b(https?://[^/\s\"'<>]+)/[^\s\"'<>]*", re.IGNORECASE), r"\1/" + REDACTED),
    # Query strings of paths (runserver's and gunicorn's request lines, admin searches).
    (re.compile(r"(?<![\w:/])(/[^\s?#\"'<>]*)\?[^\s\"'<>]*"), r"\1"),
    # Signed tokens in our own paths: one-click unsubscribe, e-mail invites.
    (re.compile(r"(/unsubscribe/|/invite/)[^/\s?#\"']+"), r"\1" + REDACTED),
    # E-mail addresses.
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), "[email]"),
    # PostgreSQL error details quote the values of the row or key.
    (
        re.compile(r"(Failing row contains )\(.*?\)(?=\.?\s*$|\.?\n)", re.MULTILINE),
        r"\1(" + REDACTED + ")",
    ),
    (
        re.compile(r"(Key \([^)]*\)=)\(.*?\)(?= already exists| is not present| conflicts)"),
        r"\1(" + REDACTED + ")",
    ),
]
# Opaque tokens: VAPID and push keys, signatures, API keys (UUIDs and words are left alone).
_LONG_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{24,}={0,2}(?![A-Za-z0-9_-])")
# Share codes: eight characters of accounts.care.CODE_ALPHABET with a digit and a letter.
_SHARE_CODE = re.compile(r"\b(?=[A-Z2-9]*[2-9])(?=[A-Z2-9]*[A-Z])[A-HJ-NP-Z2-9]{8}\b")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _opaque(match: re.Match[str]) -> str:
    token = match.group(0)
    has_digit = any(c.isdigit() for c in token)
    has_letter = any(c.isalpha() for c in token)
    if _UUID.match(token) or not (has_digit and has_letter):
        return token
    return REDACTED


def scrub(text: str) -> str:
    """The text with secrets, tokens, e-mail addresses and sensitive key values masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    text = _LONG_TOKEN.sub(_opaque, text)
    return _SHARE_CODE.sub(REDACTED, text)


def safe_value(value: Any, depth: int = 0) -> Any:
    """A form of `value` fit for a log line (see the module docstring)."""
    if value is None or isinstance(value, bool | int | float | uuid.UUID | dt.date | dt.timedelta):
        return value
    if isinstance(value, Decimal):
        return REDACTED
    if depth > 4:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if isinstance(key, str) and _SENSITIVE_KEY.match(key)
            else safe_value(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, tuple):
        return tuple(safe_value(item, depth + 1) for item in value)
    if isinstance(value, list | set | frozenset):
        return [safe_value(item, depth + 1) for item in value]
    model = _model_placeholder(value)
    if model is not None:
        return model
    request = _request_summary(value)
    if request is not None:
        return request
    return scrub(str(value))


def _model_placeholder(value: Any) -> str | None:
    meta = getattr(type(value), "_meta", None)
    if meta is None or not hasattr(value, "pk"):
        return None
    return f"<{type(value).__name__} {value.pk}>"


def _request_summary(value: Any) -> str | None:
    method, path = getattr(value, "method", None), getattr(value, "path", None)
    if not (isinstance(method, str) and isinstance(path, str) and hasattr(value, "META")):
        return None
    return f"{method} {scrub(path)}"


# Attributes every LogRecord has; anything else came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


class RedactingFilter(logging.Filter):
    """Scrubs a record's message, arguments, exception text and extra fields in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_ossa_scrubbed", False):
            return True
        record.msg = scrub(self._message(record))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        self._extras(record)
        record._ossa_scrubbed = True
        return True

    @staticmethod
    def _message(record: logging.LogRecord) -> str:
        message = str(record.msg)
        if not record.args:
            return message
        args = record.args
        if isinstance(args, Mapping):
            safe: Any = safe_value(args)
        else:
            safe = tuple(safe_value(arg) for arg in args)
        try:
            return message % safe
        except (TypeError, ValueError, KeyError):
            return f"{message} {safe!r}"

    @staticmethod
    def _extras(record: logging.LogRecord) -> None:
        request = record.__dict__.get("request")
        for key in set(record.__dict__) - _RECORD_ATTRIBUTES:
            if key not in ALLOWED_EXTRAS:
                del record.__dict__[key]
            else:
                value = safe_value(record.__dict__[key])
                record.__dict__[key] = value
        summary = _request_summary(request) if request is not None else None
        if summary is not None:
            record.method, _, path = summary.partition(" ")
            record.path = path


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, allowed extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in sorted(ALLOWED_EXTRAS):
            if key in record.__dict__:
                line[key] = record.__dict__[key]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, default=str)


def log_format(environ: Mapping[str, str] | None = None) -> str:
    """`json` or `plain`: LOG_FORMAT, by default json in production and plain elsewhere."""
    environ = os.environ if environ is None else environ
    default = "json" if environ.get("DJANGO_ENV") == "production" else "plain"
    value = environ.get("LOG_FORMAT", default).strip().lower()
    if value not in {"json", "plain"}:
        raise ValueError(f"LOG_FORMAT must be json or plain, not {value!r}")
    return value


def logging_config(fmt: str, level: str) -> dict[str, Any]:
    """settings.LOGGING: one stdout handler with the redacting filter, for every logger."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "backend.logging.RedactingFilter"}},
        "formatters": {
            "plain": {"format": PLAIN_FORMAT},
            "json": {"()": "backend.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": fmt,
                "filters": ["redact"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's defaults give these their own handlers (the console when DEBUG, mail
            # to ADMINS, runserver's request lines with query strings); here they go through
            # the root handler and its filter like everything else.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
        },
    }

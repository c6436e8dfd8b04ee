"""The schema under test, loaded from the app itself, and the one way tests here call it."""

from __future__ import annotations

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Examples per operation in test_api_schema. With the coverage phase's boundary cases
# (missing fields, wrong types, limits) about 1,500 requests in all, a minute or two.
MAX_EXAMPLES = 30
SEED = 20261126


class InProcessApp:
    """Django's WSGI application as the test client runs it: the request shares the test's
    database connection (and its transaction) instead of closing it when it ends."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()  # sends request_finished
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {
            # Sequences of calls (links between operations) would cost minutes; ids of real
            # rows come from the fixture instead (test_api_schema's `pick`).
            "stateful": {"enabled": False},
            # The schema's few examples ("18:00") cannot be combined with `pick`; the
            # coverage and fuzzing phases send such values anyway.
            "examples": {"enabled": False},
        },
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", InProcessApp(), config=CONFIG)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def call_and_check(case, token: str | None = None):
    """Send the case (as the member holding `token`, if given) in a savepoint rolled back
    afterwards, and check the response against the schema. Every call starts from the
    fixture's data, and a database error on PostgreSQL cannot poison the next one."""
    headers = {"Accept-Encoding": "identity"}  # the in-process client does not gunzip
    if token:
        headers["Authorization"] = f"Bearer {token}"
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS)
    return response

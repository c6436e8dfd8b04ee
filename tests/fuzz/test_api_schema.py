"""Schemathesis over /api/schema/, signed in as a member with data (issue 8, "Fuzzing").

Every operation in the schema is a test of its own: schema-valid and schema-violating
requests (path, query, body), at most loader.MAX_EXAMPLES per operation plus the coverage
phase's boundary cases, from a fixed seed, so CI sends the same requests every time. Each
response must:

- never be a 5xx (not_a_server_error);
- have a status code the schema documents for the operation (status_code_conformance);
- have a documented content type, body and headers (content_type_conformance,
  response_schema_conformance, response_headers_conformance);
- when the `{id}` in the path is another member's row, be no 2xx (their rows are 404s).

No operation is left out. Where fuzzing alone cannot reach far, test_targeted.py adds
checks: sync push (a hostile value only reaches the database inside an otherwise valid
record), the 429 of rate-limited operations (turned off here), and what is inside the
binary answers (PDF report, CSV and FHIR exports), whose status, content type and headers
are checked here like any other.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from .conftest import FuzzMember
from .loader import call_and_check, schema


def collection(case) -> str:
    """ "products" for /api/v1/products/{id}; "auth" for /api/v1/auth/sessions/{id}."""
    return case.operation.path.split("/")[3]


@schema.parametrize()
@schema.given(pick=st.sampled_from(["generated", "mine", "other"]))
# The fixture is built once per operation; each example runs in a savepoint rolled back
# after it (loader.call_and_check), so every example sees the fixture's rows.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api(case, pick: str, fuzz_member: FuzzMember) -> None:
    swapped = False
    if pick != "generated" and "id" in (case.path_parameters or {}):
        pool = (fuzz_member.ids if pick == "mine" else fuzz_member.others).get(collection(case))
        if pool:
            case.path_parameters["id"] = pool[0]
            swapped = True
    response = call_and_check(case, fuzz_member.token)
    if swapped and pick == "other":
        assert response.status_code >= 400, (
            f"{case.operation.label} with another member's id answered {response.status_code}"
        )

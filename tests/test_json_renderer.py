"""API responses are written by orjson (backend/renderers.py) and must read exactly as
DRF's own renderer would write them."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.exceptions import ErrorDetail

from backend.renderers import JSONRenderer

WHEN = dt.datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=dt.UTC)


def payload() -> dict:
    return {
        "id": uuid.UUID("6f1c2b7e-8a1d-4c1e-9d2a-5b3c4d5e6f70"),
        "utc": WHEN,
        "utc_whole_second": WHEN.replace(microsecond=0),
        "amsterdam": WHEN.astimezone(ZoneInfo("Europe/Amsterdam")),
        "london_winter": dt.datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Europe/London")),
        "date": WHEN.date(),
        "time": dt.time(7, 30),
        "servings": Decimal("1.50"),
        "lazy": gettext_lazy("Taken"),
        "error": ErrorDetail("This field is required.", code="required"),
        "generator": (n * n for n in range(3)),
        "nested": [{"none": None, "yes": True, "float": 0.1, "big": 2**53}],
        "text": "K2 µg — ≤ 200",
        "int_keys": {1: "a"},
    }


def test_it_writes_the_same_document_as_drf():
    ours = JSONRenderer().render(payload())
    drfs = renderers.JSONRenderer().render(payload())

    assert json.loads(ours) == json.loads(drfs)


def test_utc_times_end_in_z_as_drf_writes_them():
    body = json.loads(JSONRenderer().render({"at": WHEN}))

    assert body["at"] == "2026-03-29T00:30:15.123456Z"


def test_an_indent_asked_for_is_honoured():
    body = JSONRenderer().render({"a": [1]}, "application/json; indent=2")

    assert body == b'{\n  "a": [\n    1\n  ]\n}'


def test_no_data_is_an_empty_body():
    assert JSONRenderer().render(None) == b""

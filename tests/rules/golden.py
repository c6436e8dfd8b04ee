"""The golden files the app's TypeScript ports are proved against: written from the
server's own rules, committed, and compared on every run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "app" / "src" / "domain"
WRITE = "OSSA_WRITE_VECTORS"


def check(golden: Path, expected: str, *, what: str, test_file: str, app_test: str) -> None:
    """Fail, naming the first cases that changed, unless `golden` holds `expected`; with
    OSSA_WRITE_VECTORS=1, write it first."""
    if os.environ.get(WRITE) == "1":
        golden.write_text(expected, encoding="utf-8")
    committed = golden.read_text(encoding="utf-8") if golden.exists() else ""
    if committed == expected:
        return
    root = golden.parents[3]
    pytest.fail(
        f"{golden.relative_to(root)} differs from what {what} answer now "
        f"({first_changes(committed, expected)}). Write it again with "
        f"{WRITE}=1 .venv/bin/python -m pytest {Path(test_file).relative_to(root)}, check "
        f"that the app's port still agrees (cd app && npx vitest run {app_test}) "
        "and commit both.",
        pytrace=False,
    )


def first_changes(committed: str, expected: str) -> str:
    """The names of the first cases that differ, for the message."""
    old, new = committed.splitlines(), expected.splitlines()
    names = [
        json.loads(line.rstrip(","))["name"] if line.startswith('{"expected"') else f"line {i + 1}"
        for i, line in enumerate(new)
        if i >= len(old) or old[i] != line
    ]
    if not names and len(old) != len(new):
        names = ["cases removed"]
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")

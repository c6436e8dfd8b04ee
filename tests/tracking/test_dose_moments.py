"""A plan's next dose and the span of a reminded dose come out the same whether the next few
days are looked at first (what the reminder planner does for every dose) or the whole 40-day
horizon: every schedule kind, in zones with and without DST, across both transitions."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts import services as account_services
from tracking import dose_moments, services
from tracking.models import Product

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db

SCHEDULES = [
    {"schedule_kind": "daily", "times": ["08:00", "20:00"]},
    {"schedule_kind": "daily", "times": ["02:30"]},  # inside the spring-forward gap
    {"schedule_kind": "weekdays", "times": ["07:00"], "weekdays": [1, 4]},
    {"schedule_kind": "monthly", "times": ["07:00"], "day_of_month": 31},
    {"schedule_kind": "interval", "times": ["09:30"], "interval_days": 3},
]
# Around both DST changes of Europe, the United States and New Zealand in 2026.
SPANS = [
    (dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 12, tzinfo=dt.UTC)),
    (dt.datetime(2026, 9, 20, tzinfo=dt.UTC), dt.datetime(2026, 11, 8, tzinfo=dt.UTC)),
]
STEP = dt.timedelta(hours=11, minutes=13)


def moments():
    for first, last in SPANS:
        moment = first
        while moment < last:
            yield moment
            moment += STEP


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "America/New_York", "Pacific/Auckland"])
def test_looking_at_the_next_days_first_finds_what_the_whole_horizon_finds(zone, monkeypatch):
    member = MemberFactory()
    with time_machine.travel(dt.datetime(2026, 2, 1, tzinfo=dt.UTC), tick=False):
        account_services.update_profile(member.profile, {"timezone": zone})
        product = Product.objects.get(name="Levothyroxine 50 mcg", owner=None)
        plans = [
            services.create_regimen(
                member, {"product": product, "start_date": dt.date(2026, 2, 1), **schedule}
            )
            for schedule in SCHEDULES
        ]

    def answers() -> list:
        found = []
        for plan in plans:
            for moment in moments():
                due = dose_moments.next_reminder_due(plan, moment)
                found.append((due, dose_moments.dose_moment(plan, due) if due else None))
        return found

    near_first = answers()
    monkeypatch.setattr(dose_moments, "NEAR", dose_moments.HORIZON)  # the whole horizon
    assert near_first == answers()
    assert sum(1 for due, _ in near_first if due is not None) == len(near_first)

"""What a dietitian sees of a consenting client, and the reports: every read starts from
`clients_for_viewer`, so an unlinked dietitian finds nothing, whatever the URL."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from django.db.models import Avg, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import care
from accounts.selectors import clients_for

from .. import facts, nutrients, planning, stock_levels
from ..models import AdherenceSnapshot, Client, Flag, IntakeLog, Regimen
from ..rules.reference import life_stage

PDC_WEEKS = 4
CHART_WEEKS = 12
HISTORY_ROWS = 100


def clients_for_viewer(user) -> QuerySet[Client]:
    """Operators see every member; dietitians their consenting clients; others nobody."""
    if user.is_superuser:
        members = Client.objects.filter(is_staff=False, is_active=True)
    elif care.is_dietitian(user):
        members = Client.objects.filter(pk__in=clients_for(user).values("pk"))
    else:
        members = Client.objects.none()
    return _annotated(members)


def _annotated(members: QuerySet[Client]) -> QuerySet[Client]:
    """The list's columns, in the same query: PDC over the last 4 weeks and active flags
    by severity, so 500 clients cost what 5 do."""
    since = timezone.localdate() - timedelta(weeks=PDC_WEEKS)
    pdc = (
        AdherenceSnapshot.objects.filter(
            member=OuterRef("pk"), regimen=None, deleted_at=None, week_start__gte=since
        )
        .values("member")
        .annotate(avg=Avg("pdc_pct"))
        .values("avg")
    )
    return members.select_related("profile").annotate(
        pdc_4w=Subquery(pdc[:1]),
        **{f"{level}_flags": _flag_count(level) for level in ("critical", "warning", "info")},
    )


def _flag_count(severity: str):
    active = Flag.objects.filter(
        member=OuterRef("pk"), severity=severity, resolved_at=None, deleted_at=None
    )
    count = active.values("member").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(count[:1], output_field=IntegerField()), Value(0))


def with_flag(members: QuerySet[Client], code: str | None, severity: str | None):
    active = Q(flags__resolved_at=None, flags__deleted_at=None)
    if code:
        active &= Q(flags__code=code)
    if severity:
        active &= Q(flags__severity=severity)
    return members.filter(active).distinct()


def stage_of(client: Client) -> str:
    return life_stage(facts.member_of(client.profile))


def summary(client: Client) -> dict:
    """Profile context, plans, the 12-week chart and flags: the PDF report's content."""
    regimens = list(
        Regimen.objects.filter(member=client).select_related("product").order_by("start_date")
    )
    today = client.profile.today()
    levels = stock_levels.levels(stock_levels.stocked_plans([client.pk]), timezone.now())
    for regimen in regimens:
        regimen.stock_level = levels.get(str(regimen.pk))
    return {
        "client": client,
        "profile": client.profile,
        "life_stage": stage_of(client),
        "regimens": regimens,
        "chart": chart_data(client, regimens),
        "nutrient_chart": nutrients.weekly_chart(client.pk, today, CHART_WEEKS),
        "nutrient_products": [
            {**entry, "cells": [entry["amounts"][name] for name in nutrients.GROUP_LABELS]}
            for entry in nutrients.by_product(client, today - timedelta(days=27), today)
        ],
        "flags": list(
            Flag.objects.filter(member=client, deleted_at=None)
            .order_by("resolved_at", "-first_seen_at")
            .select_related("acknowledged_by")[:50]
        ),
    }


def page(client: Client, viewer) -> dict:
    """Everything on the client page, read in a fixed number of queries: the summary plus
    the intake history and the viewer's own notes."""
    today = client.profile.today()
    return {
        **summary(client),
        "day_plan": planning.day_plan(client.pk, today),
        "plan_findings": planning.findings(client.pk, today),
        "intakes": list(
            IntakeLog.objects.filter(member=client, deleted_at=None)
            .select_related("product")
            .order_by("-taken_at")[:HISTORY_ROWS]
        ),
        "notes": list(client.client_notes.filter(author=viewer)),
    }


def chart_data(client: Client, regimens: list[Regimen]) -> dict:
    """Weekly PDC per regimen for the last 12 ISO weeks, for the page's chart."""
    today = client.profile.today()
    first = today - timedelta(days=today.weekday(), weeks=CHART_WEEKS - 1)
    weeks = [first + timedelta(weeks=n) for n in range(CHART_WEEKS)]
    rows = AdherenceSnapshot.objects.filter(
        member=client, deleted_at=None, week_start__gte=first, regimen__isnull=False
    ).values_list("regimen_id", "week_start", "pdc_pct")
    values: dict = {}
    for regimen_id, week_start, pdc in rows:
        values[(regimen_id, week_start)] = pdc
    names = {r.id: r.product.name for r in regimens}
    series = [
        {"label": names.get(r.id, "plan"), "values": [values.get((r.id, w)) for w in weeks]}
        for r in regimens
        if any((r.id, w) in values for w in weeks)
    ]
    return {"weeks": [f"W{w.isocalendar().week}" for w in weeks], "series": series}


def intake_csv(client: Client) -> str:
    """Intake history and weekly adherence, one file a spreadsheet opens."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["record", "when", "product", "status", "servings", "note"])
    logs = IntakeLog.objects.filter(member=client, deleted_at=None).select_related("product")
    for log in logs.order_by("taken_at"):
        when = log.taken_at.astimezone(client.profile.zone).isoformat()
        writer.writerow(["intake", when, log.product.name, log.status, log.servings, log.note])
    snapshots = AdherenceSnapshot.objects.filter(member=client, deleted_at=None).select_related(
        "regimen__product"
    )
    writer.writerow([])
    writer.writerow(
        [
            "record",
            "week_start",
            "plan",
            "scheduled",
            "taken",
            "dose_taking_pct",
            "timing_pct",
            "pdc_pct",
        ]
    )
    for s in snapshots.order_by("week_start", "regimen__start_date"):
        plan = s.regimen.product.name if s.regimen_id else "overall"
        writer.writerow(
            [
                "adherence",
                s.week_start.isoformat(),
                plan,
                s.scheduled,
                s.taken,
                s.dose_taking_pct,
                s.timing_pct,
                s.pdc_pct,
            ]
        )
    _nutrient_rows(writer, client)
    return out.getvalue()


def _nutrient_rows(writer, client: Client) -> None:
    """Weekly nutrient averages and what each product gave over the last 12 weeks."""
    today = client.profile.today()
    chart = nutrients.weekly_chart(client.pk, today, CHART_WEEKS)
    writer.writerow([])
    writer.writerow(["record", "week", "nutrient", "per_day", "unit", "reference", "upper_limit"])
    for row in chart["table"]:
        for week, amount in zip(chart["weeks"], row["per_day"], strict=True):
            writer.writerow(
                [
                    "nutrients",
                    week,
                    row["nutrient"],
                    round(amount, 3),
                    row["unit"],
                    row["intake"],
                    row["upper_limit"],
                ]
            )
    first = today - timedelta(days=today.weekday(), weeks=CHART_WEEKS - 1)
    writer.writerow([])
    writer.writerow(["record", "product", "from", "to", *nutrients.GROUP_LABELS])
    for entry in nutrients.by_product(client, first, today):
        amounts = [round(entry["amounts"][name], 3) for name in nutrients.GROUP_LABELS]
        writer.writerow(["nutrient_product", entry["product"], first, today, *amounts])


def report_date() -> date:
    return timezone.localdate()

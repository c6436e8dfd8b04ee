"""The weekly digest's words: last week's adherence per plan, active flags, and the next
bisphosphonate dose day with its instructions (docs/domain.md#bisphosphonates)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from accounts.models import Profile
from tracking import nutrients, stock_levels
from tracking.dose_moments import next_dose
from tracking.models import AdherenceSnapshot, DrugClass, Flag, Regimen

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def weekly(profile: Profile, now: datetime) -> dict:
    today = now.astimezone(profile.zone).date()
    monday = reported_week(today)
    paragraphs = [
        _adherence_paragraph(profile, monday),
        _totals_paragraph(profile, monday),
        _flags_paragraph(profile),
        _next_dose_paragraph(profile, now),
        _refill_paragraph(profile, now),
    ]
    paragraphs = [p for p in paragraphs if p]
    return {
        "title": f"Your Ossa week: {monday:%d %b} to {monday + timedelta(days=6):%d %b}",
        "body": "\n\n".join(paragraphs),
        "data": {"week_start": monday.isoformat(), "paragraphs": paragraphs},
    }


def reported_week(today: date) -> date:
    """The Monday of the week a digest reports: on Sunday the week that is ending, on any
    other day the full week before."""
    monday = today - timedelta(days=today.weekday())
    return monday if today.isoweekday() == 7 else monday - timedelta(weeks=1)


def _adherence_paragraph(profile: Profile, monday: date) -> str:
    rows = list(
        AdherenceSnapshot.objects.filter(
            member_id=profile.user_id, week_start=monday, deleted_at=None
        ).select_related("regimen__product")
    )
    overall = next((r for r in rows if r.regimen_id is None), None)
    plans = sorted((r for r in rows if r.regimen_id), key=lambda r: r.regimen.product.name)
    if overall is None or not overall.scheduled:
        return "No planned doses were due that week."
    lines = [
        f"Last week you took {overall.taken} of {overall.scheduled} planned doses "
        f"({pct(overall.dose_taking_pct)})."
    ]
    lines += [
        f"{r.regimen.product.name}: {r.taken} of {r.scheduled} ({pct(r.dose_taking_pct)})."
        for r in plans
        if r.scheduled
    ]
    return " ".join(lines)


def _totals_paragraph(profile: Profile, monday: date) -> str:
    """Last week's daily average of each nutrient from supplements, against the member's
    reference intake (the same totals as the app's Nutrients screen)."""
    rows = nutrients.stored_days(profile.user_id, monday, monday + timedelta(days=6))
    if not rows:
        return ""
    [week] = nutrients.periods(rows, monday, monday + timedelta(days=6), "week")
    averages = nutrients.grouped(week.taken, week.days)
    targets = {t.nutrient: t for t in nutrients.targets(profile.user_id)}
    parts = []
    for name, label in NUTRIENT_LABELS.items():
        per_day = averages[name]["per_day"]
        if per_day <= 0:
            continue
        unit = averages[name]["unit"]
        text = f"{label} {_amount(per_day)} {unit}"
        if name == "vitamin_d" and profile.units == "imperial":
            text = f"{label} {_amount(averages[name]['per_day_iu'])} IU"
        target = targets.get(name)
        if target is not None and target.intake:
            text += f" (reference {_amount(target.intake)} {target.unit})"
        parts.append(text)
    if not parts:
        return ""
    return (
        "From your supplements last week, a day on average: " + "; ".join(parts) + ". "
        "Food adds to these."
    )


NUTRIENT_LABELS = {
    "vitamin_d": "vitamin D",
    "vitamin_k": "vitamin K",
    "calcium": "calcium",
    "magnesium": "magnesium",
}


def _amount(value) -> str:
    rounded = round(float(value), 1)
    return f"{rounded:,.0f}" if rounded == int(rounded) else f"{rounded:,.1f}"


def _flags_paragraph(profile: Profile) -> str:
    flags = sorted(
        Flag.objects.filter(member_id=profile.user_id, resolved_at=None, deleted_at=None),
        key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.code),
    )
    if not flags:
        return ""
    titles = "; ".join(f.title for f in flags[:5])
    more = f" and {len(flags) - 5} more" if len(flags) > 5 else ""
    return f"To look at in the app: {titles}{more}."


def _next_dose_paragraph(profile: Profile, now: datetime) -> str:
    """The next bisphosphonate dose, from the same schedule rules as adherence."""
    plans = Regimen.objects.filter(
        member_id=profile.user_id,
        deleted_at=None,
        product__drug_class=DrugClass.BISPHOSPHONATE,
    ).select_related("product", "member__profile")
    upcoming = [(due, plan) for plan in plans if (due := next_dose(plan, now))]
    if not upcoming:
        return ""
    due, plan = min(upcoming, key=lambda pair: pair[0])
    when = weekday_date(due.astimezone(profile.zone))
    return f"Next {plan.product.name}: {when}. {plan.product.notes}".strip()


def _refill_paragraph(profile: Profile, now: datetime) -> str:
    """Plans that run out within their refill notice (from the stock the member counted)."""
    plans = stock_levels.stocked_plans([profile.user_id])
    levels = stock_levels.levels(plans, now)
    today = now.astimezone(profile.zone).date()
    soon = sorted(
        (level.runs_out_on, plan.product.name)
        for plan in plans
        if (level := levels.get(str(plan.pk)))
        and level.runs_out_on is not None
        and level.runs_out_on <= today + timedelta(days=plan.refill_days)
    )
    if not soon:
        return ""
    items = "; ".join(f"{name} on {day:%A %d %B}" for day, name in soon)
    return f"Running out soon at your plans' pace: {items}. Log a refill in Ossa when you have it."


def pct(value: float | None) -> str:
    return "no doses due" if value is None else f"{value:.0f}%"


def weekday_date(moment: datetime) -> str:
    return f"{moment:%A %d %B} at {moment:%H:%M}"

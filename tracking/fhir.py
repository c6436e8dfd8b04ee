"""The member's medication history as a FHIR R4 Bundle of type "collection".

A Patient, then MedicationStatements: one per plan (regimen), `active` until its end date
has passed (`completed` after, or once the plan was deleted), with one dosage per schedule
version; and one per logged dose, `completed` when taken and `not-taken` when skipped,
`partOf` its plan's statement (R4 allows MedicationStatement there). Doses the member
deleted are left out; deleted plans stay, as completed, because their doses remain.

Entries are plain dicts in FHIR R4 JSON form, referenced by `urn:uuid:` full URLs (the
Ossa ids). The tests parse the bundle with fhir.resources' R4B models (Patient and
MedicationStatement are unchanged from R4 to R4B). A few queries whatever the history.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import User

from .models import RegimenSchedule

WEEKDAY_CODES = {1: "mon", 2: "tue", 3: "wed", 4: "thu", 5: "fri", 6: "sat", 7: "sun"}
WEEKDAY_NAMES = {
    1: "Monday",
    2: "Tuesday",
    3: "Wednesday",
    4: "Thursday",
    5: "Friday",
    6: "Saturday",
    7: "Sunday",
}


def bundle(user: User, today: date) -> dict[str, Any]:
    """The Bundle for `user`; `today` is their local date (it decides which plans ended)."""
    patient = _reference(user.pk, "Patient")
    regimens = list(
        user.regimens.select_related("product")
        .prefetch_related("schedules")
        .order_by("start_date", "created_at", "id")
    )
    logs = list(
        user.intake_logs.filter(deleted_at__isnull=True)
        .order_by("taken_at", "id")
        .values("id", "regimen_id", "product_id", "servings", "taken_at", "status", "note")
    )
    product_ids = {r.product_id for r in regimens} | {log["product_id"] for log in logs}
    products = {
        p.pk: p
        for p in user.products.model.objects.filter(pk__in=product_ids).prefetch_related(
            "ingredients__nutrient"
        )
    }
    plan_ids = {r.pk for r in regimens}
    resources = [_patient(user)]
    resources += [_plan_statement(r, products[r.product_id], patient, today) for r in regimens]
    resources += [
        _dose_statement(log, products[log["product_id"]], patient, plan_ids) for log in logs
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in resources
        ],
    }


def _reference(pk, resource_type: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{pk}", "type": resource_type}


def _patient(user: User) -> dict[str, Any]:
    profile = user.profile
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(user.pk),
        "telecom": [{"system": "email", "value": user.email}],
    }
    if user.display_name:
        patient["name"] = [{"text": user.display_name}]
    if profile.sex:
        patient["gender"] = profile.sex  # female / male: FHIR's administrative gender codes
    if profile.date_of_birth:
        patient["birthDate"] = profile.date_of_birth.isoformat()
    return patient


def _plan_statement(regimen, product, patient: dict, today: date) -> dict[str, Any]:
    ended = regimen.deleted_at is not None or (
        regimen.end_date is not None and regimen.end_date < today
    )
    period = {"start": regimen.start_date.isoformat()}
    if regimen.end_date:
        period["end"] = regimen.end_date.isoformat()
    statement: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": str(regimen.pk),
        "status": "completed" if ended else "active",
        "medicationCodeableConcept": {"text": medication_text(product)},
        "subject": patient,
        "effectivePeriod": period,
        "dateAsserted": regimen.created_at.isoformat(),
        "informationSource": patient,
        "dosage": _dosages(regimen, product.serving_unit),
    }
    if regimen.note:
        statement["note"] = [{"text": regimen.note}]
    return statement


def _dose_statement(log: dict, product, patient: dict, plan_ids: set) -> dict[str, Any]:
    servings = log["servings"]
    statement: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": str(log["id"]),
        "status": "completed" if log["status"] == "taken" else "not-taken",
        "medicationCodeableConcept": {"text": medication_text(product)},
        "subject": patient,
        "effectiveDateTime": log["taken_at"].isoformat(),
        "informationSource": patient,
        "dosage": [
            {
                "text": _amount(servings, product.serving_unit),
                "doseAndRate": [{"doseQuantity": _quantity(servings, product.serving_unit)}],
            }
        ],
    }
    if log["regimen_id"] in plan_ids:
        statement["partOf"] = [_reference(log["regimen_id"], "MedicationStatement")]
    if log["note"]:
        statement["note"] = [{"text": log["note"]}]
    return statement


def medication_text(product) -> str:
    """The product's name and strength: "Alendronate 70 mg", or for a supplement what one
    serving holds: "K2 Vital (Vitamin K2 (MK-7) 90 mcg per capsule)". A strength the name
    already states is not repeated ("Vitamin K2 MK-7 90 mcg")."""
    if product.strength_mg:
        strength = f"{_number_text(product.strength_mg)} mg"
        return product.name if strength in product.name else f"{product.name} {strength}"
    ingredients = list(product.ingredients.all())
    amounts = [f"{_number_text(i.amount)} {i.nutrient.unit}" for i in ingredients]
    if all(amount in product.name for amount in amounts):
        return product.name
    contents = ", ".join(
        f"{i.nutrient.name} {a}" for i, a in zip(ingredients, amounts, strict=True)
    )
    return f"{product.name} ({contents} per {product.serving_unit})"


# --- Dosage from the schedule versions -------------------------------------------------
def _dosages(regimen, unit: str) -> list[dict[str, Any]]:
    """One dosage per schedule version, each bounded by the dates it was in force."""
    versions = [
        {name: getattr(v, name) for name in RegimenSchedule.VERSIONED_FIELDS}
        | {"start": v.effective_from}
        for v in sorted(regimen.schedules.all(), key=lambda v: v.effective_from)
    ]
    if not versions:  # a plan written before schedule versions were kept
        versions = [
            {name: getattr(regimen, name) for name in RegimenSchedule.VERSIONED_FIELDS}
            | {"start": regimen.start_date}
        ]
    dosages = []
    for number, version in enumerate(versions, start=1):
        following = versions[number]["start"] if number < len(versions) else None
        end = following - timedelta(days=1) if following else regimen.end_date
        dosages.append(_dosage(version, unit, number, end))
    return dosages


def _dosage(version: dict, unit: str, sequence: int, end: date | None) -> dict[str, Any]:
    servings = version["servings_per_dose"]
    dosage: dict[str, Any] = {
        "sequence": sequence,
        "text": f"{_amount(servings, unit)} {_schedule_text(version)}",
        "doseAndRate": [{"doseQuantity": _quantity(servings, unit)}],
    }
    bounds = {"start": version["start"].isoformat()}
    if end is not None:
        bounds["end"] = end.isoformat()
    if version["schedule_kind"] == "as_needed":
        dosage["asNeededBoolean"] = True
        dosage["timing"] = {"repeat": {"boundsPeriod": bounds}}
        return dosage
    repeat: dict[str, Any] = {"boundsPeriod": bounds}
    times = version["times"] or []
    kind = version["schedule_kind"]
    if kind == "daily":
        repeat |= {"frequency": max(len(times), 1), "period": 1, "periodUnit": "d"}
    elif kind == "weekdays":
        repeat["dayOfWeek"] = [WEEKDAY_CODES[d] for d in version["weekdays"]]
    elif kind == "monthly":
        repeat |= {"frequency": 1, "period": 1, "periodUnit": "mo"}
    elif kind == "interval":
        repeat |= {"frequency": 1, "period": version["interval_days"], "periodUnit": "d"}
    if times:
        repeat["timeOfDay"] = [f"{t}:00" for t in times]
    dosage["timing"] = {"repeat": repeat}
    return dosage


def _schedule_text(version: dict) -> str:
    kind = version["schedule_kind"]
    at = f" at {', '.join(version['times'])}" if version["times"] else ""
    if kind == "daily":
        return f"daily{at}"
    if kind == "weekdays":
        return f"on {', '.join(WEEKDAY_NAMES[d] for d in version['weekdays'])}{at}"
    if kind == "monthly":
        return f"monthly on day {version['day_of_month']}{at}"
    if kind == "interval":
        return f"every {version['interval_days']} days{at}"
    return "as needed"


def _amount(servings: Decimal, unit: str) -> str:
    plural = "" if servings == 1 or unit == "ml" else "s"
    return f"{_number_text(servings)} {unit}{plural}"


def _quantity(servings: Decimal, unit: str) -> dict[str, Any]:
    return {"value": _number(servings), "unit": unit}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _number_text(value: Decimal) -> str:
    return f"{_number(value)}"

"""Load the reference intakes of docs/domain.md#reference-intakes (version "dri-iom") from tracking/data, and give
every existing regimen its first schedule version."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations

CSV = Path(__file__).resolve().parent.parent / "data" / "reference_intakes.csv"
VERSION = "dri-iom"


def load_references(apps, schema_editor):
    ReferenceIntake = apps.get_model("tracking", "ReferenceIntake")
    with CSV.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["version"] == VERSION]
    ReferenceIntake.objects.bulk_create(
        ReferenceIntake(
            version=row["version"],
            nutrient=row["nutrient"],
            kind=row["kind"],
            sex=row["sex"],
            condition=row["condition"],
            age_from_months=int(row["age_from_months"]),
            age_to_months=int(row["age_to_months"]) if row["age_to_months"] else None,
            amount=Decimal(row["amount"]),
            unit=row["unit"],
            source=row["source"],
            note=row.get("note", ""),
        )
        for row in rows
    )


def unload_references(apps, schema_editor):
    apps.get_model("tracking", "ReferenceIntake").objects.filter(version=VERSION).delete()


def first_schedule_versions(apps, schema_editor):
    Regimen = apps.get_model("tracking", "Regimen")
    RegimenSchedule = apps.get_model("tracking", "RegimenSchedule")
    RegimenSchedule.objects.bulk_create(
        RegimenSchedule(
            regimen=regimen,
            effective_from=regimen.start_date,
            servings_per_dose=regimen.servings_per_dose,
            schedule_kind=regimen.schedule_kind,
            times=regimen.times,
            weekdays=regimen.weekdays,
            day_of_month=regimen.day_of_month,
            interval_days=regimen.interval_days,
        )
        for regimen in Regimen.objects.filter(schedules__isnull=True)
    )


class Migration(migrations.Migration):
    dependencies = [("tracking", "0003_adherence_and_flags")]

    operations = [
        migrations.RunPython(load_references, unload_references),
        migrations.RunPython(first_schedule_versions, migrations.RunPython.noop),
    ]

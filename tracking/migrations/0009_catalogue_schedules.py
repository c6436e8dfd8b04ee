"""The catalogue learns how often each bisphosphonate's label says it is taken (the
plan-time frequency check), and gains risedronate monthly, levothyroxine and a calcium
carbonate labelled by the salt's weight (docs/domain.md#bisphosphonates,
docs/domain.md#keeping-doses-apart, docs/domain.md#elemental-calcium)."""

import uuid
from decimal import Decimal

from django.db import migrations

CATALOGUE_NAMESPACE = uuid.UUID("6f1d3c1e-3b0e-4c55-9a53-0b7e2f1d9a10")

USUAL = {
    "Alendronate 70 mg (weekly)": "weekly",
    "Risedronate 35 mg (weekly)": "weekly",
    "Risedronate 35 mg delayed-release (weekly)": "weekly",
    "Ibandronate 150 mg (monthly)": "monthly",
}

MEDICINES = [
    (
        "Risedronate 150 mg (monthly)",
        "bisphosphonate",
        "risedronate",
        "150",
        "monthly",
        "Once monthly on waking, with a full glass of plain water; wait at least 30 minutes "
        "before food, drinks, other medicines or supplements, and stay upright.",
    ),
    (
        "Levothyroxine 50 mcg",
        "thyroid_hormone",
        "levothyroxine",
        "0.05",
        "daily",
        "The label says to take calcium, iron and antacids at least 4 hours apart from it.",
    ),
]


def catalogue_id(name: str) -> uuid.UUID:
    return uuid.uuid5(CATALOGUE_NAMESPACE, name)


def seed(apps, schema_editor):
    Product = apps.get_model("tracking", "Product")
    Nutrient = apps.get_model("tracking", "Nutrient")
    Ingredient = apps.get_model("tracking", "Ingredient")
    for name, usual in USUAL.items():
        Product.objects.filter(id=catalogue_id(name)).update(usual_schedule=usual)
    for name, drug_class, drug, strength, usual, notes in MEDICINES:
        Product.objects.update_or_create(
            id=catalogue_id(name),
            defaults={
                "name": name,
                "kind": "medicine",
                "drug_class": drug_class,
                "drug": drug,
                "strength_mg": Decimal(strength),
                "serving_unit": "tablet",
                "usual_schedule": usual,
                "notes": notes,
            },
        )
    carbonate, _ = Product.objects.update_or_create(
        id=catalogue_id("Calcium carbonate 1250 mg"),
        defaults={
            "name": "Calcium carbonate 1250 mg",
            "kind": "supplement",
            "serving_unit": "tablet",
        },
    )
    Ingredient.objects.update_or_create(
        product=carbonate,
        nutrient=Nutrient.objects.get(code="calcium"),
        defaults={"amount": Decimal("1250"), "form": "carbonate", "basis": "compound"},
    )


def unseed(apps, schema_editor):
    Product = apps.get_model("tracking", "Product")
    names = [m[0] for m in MEDICINES] + ["Calcium carbonate 1250 mg"]
    Product.objects.filter(id__in=[catalogue_id(n) for n in names]).delete()
    Product.objects.filter(id__in=[catalogue_id(n) for n in USUAL]).update(usual_schedule="")


class Migration(migrations.Migration):
    dependencies = [("tracking", "0008_plan_checks")]

    operations = [migrations.RunPython(seed, unseed)]

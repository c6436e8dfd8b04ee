"""Seed the nutrients and the shared catalogue (issue 2). Ids are stable uuid5 values so
clients and later migrations can refer to catalogue products."""

import uuid
from decimal import Decimal

from django.db import migrations

CATALOGUE_NAMESPACE = uuid.UUID("6f1d3c1e-3b0e-4c55-9a53-0b7e2f1d9a10")

NUTRIENTS = [
    # code, name, unit
    ("k2_mk7", "Vitamin K2 (MK-7)", "mcg"),
    ("k2_mk4", "Vitamin K2 (MK-4)", "mcg"),
    ("k1", "Vitamin K1", "mcg"),
    ("d3", "Vitamin D3", "mcg"),
    ("d2", "Vitamin D2", "mcg"),
    ("calcium", "Calcium", "mg"),
    ("magnesium", "Magnesium", "mg"),
    ("zinc", "Zinc", "mg"),
]

# name, kind, serving unit, [(nutrient, amount, form)], medicine fields
SUPPLEMENTS = [
    ("Vitamin K2 MK-7 45 mcg", "capsule", [("k2_mk7", "45", "all-trans MK-7")]),
    ("Vitamin K2 MK-7 90 mcg", "capsule", [("k2_mk7", "90", "all-trans MK-7")]),
    ("Vitamin K2 MK-7 180 mcg", "capsule", [("k2_mk7", "180", "all-trans MK-7")]),
    ("Vitamin D3 10 mcg (400 IU)", "softgel", [("d3", "10", "cholecalciferol")]),
    ("Vitamin D3 25 mcg (1000 IU)", "softgel", [("d3", "25", "cholecalciferol")]),
    ("Vitamin D3 50 mcg (2000 IU)", "softgel", [("d3", "50", "cholecalciferol")]),
    ("Calcium carbonate 500 mg", "tablet", [("calcium", "500", "carbonate")]),
    ("Calcium citrate 315 mg", "tablet", [("calcium", "315", "citrate")]),
    ("Calcium bisglycinate 200 mg", "capsule", [("calcium", "200", "bisglycinate chelate")]),
    ("Magnesium bisglycinate 100 mg", "capsule", [("magnesium", "100", "bisglycinate")]),
    (
        "D3 + K2 + Magnesium",
        "capsule",
        [
            ("d3", "25", "cholecalciferol"),
            ("k2_mk7", "90", "all-trans MK-7"),
            ("magnesium", "100", "bisglycinate"),
        ],
    ),
]

# name, drug class, drug, release, strength mg, notes
MEDICINES = [
    (
        "Alendronate 70 mg (weekly)",
        "bisphosphonate",
        "alendronate",
        "immediate",
        "70",
        "Once weekly on waking, with a full glass of plain water; wait at least 30 minutes "
        "before food, drinks, other medicines or supplements, and stay upright.",
    ),
    (
        "Risedronate 35 mg (weekly)",
        "bisphosphonate",
        "risedronate",
        "immediate",
        "35",
        "Once weekly on waking, with a full glass of plain water; wait at least 30 minutes "
        "before food, drinks, other medicines or supplements, and stay upright.",
    ),
    (
        "Risedronate 35 mg delayed-release (weekly)",
        "bisphosphonate",
        "risedronate",
        "delayed",
        "35",
        "Once weekly right after breakfast with plain water; take calcium, antacids and "
        "supplements at another time of day; stay upright for 30 minutes.",
    ),
    (
        "Ibandronate 150 mg (monthly)",
        "bisphosphonate",
        "ibandronate",
        "immediate",
        "150",
        "Once monthly on waking, with a full glass of plain water; wait at least 60 minutes "
        "before food, drinks, other medicines or supplements, and stay upright.",
    ),
    (
        "Warfarin 1 mg",
        "vitamin_k_antagonist",
        "warfarin",
        "immediate",
        "1",
        "A vitamin K antagonist: keep vitamin K intake steady and talk to your clinician "
        "before starting or changing a vitamin K supplement.",
    ),
]


def catalogue_id(name: str) -> uuid.UUID:
    return uuid.uuid5(CATALOGUE_NAMESPACE, name)


def seed(apps, schema_editor):
    Nutrient = apps.get_model("tracking", "Nutrient")
    Product = apps.get_model("tracking", "Product")
    Ingredient = apps.get_model("tracking", "Ingredient")
    nutrients = {}
    for position, (code, name, unit) in enumerate(NUTRIENTS):
        nutrients[code], _ = Nutrient.objects.update_or_create(
            code=code, defaults={"name": name, "unit": unit, "position": position}
        )
    for name, serving_unit, ingredients in SUPPLEMENTS:
        product, _ = Product.objects.update_or_create(
            id=catalogue_id(name),
            defaults={"name": name, "kind": "supplement", "serving_unit": serving_unit},
        )
        for code, amount, form in ingredients:
            Ingredient.objects.update_or_create(
                product=product,
                nutrient=nutrients[code],
                defaults={"amount": Decimal(amount), "form": form},
            )
    for name, drug_class, drug, release, strength, notes in MEDICINES:
        Product.objects.update_or_create(
            id=catalogue_id(name),
            defaults={
                "name": name,
                "kind": "medicine",
                "drug_class": drug_class,
                "drug": drug,
                "release": release,
                "strength_mg": Decimal(strength),
                "serving_unit": "tablet",
                "notes": notes,
            },
        )


def unseed(apps, schema_editor):
    Product = apps.get_model("tracking", "Product")
    names = [s[0] for s in SUPPLEMENTS] + [m[0] for m in MEDICINES]
    Product.objects.filter(id__in=[catalogue_id(n) for n in names]).delete()


class Migration(migrations.Migration):
    dependencies = [("tracking", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

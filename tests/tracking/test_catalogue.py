"""Browsing the shared catalogue and adding one's own products."""

from __future__ import annotations

import pytest

from tracking.models import Product

pytestmark = pytest.mark.django_db


def test_the_catalogue_holds_the_seeded_supplements_and_medicines(alice_api):
    response = alice_api.get("/api/v1/products?page_size=200")

    names = {p["name"] for p in response.json()["results"]}
    assert response.status_code == 200
    assert {
        "Vitamin K2 MK-7 45 mcg",
        "Vitamin K2 MK-7 90 mcg",
        "Vitamin K2 MK-7 180 mcg",
        "Vitamin D3 10 mcg (400 IU)",
        "Vitamin D3 25 mcg (1000 IU)",
        "Vitamin D3 50 mcg (2000 IU)",
        "Calcium carbonate 500 mg",
        "Calcium citrate 315 mg",
        "Calcium bisglycinate 200 mg",
        "Magnesium bisglycinate 100 mg",
        "D3 + K2 + Magnesium",
        "Alendronate 70 mg (weekly)",
        "Risedronate 35 mg (weekly)",
        "Risedronate 35 mg delayed-release (weekly)",
        "Ibandronate 150 mg (monthly)",
        "Warfarin 1 mg",
    } <= names


def test_catalogue_products_carry_their_ingredients_with_units(alice_api):
    response = alice_api.get("/api/v1/products", {"search": "D3 + K2"})

    combo = response.json()["results"][0]
    assert {(i["nutrient"], i["amount"], i["unit"]) for i in combo["ingredients"]} == {
        ("d3", 25.0, "mcg"),
        ("k2_mk7", 90.0, "mcg"),
        ("magnesium", 100.0, "mg"),
    }
    assert combo["in_catalogue"] is True


def test_medicines_filter_by_drug_class(alice_api):
    response = alice_api.get("/api/v1/products", {"drug_class": "bisphosphonate"})

    drugs = sorted((p["drug"], p["release"]) for p in response.json()["results"])
    assert drugs == [
        ("alendronate", "immediate"),
        ("ibandronate", "immediate"),
        ("risedronate", "delayed"),
        ("risedronate", "immediate"),
        ("risedronate", "immediate"),  # 35 mg weekly and 150 mg monthly
    ]


def test_bisphosphonates_say_how_often_their_label_says_they_are_taken(alice_api):
    response = alice_api.get("/api/v1/products", {"drug_class": "bisphosphonate"})

    usual = {p["name"]: p["usual_schedule"] for p in response.json()["results"]}
    assert usual["Alendronate 70 mg (weekly)"] == "weekly"
    assert usual["Ibandronate 150 mg (monthly)"] == "monthly"
    assert usual["Risedronate 150 mg (monthly)"] == "monthly"


def test_a_member_adds_a_product_only_they_see(alice_api, bob_api):
    body = {
        "name": "Aunt's bone formula",
        "kind": "supplement",
        "serving_unit": "tablet",
        "ingredients": [
            {"nutrient": "calcium", "amount": 250, "form": "citrate"},
            {"nutrient": "d3", "amount": 10},
        ],
    }

    created = alice_api.post("/api/v1/products", body)

    assert created.status_code == 201, created.json()
    product_id = created.json()["id"]
    assert created.json()["in_catalogue"] is False
    assert alice_api.get("/api/v1/products", {"mine": "true"}).json()["count"] == 1
    assert bob_api.get(f"/api/v1/products/{product_id}").status_code == 404
    assert product_id not in {
        p["id"] for p in bob_api.get("/api/v1/products?page_size=200").json()["results"]
    }


def test_catalogue_products_are_read_only_for_members(alice_api):
    product = Product.objects.filter(owner__isnull=True).first()

    response = alice_api.patch(f"/api/v1/products/{product.id}", {"name": "Mine now"})

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"
    product.refresh_from_db()
    assert product.name != "Mine now"


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"name": "X", "kind": "potion"}, "kind"),
        (
            {
                "name": "X",
                "kind": "supplement",
                "ingredients": [{"nutrient": "unobtainium", "amount": 1}],
            },
            "ingredients.0.nutrient",
        ),
        (
            {"name": "X", "kind": "supplement", "ingredients": [{"nutrient": "d3", "amount": -5}]},
            "ingredients.0.amount",
        ),
        ({"name": "X", "kind": "supplement", "drug_class": "bisphosphonate"}, "drug_class"),
        (
            {
                "name": "X",
                "kind": "supplement",
                "ingredients": [{"nutrient": "d3", "amount": 1}, {"nutrient": "d3", "amount": 2}],
            },
            "ingredients",
        ),
    ],
)
def test_bad_products_are_refused_whole(alice_api, alice, body, attr):
    response = alice_api.post("/api/v1/products", body)

    assert response.status_code == 400, response.json()
    assert attr in {e["attr"] for e in response.json()["errors"]}
    assert not Product.objects.filter(owner=alice).exists()


def test_editing_a_product_replaces_its_ingredients(alice_api):
    created = alice_api.post(
        "/api/v1/products",
        {
            "name": "K2 drops",
            "kind": "supplement",
            "ingredients": [{"nutrient": "k2_mk7", "amount": 45}],
        },
    ).json()

    response = alice_api.patch(
        f"/api/v1/products/{created['id']}",
        {"ingredients": [{"nutrient": "k2_mk7", "amount": 100}]},
    )

    assert response.status_code == 200
    assert [i["amount"] for i in response.json()["ingredients"]] == [100.0]


def test_deleting_a_product_tombstones_it(alice_api, alice):
    created = alice_api.post(
        "/api/v1/products", {"name": "Old tablets", "kind": "supplement"}
    ).json()

    response = alice_api.delete(f"/api/v1/products/{created['id']}")

    assert response.status_code == 204
    assert alice_api.get(f"/api/v1/products/{created['id']}").status_code == 404
    assert Product.objects.get(id=created["id"]).deleted_at is not None


def test_nutrients_are_listed_with_units(alice_api):
    response = alice_api.get("/api/v1/nutrients")

    assert {"code": "calcium", "name": "Calcium", "unit": "mg"} in response.json()

"""Devices once stuck for good, reproduced with the real WatermelonDB 0.28 client
(tests/e2e/sync_client/stuck.mjs), and their recovery: each recovers by itself, or by the
one action the app offers the member (app/src/data/sync.ts, held.ts, discard.ts)."""

from __future__ import annotations

import pytest

from tracking.models import IntakeLog, Product, Regimen

from ..factories import FlagFactory
from .watermelon import assert_conformant, run_scenario

# serialized_rollback: the catalogue (a data migration) survives other transactional tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def k2() -> Product:
    return Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner__isnull=True)


def run(live_server, member, mode: str, k2: Product, **env) -> dict:
    return run_scenario(
        live_server, member, mode, script="stuck.mjs", OSSA_PRODUCT_ID=str(k2.id), **env
    )


def test_a_backlog_past_the_body_limit_goes_in_gzip_chunks(
    live_server, member, sync_client, k2, settings
):
    # A limit 1/50 of the real one, so a 2,000-dose backlog is past it as a 250,000-dose
    # one would be in production.
    settings.LARGE_BODY_PATHS = {"/api/v1/sync/push": 300_000}

    result = run(live_server, member, "backlog", k2, OSSA_DOSES="2000")

    assert_conformant(result)
    assert result["single"]["status"] == 413
    assert result["single"]["body"]["errors"][0]["code"] == "payload_too_large"
    assert result["single_again"]["status"] == 413  # before: this device never synced again
    assert all(chunk["sent"] < 300_000 for chunk in result["chunks"])
    assert len(result["chunks"]) == 5 and result["unsynced"] is False
    assert IntakeLog.objects.filter(member=member, regimen_id=result["regimen"]).count() == 2000


def test_a_refused_record_is_held_back_fixed_or_discarded_and_the_rest_syncs(
    live_server, member, sync_client, k2
):
    flag = FlagFactory(member=member, title="Vitamin K with a vitamin K antagonist")

    result = run(live_server, member, "refused", k2)

    assert_conformant(result)
    refused = {e["attr"] for e in result["single"]["body"]["errors"]}
    assert refused == {f"intake_logs.{result['bad']}.note", f"flags.{flag.id}"}
    assert result["single_again"] == result["single"]  # before: the same 400 forever
    assert result["held"] == sorted([f"intake_logs.{result['bad']}", f"flags.{flag.id}"])
    assert result["unsynced_while_held"] is True
    doses = IntakeLog.objects.filter(member=member)
    assert {str(i) for i in doses.values_list("id", flat=True)} == {*result["good"], result["bad"]}
    assert doses.get(id=result["bad"]).note == "took it late"
    assert Regimen.objects.filter(id=result["regimen"]).exists()
    flag.refresh_from_db()
    assert flag.title == "Vitamin K with a vitamin K antagonist"
    assert result["local_flag_title"] == flag.title
    assert result["unsynced"] is False


def test_a_plan_deleted_elsewhere_and_edited_here_after_a_410_resolves_as_delete_wins(
    live_server, member, sync_client, k2
):
    result = run(live_server, member, "deleted-elsewhere", k2)

    assert_conformant(result)
    assert result["after_410"] == {"status": 200}  # before: 400 record_deleted, forever
    plan = Regimen.objects.get(id=result["regimen"])
    assert plan.deleted_at is not None and plan.note == ""
    assert result["regimen"] not in result["local_regimens"]
    assert result["unsynced"] is False


def test_upper_case_ids_are_refused_by_name_and_nothing_is_written(
    live_server, member, sync_client, k2
):
    result = run(live_server, member, "upper-case-ids", k2)

    assert_conformant(result)
    assert result["regimen"] == result["regimen"].upper()
    [error] = result["push"]["body"]["errors"]
    assert error["code"] == "invalid_id"
    assert error["attr"] == f"regimens.{result['regimen']}"
    assert not Regimen.objects.filter(member=member).exists()

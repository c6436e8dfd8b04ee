"""Push: apply a client's changes all or nothing, idempotently.

Rules (docs/architecture.md#pushed-changes): created-but-exists → update;
updated-but-missing → create; deleted-but-missing → ignore; a record changed on the server
after the client's `last_pulled_at` → 409 with its id, unless the push carries exactly what
is stored (a retried push). A record the server deleted stays deleted (delete wins) and its
tombstone is stamped anew so the device's next pull removes it; a device that lost its
tombstones (after a 410 it pulls from scratch) is never refused for good. Ids of other
members' rows are refused without saying whose they are. Every refusal names its record
(`table.id.column`) so a device can hold that one back and send the rest.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sync import clock
from sync.models import SyncClock

from .codecs import WireError, canonical_uuid
from .protocol import (
    KINDS,
    Incoming,
    PushConflict,
    PushContext,
    PushRejected,
    RecordError,
    Table,
    check_cursor,
)
from .registry import TABLES

# Parents before children: a push may create a product, a plan for it and its doses.
WRITE_ORDER = ("profiles", "products", "regimens", "intake_logs", "stock_events", "notifications")


def push(member, last_pulled_at: int, changes: dict[str, Any]) -> None:
    ctx = PushContext(member, last_pulled_at)
    batches = _parse(ctx, changes)
    if ctx.errors:
        raise PushRejected(ctx.errors)
    with transaction.atomic():
        clock.lock([member.id])
        _check_cursor(member.id, last_pulled_at)
        _load_stored(batches)
        pending, retell = _screen(ctx, batches)
        if ctx.errors:
            raise PushRejected(ctx.errors)
        _apply(ctx, pending)
        if ctx.errors:
            raise PushRejected(ctx.errors)  # rolls back whatever was written
        _retell_deletions(member.id, retell)


def _check_cursor(member_id, last_pulled_at: int) -> None:
    found = SyncClock.objects.filter(member_id=member_id).values_list("value", "purged_through")
    value, purged_through = found.first() or (1, 0)
    check_cursor(value, purged_through, last_pulled_at)


# --- Parsing --------------------------------------------------------------------------
def _parse(ctx: PushContext, changes: Any) -> dict[str, list[Incoming]]:
    if not isinstance(changes, dict):
        raise PushRejected([RecordError("changes", "", "invalid", "changes must be an object")])
    batches: dict[str, list[Incoming]] = {}
    for name, table_changes in changes.items():
        table = TABLES.get(name)
        if table is None:
            shown = str(name)[:60]
            ctx.errors.append(RecordError(shown, "", "unknown_table", f"No table {shown!r}."))
            continue
        batches[name] = _parse_table(ctx, table, table_changes)
    return batches


def _parse_table(ctx: PushContext, table: Table, table_changes: Any) -> list[Incoming]:
    if not isinstance(table_changes, dict):
        ctx.errors.append(RecordError(table.name, "", "invalid", "must be an object"))
        return []
    items: list[Incoming] = []
    seen: set = set()
    for kind in KINDS:
        records = table_changes.get(kind, [])
        if not isinstance(records, list):
            ctx.errors.append(RecordError(table.name, "", "invalid", f"{kind} must be a list"))
            continue
        for record in records:
            item = _parse_record(ctx, table, kind, record)
            if item is None:
                continue
            if item.id in seen:
                detail = "This record appears more than once in the push; send it once."
                ctx.refuse(item, "duplicate_id", detail)
                continue
            seen.add(item.id)
            items.append(item)
    return items


def _parse_record(ctx: PushContext, table: Table, kind: str, record: Any) -> Incoming | None:
    if kind != "deleted" and not isinstance(record, dict):
        detail = f"Each {kind} record must be an object with an id."
        ctx.errors.append(RecordError(table.name, "", "invalid", detail))
        return None
    raw_id = record if kind == "deleted" else record.get("id")
    record_id = canonical_uuid(raw_id)
    if record_id is None:
        shown = raw_id if isinstance(raw_id, str) else ""
        detail = (
            f"Record id {shown[:60]!r} is not a lower-case UUID; the app must generate "
            "UUID v4 ids in their canonical form."
        )
        ctx.errors.append(RecordError(table.name, shown[:60], "invalid_id", detail))
        return None
    item = Incoming(table, record_id, kind)
    if table.read_only:
        detail = f"{table.name} is computed by the server and cannot be changed."
        ctx.refuse(item, "read_only", detail)
        return None
    if kind != "deleted":
        item.client_updated_at = record.get("updated_at")
        _decode_values(ctx, item, record)
    return item


def _decode_values(ctx: PushContext, item: Incoming, record: dict) -> None:
    for col in item.table.writable_columns:
        if col.name not in record:
            continue
        try:
            value = col.codec.from_wire(record[col.name])
            item.table.check_limits(col, value)
        except WireError as exc:
            ctx.refuse(item, "invalid", f"{col.name} {exc}.", col.name)
            continue
        item.values[col.attr] = value


# --- Screening: ownership, conflicts, no-ops ------------------------------------------
def _load_stored(batches: dict[str, list[Incoming]]) -> None:
    for name, items in batches.items():
        if not items:
            continue
        model = TABLES[name].model
        stored = model.objects.in_bulk([item.id for item in items])
        for item in items:
            item.stored = stored.get(item.id)


def _screen(ctx: PushContext, batches: dict[str, list[Incoming]]):
    """What must be written, and which tombstones to tell the device about again; raise
    PushConflict when the client is behind the server."""
    pending, retell, conflicts = [], [], []
    for items in batches.values():
        for item in items:
            verdict = _verdict(ctx, item)
            if verdict == "conflict":
                conflicts.append((item.table.name, item.key))
            elif verdict == "write":
                pending.append(item)
            elif verdict == "retell":
                retell.append(item)
    if conflicts:
        raise PushConflict(conflicts)
    return pending, retell


def _verdict(ctx: PushContext, item: Incoming) -> str:
    stored = item.stored
    if stored is not None and getattr(stored, f"{item.table.member_field}_id") != ctx.member.id:
        if item.kind != "deleted":
            ctx.refuse(item, "id_unavailable", "This id cannot be used; create a new record.")
        return "skip"
    if stored is None:
        return "skip" if item.kind == "deleted" else "write"
    newer_on_server = stored.server_version > ctx.last_pulled_at
    if stored.deleted_at is not None:
        # Delete wins. A device behind the deletion learns of it on its next pull anyway.
        return "skip" if item.kind == "deleted" or newer_on_server else "retell"
    if item.kind == "deleted":
        return "conflict" if newer_on_server else "write"
    if _same_data(item):
        # Nothing of the member's is overwritten, so no conflict either way.
        return "skip" if _same_stamp(item) else "write"
    return "conflict" if newer_on_server else "write"


def _same_data(item: Incoming) -> bool:
    """A retried push carries what is stored."""
    writer = item.table.writer
    return all(writer.wire_equal(item, attr, value) for attr, value in item.values.items())


def _same_stamp(item: Incoming) -> bool:
    """WatermelonDB keeps its own updated_at after a successful push; where it differs from
    ours the row is rewritten (touched) so the next pull hands the device the server's."""
    if item.client_updated_at is None or not _stamped(item.table):
        return True
    return item.table.writer.wire_equal(item, "updated_at", item.client_updated_at, raw=True)


def _stamped(table: Table) -> bool:
    return any(col.name == "updated_at" for col in table.columns)


# --- Applying -------------------------------------------------------------------------
def _apply(ctx: PushContext, pending: list[Incoming]) -> None:
    by_table: dict[str, list[Incoming]] = {name: [] for name in WRITE_ORDER}
    for item in pending:
        by_table[item.table.name].append(item)
    for name in WRITE_ORDER:
        upserts = [i for i in by_table[name] if i.kind != "deleted"]
        if upserts:
            TABLES[name].writer.upsert(ctx, upserts)
    for name in reversed(WRITE_ORDER):
        deletes = [i for i in by_table[name] if i.kind == "deleted"]
        if deletes:
            TABLES[name].writer.delete(ctx, deletes)


def _retell_deletions(member_id, items: list[Incoming]) -> None:
    """Stamp these tombstones after the device's cursor: its next pull carries them."""
    if not items:
        return
    version = clock.tick(member_id)
    for name in {item.table.name for item in items}:
        ids = [item.id for item in items if item.table.name == name]
        TABLES[name].model.objects.filter(id__in=ids).update(server_version=version)

"""Push: apply a client's changes all or nothing, idempotently.

Rules (docs/architecture.md#pushed-changes): created-but-exists → update;
updated-but-missing → create; deleted-but-missing → ignore; a record changed on the server
after the client's `last_pulled_at` → 409 with its id, unless the push carries exactly what
is stored (a retried push). Ids of other members' rows are refused without saying whose they are.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from . import clock
from .codecs import WireError
from .registry import TABLES, Table

# Parents before children: a push may create a product, a plan for it and its doses.
WRITE_ORDER = ("profiles", "products", "regimens", "intake_logs", "notifications")
KINDS = ("created", "updated", "deleted")


@dataclass(frozen=True)
class RecordError:
    table: str
    id: str
    code: str
    detail: str
    column: str | None = None

    @property
    def attr(self) -> str:
        path = f"{self.table}.{self.id}" if self.id else self.table
        return f"{path}.{self.column}" if self.column else path


class PushRejected(Exception):
    def __init__(self, errors: list[RecordError]):
        super().__init__(f"{len(errors)} records refused")
        self.errors = errors


class PushConflict(Exception):
    def __init__(self, records: list[tuple[str, str]]):
        super().__init__(f"{len(records)} records changed on the server")
        self.records = records


@dataclass
class Incoming:
    """One pushed record, decoded; `stored` is the server's row with this id, if any."""

    table: Table
    id: uuid.UUID
    kind: str
    values: dict[str, Any] = field(default_factory=dict)  # model attr → decoded value
    stored: Any = None
    # The device's own updated_at: not data we keep, but when it differs from ours the
    # row is rewritten so the next pull hands the device the server's value.
    client_updated_at: Any = None

    @property
    def key(self) -> str:
        return str(self.id)


@dataclass
class PushContext:
    member: Any
    last_pulled_at: int
    errors: list[RecordError] = field(default_factory=list)

    def refuse(self, item: Incoming, code: str, detail: str, column: str | None = None) -> None:
        self.errors.append(RecordError(item.table.name, item.key, code, detail, column))


def push(member, last_pulled_at: int, changes: dict[str, Any]) -> None:
    ctx = PushContext(member, last_pulled_at)
    batches = _parse(ctx, changes)
    if ctx.errors:
        raise PushRejected(ctx.errors)
    with transaction.atomic():
        clock.lock([member.id])
        _load_stored(batches)
        pending = _screen(ctx, batches)
        if ctx.errors:
            raise PushRejected(ctx.errors)
        _apply(ctx, pending)
        if ctx.errors:
            raise PushRejected(ctx.errors)  # rolls back whatever was written


# --- Parsing --------------------------------------------------------------------------
def _parse(ctx: PushContext, changes: Any) -> dict[str, list[Incoming]]:
    if not isinstance(changes, dict):
        raise PushRejected([RecordError("changes", "", "invalid", "changes must be an object")])
    batches: dict[str, list[Incoming]] = {}
    for name, table_changes in changes.items():
        table = TABLES.get(name)
        if table is None:
            ctx.errors.append(RecordError(name, "", "unknown_table", f"No table {name!r}."))
            continue
        batches[name] = _parse_table(ctx, table, table_changes)
    return batches


def _parse_table(ctx: PushContext, table: Table, table_changes: Any) -> list[Incoming]:
    if not isinstance(table_changes, dict):
        ctx.errors.append(RecordError(table.name, "", "invalid", "must be an object"))
        return []
    items = []
    for kind in KINDS:
        records = table_changes.get(kind, [])
        if not isinstance(records, list):
            ctx.errors.append(RecordError(table.name, "", "invalid", f"{kind} must be a list"))
            continue
        if records and table.read_only:
            detail = f"{table.name} is computed by the server and cannot be changed."
            ctx.errors.append(RecordError(table.name, "", "read_only", detail))
            continue
        items += [i for r in records if (i := _parse_record(ctx, table, kind, r))]
    return items


def _parse_record(ctx: PushContext, table: Table, kind: str, record: Any) -> Incoming | None:
    if kind != "deleted" and not isinstance(record, dict):
        detail = f"Each {kind} record must be an object with an id, not {record!r:.40}."
        ctx.errors.append(RecordError(table.name, "", "invalid", detail))
        return None
    raw_id = record if kind == "deleted" else record.get("id")
    try:
        record_id = uuid.UUID(str(raw_id)) if isinstance(raw_id, str) else None
    except ValueError:
        record_id = None
    if record_id is None:
        detail = f"Record id {raw_id!r} is not a UUID; the app must generate UUID v4 ids."
        ctx.errors.append(RecordError(table.name, str(raw_id), "invalid_id", detail))
        return None
    item = Incoming(table, record_id, kind)
    if kind != "deleted":
        item.client_updated_at = record.get("updated_at")
        for col in table.writable_columns:
            if col.name not in record:
                continue
            try:
                item.values[col.attr] = col.codec.from_wire(record[col.name])
            except WireError as exc:
                ctx.refuse(item, "invalid", f"{col.name} {exc}.", col.name)
    return item


# --- Screening: ownership, conflicts, no-ops ------------------------------------------
def _load_stored(batches: dict[str, list[Incoming]]) -> None:
    for name, items in batches.items():
        if not items:
            continue
        model = TABLES[name].model
        stored = model.objects.in_bulk([item.id for item in items])
        for item in items:
            item.stored = stored.get(item.id)


def _screen(ctx: PushContext, batches: dict[str, list[Incoming]]) -> list[Incoming]:
    """What must be written; raise PushConflict when the client is behind the server."""
    pending, conflicts = [], []
    for items in batches.values():
        for item in items:
            verdict = _verdict(ctx, item)
            if verdict == "conflict":
                conflicts.append((item.table.name, item.key))
            elif verdict == "write":
                pending.append(item)
    if conflicts:
        raise PushConflict(conflicts)
    return pending


def _verdict(ctx: PushContext, item: Incoming) -> str:
    stored = item.stored
    if stored is not None and getattr(stored, f"{item.table.member_field}_id") != ctx.member.id:
        if item.kind != "deleted":
            ctx.refuse(item, "id_unavailable", "This id cannot be used; create a new record.")
        return "skip"
    if stored is None:
        return "skip" if item.kind == "deleted" else "write"
    deleted_on_server = stored.deleted_at is not None
    if item.kind == "deleted":
        return "skip" if deleted_on_server else _unless_newer(ctx, stored, "write")
    if not deleted_on_server and _same_data(item):
        # Nothing of the member's is overwritten, so no conflict either way.
        return "skip" if _same_stamp(item) else "write"
    if stored.server_version > ctx.last_pulled_at:
        return "conflict"
    if deleted_on_server:
        ctx.refuse(item, "record_deleted", "This record was deleted; pull to catch up.")
        return "skip"
    return "write"


def _unless_newer(ctx: PushContext, stored, verdict: str) -> str:
    return "conflict" if stored.server_version > ctx.last_pulled_at else verdict


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

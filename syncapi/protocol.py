"""The sync protocol's shared types: what a table and its columns are, what a pushed record
becomes, and the refusals pull and push raise. The registry, the writers, pull and push
all import this module and nothing of each other's, so no import runs in a circle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import FieldDoesNotExist, ValidationError

from . import codecs as c

KINDS = ("created", "updated", "deleted")


@dataclass(frozen=True)
class Column:
    name: str
    codec: c.Codec
    field: str = ""
    writable: bool = True
    # For values that are not a model field: load(ids) -> {id: value}, one query per pull.
    load: Any = None

    @property
    def attr(self) -> str:
        return self.field or self.name


class RecordWriter(Protocol):
    """How pushed records of one table are written (syncapi/writers.py)."""

    def wire_equal(self, item: Incoming, attr: str, value: Any, raw: bool = False) -> bool: ...

    def upsert(self, ctx: PushContext, items: list[Incoming]) -> None: ...

    def delete(self, ctx: PushContext, items: list[Incoming]) -> None: ...


@dataclass(frozen=True)
class Table:
    name: str
    model: type
    member_field: str
    columns: tuple[Column, ...]
    writer: RecordWriter | None = None
    # The client schema version that first has this table: older apps are not sent it.
    since: int = 1

    @property
    def read_only(self) -> bool:
        return self.writer is None

    @property
    def writable_columns(self) -> tuple[Column, ...]:
        return tuple(col for col in self.columns if col.writable)

    def rows_for(self, member_id):
        return self.model.objects.filter(**{f"{self.member_field}_id": member_id})

    def check_limits(self, col: Column, value: Any) -> None:
        """Refuse a decoded value its model field refuses: length, range, digits, choices.

        The model's field declarations are the one place limits live; REST serializers are
        built from the same fields, so a push can carry nothing REST would refuse.
        """
        model_field = _model_field(self.model, col.attr)
        if model_field is None or value is None or model_field.is_relation:
            return
        longest = model_field.max_length
        if isinstance(value, str) and longest is not None and len(value) > longest:
            # TextField keeps max_length for forms only; its validators do not check it.
            raise c.WireError(f"has {len(value):,} characters; at most {longest:,} are allowed")
        try:
            model_field.clean(value, None)
        except ValidationError as exc:
            raise c.WireError(" ".join(exc.messages).rstrip(".")) from None


def _model_field(model: type, attr: str):
    try:
        return model._meta.get_field(attr)
    except FieldDoesNotExist:
        return None


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


@dataclass
class PushContext:
    member: Any
    last_pulled_at: int
    errors: list[RecordError] = field(default_factory=list)

    def refuse(self, item: Incoming, code: str, detail: str, column: str | None = None) -> None:
        self.errors.append(RecordError(item.table.name, item.key, code, detail, column))


class PushRejected(Exception):
    def __init__(self, errors: list[RecordError]):
        super().__init__(f"{len(errors)} records refused")
        self.errors = errors


class PushConflict(Exception):
    def __init__(self, records: list[tuple[str, str]]):
        super().__init__(f"{len(records)} records changed on the server")
        self.records = records


class ResyncRequired(Exception):
    """The client's cursor is older than purged tombstones, or ahead of the server."""


def check_cursor(clock_value: int, purged_through: int, last_pulled_at: int) -> None:
    """A cursor the server never handed out, or one older than purged tombstones, cannot
    be trusted for conflicts or deletions: the device must start over."""
    if last_pulled_at and not purged_through <= last_pulled_at <= clock_value:
        raise ResyncRequired

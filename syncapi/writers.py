"""How pushed records of each writable table are written: through the same services (and
so the same validation, schedule history and recompute) as the REST API."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import services as account_services
from backend.errors import problems
from notifications import services as notification_services
from tracking import selectors, services
from tracking.models import AmountBasis, IntakeLog, IntakeSource, Nutrient, Regimen

from .codecs import NUMBER, TEXT, WireError
from .protocol import Incoming, PushContext

# Model fields named in validation errors → the wire column a client knows.
COLUMN_FOR_FIELD = {"product": "product_id", "regimen": "regimen_id"}
# Validation codes a device acts on, passed through; the rest are "invalid".
PASSED_CODES = {"confirmation_required"}


class Writer:
    """Writes one record at a time, each in a savepoint, collecting per-record errors."""

    def wire_equal(self, item: Incoming, attr: str, value: Any, raw: bool = False) -> bool:
        """Whether the stored value and `value` (decoded, or as sent when `raw`) look the
        same on the wire, where the client compares them."""
        codec = next(col.codec for col in item.table.columns if col.attr == attr)
        sent = value if raw else codec.to_wire(value)
        return codec.to_wire(getattr(item.stored, attr)) == sent

    def upsert(self, ctx: PushContext, items: list[Incoming]) -> None:
        for item in items:
            self._guarded(ctx, item, self.write_one)

    def delete(self, ctx: PushContext, items: list[Incoming]) -> None:
        for item in items:
            self._guarded(ctx, item, self.delete_one)

    def _guarded(self, ctx: PushContext, item: Incoming, action) -> None:
        try:
            with transaction.atomic():
                action(ctx, item)
        except ValidationError as exc:
            refuse_invalid(ctx, item, exc)

    def write_one(self, ctx: PushContext, item: Incoming) -> None:
        raise NotImplementedError

    def delete_one(self, ctx: PushContext, item: Incoming) -> None:
        raise NotImplementedError


def refuse_invalid(ctx: PushContext, item: Incoming, exc: ValidationError) -> None:
    for name, found in problems(exc).items():
        column = None if name is None else COLUMN_FOR_FIELD.get(name, name)
        for message, code in found:
            ctx.refuse(item, code if code in PASSED_CODES else "invalid", message, column)


class ProductWriter(Writer):
    def wire_equal(self, item: Incoming, attr: str, value: Any, raw: bool = False) -> bool:
        if attr != "ingredients":
            return super().wire_equal(item, attr, value, raw)
        stored = [
            {
                "nutrient": i.nutrient.code,
                "amount": float(i.amount),
                "form": i.form,
                "basis": i.basis,
            }
            for i in item.stored.ingredients.select_related("nutrient")
        ]
        sent = [{"basis": AmountBasis.ELEMENTAL, **entry} for entry in value or []]
        return stored == sent

    def write_one(self, ctx: PushContext, item: Incoming) -> None:
        fields = dict(item.values)
        ingredients = _ingredients(fields.pop("ingredients", None))
        if item.stored is None:
            services.create_product(ctx.member, {"id": item.id, **fields}, ingredients or [])
        else:
            services.update_product(item.stored, fields, ingredients)

    def delete_one(self, ctx: PushContext, item: Incoming) -> None:
        services.delete_product(item.stored)


def _ingredients(value: Any) -> list[dict] | None:
    """Decode a pushed ingredient list; the service checks it as it does REST's."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
        raise _ingredient_problem('A list of {"nutrient", "amount", "form"}.')
    nutrients = {n.code: n for n in Nutrient.objects.all()}
    return [_ingredient(entry, position, nutrients) for position, entry in enumerate(value)]


def _ingredient(entry: dict, position: int, nutrients: dict) -> dict:
    code = entry.get("nutrient")
    if not isinstance(code, str) or code not in nutrients:
        raise _ingredient_problem(f"Ingredient {position + 1}: unknown nutrient.")
    try:
        amount = NUMBER.from_wire(entry.get("amount"))
        form = TEXT.from_wire(entry.get("form") or "")
        basis = TEXT.from_wire(entry.get("basis") or AmountBasis.ELEMENTAL)
    except WireError as exc:
        detail = f"Ingredient {position + 1}: amount, form or basis {exc}."
        raise _ingredient_problem(detail) from None
    return {"nutrient": nutrients[code], "amount": amount, "form": form, "basis": basis}


def _ingredient_problem(message: str) -> ValidationError:
    return ValidationError({"ingredients": [message]})


class RegimenWriter(Writer):
    def write_one(self, ctx: PushContext, item: Incoming) -> None:
        fields = dict(item.values)
        if "product_id" in fields:
            fields["product"] = _visible_product(ctx, fields.pop("product_id"))
        if item.stored is None:
            services.create_regimen(ctx.member, {"id": item.id, **fields})
        else:
            services.update_regimen(item.stored, fields)

    def delete_one(self, ctx: PushContext, item: Incoming) -> None:
        services.end_regimen(item.stored)


def _visible_product(ctx: PushContext, product_id: str):
    product = selectors.products_for_member(ctx.member).filter(id=_uuid_or_none(product_id))
    found = product.first()
    if found is None:
        raise ValidationError({"product": ["Unknown product."]})
    return found


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class IntakeLogWriter(Writer):
    """Doses arrive in hundreds after a week offline: validated one by one in memory, then
    written in bulk by the same service REST uses (tracking.services.write_intakes)."""

    def upsert(self, ctx: PushContext, items: list[Incoming]) -> None:
        regimens, products = self._lookups(ctx, items)
        new, changed = [], []
        for item in items:
            log = item.stored or IntakeLog(id=item.id, member=ctx.member, source=IntakeSource.SYNC)
            try:
                self._fill(log, item.values, regimens, products)
                services.check_intake(log)
            except ValidationError as exc:
                refuse_invalid(ctx, item, exc)
                continue
            (changed if item.stored else new).append(log)
        if ctx.errors or not (new or changed):
            return
        services.write_intakes(ctx.member.id, new, changed)

    def _lookups(self, ctx: PushContext, items: list[Incoming]):
        regimen_ids = {_uuid_or_none(i.values.get("regimen_id") or "") for i in items} - {None}
        product_ids = {_uuid_or_none(i.values.get("product_id") or "") for i in items} - {None}
        regimens = Regimen.objects.filter(member=ctx.member, id__in=regimen_ids).in_bulk()
        products = selectors.products_for_member(ctx.member).prefetch_related(None)
        return regimens, products.in_bulk(product_ids)

    def _fill(self, log: IntakeLog, values: dict, regimens: dict, products: dict) -> None:
        for attr, value in values.items():
            if attr == "regimen_id":
                log.regimen = _pick(regimens, value, "regimen", "Unknown plan.")
            elif attr == "product_id":
                log.product = _pick(products, value, "product", "Unknown product.")
            else:
                setattr(log, attr, value)

    def delete(self, ctx: PushContext, items: list[Incoming]) -> None:
        services.delete_intakes(ctx.member.id, [item.stored for item in items])


def _pick(found: dict, value: str | None, field: str, message: str):
    if value is None:
        return None
    obj = found.get(_uuid_or_none(value))
    if obj is None:
        raise ValidationError({field: [message]})
    return obj


class StockEventWriter(Writer):
    """Stock entries are history: a device adds counts and refills, or deletes a wrong one;
    a changed entry is refused (the app adds a new count instead)."""

    def write_one(self, ctx: PushContext, item: Incoming) -> None:
        if item.stored is not None:
            if not all(self.wire_equal(item, a, v) for a, v in item.values.items()):
                ctx.refuse(item, "immutable", "A stock entry is not changed; add a new count.")
            return
        fields = dict(item.values)
        regimen_id = _uuid_or_none(fields.pop("regimen_id", None) or "")
        fields["regimen"] = Regimen.objects.filter(member=ctx.member, id=regimen_id).first()
        if fields["regimen"] is None:
            raise ValidationError({"regimen": ["Unknown plan."]})
        services.record_stock(ctx.member, fields, event_id=item.id)

    def delete_one(self, ctx: PushContext, item: Incoming) -> None:
        services.delete_stock_event(item.stored)


class ProfileWriter(Writer):
    def write_one(self, ctx: PushContext, item: Incoming) -> None:
        if item.id != ctx.member.id:
            ctx.refuse(item, "id_unavailable", "Only your own profile (id = your user id).")
            return
        account_services.update_profile(ctx.member.profile, item.values)

    def delete_one(self, ctx: PushContext, item: Incoming) -> None:
        ctx.refuse(item, "not_deletable", "A profile cannot be deleted; delete the account.")


class InboxWriter(Writer):
    """Inbox rows are the server's; a device only marks them read."""

    def write_one(self, ctx: PushContext, item: Incoming) -> None:
        if item.stored is None:
            ctx.refuse(item, "read_only", "Notifications are created by the server.")
            return
        if "read_at" in item.values and item.stored.read_at is None:
            notification_services.mark_read(item.stored, item.values["read_at"])

    def delete_one(self, ctx: PushContext, item: Incoming) -> None:
        ctx.refuse(item, "read_only", "Notifications cannot be deleted; mark them read.")

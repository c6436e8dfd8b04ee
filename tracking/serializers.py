"""REST shapes for tracking. Validation of shape and scope here; rules in services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend import formats
from backend.serializers import ModelSerializer

from . import nutrients, planning, selectors
from .models import (
    MAX_SERVINGS,
    AdherenceSnapshot,
    Flag,
    Ingredient,
    IntakeLog,
    IntakeStatus,
    Nutrient,
    NutrientTarget,
    Product,
    Regimen,
    StockEvent,
)


class NutrientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Nutrient
        fields = ["code", "name", "unit"]


class IngredientSerializer(serializers.ModelSerializer):
    nutrient = serializers.SlugRelatedField(slug_field="code", queryset=Nutrient.objects.all())
    unit = serializers.CharField(source="nutrient.unit", read_only=True)

    class Meta:
        model = Ingredient
        fields = ["nutrient", "amount", "unit", "form", "basis"]


class ProductSerializer(ModelSerializer):
    ingredients = IngredientSerializer(many=True, required=False)
    in_catalogue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "brand",
            "kind",
            "drug_class",
            "drug",
            "release",
            "strength_mg",
            "serving_unit",
            "notes",
            "usual_schedule",
            "ingredients",
            "in_catalogue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class MemberScopedField(serializers.PrimaryKeyRelatedField):
    """A related object the caller may use: anything else reads as 'does not exist'."""

    def __init__(self, selector, **kwargs):
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.selector(self.context["request"].user)


class StockLevelSerializer(serializers.Serializer):
    on_hand = serializers.DecimalField(max_digits=10, decimal_places=2)
    runs_out_on = serializers.DateField(allow_null=True)


class RegimenSerializer(ModelSerializer):
    product = MemberScopedField(selectors.products_for_member)
    stock = serializers.SerializerMethodField()
    next_reminder_at = serializers.DateTimeField(
        source="next_dose_reminder_at",
        read_only=True,
        allow_null=True,
        help_text="The next dose moment a reminder is planned for (null: reminders off).",
    )
    servings_per_dose = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_SERVINGS,
        required=False,
    )
    times = serializers.ListField(child=serializers.CharField(max_length=5), required=False)
    weekdays = serializers.ListField(child=serializers.IntegerField(), required=False)
    findings = serializers.SerializerMethodField()
    confirmed_findings = serializers.ListField(
        child=serializers.CharField(max_length=48),
        max_length=20,
        required=False,
        help_text="Codes of the critical findings about this plan the member confirmed "
        '(e.g. "labelled_frequency"); a plan with an unconfirmed one is refused with '
        "code confirmation_required.",
    )

    class Meta:
        model = Regimen
        fields = [
            "id",
            "product",
            "servings_per_dose",
            "schedule_kind",
            "times",
            "weekdays",
            "day_of_month",
            "interval_days",
            "start_date",
            "end_date",
            "note",
            "confirmed_findings",
            "findings",
            "remind",
            "follow_up_minutes",
            "pack_size",
            "refill_days",
            "stock",
            "next_reminder_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    @extend_schema_field(StockLevelSerializer(allow_null=True))
    def get_stock(self, regimen) -> dict | None:
        """Servings on hand and the day they run out, once the member counted the stock."""
        levels = self.context.get("stock")
        level = levels().get(str(regimen.pk)) if levels is not None else None
        return None if level is None else StockLevelSerializer(level).data

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_findings(self, regimen) -> list[dict]:
        """What the plan-time checks say about this plan in the member's day."""
        found = self.context.get("findings")
        if found is None:
            return []
        return FindingSerializer(planning.about(regimen, found()), many=True).data


class IntakeLogSerializer(ModelSerializer):
    id = serializers.UUIDField(
        required=False, help_text="Client-generated id; re-sending it is safe."
    )
    regimen = MemberScopedField(selectors.regimens_for_member, required=False, allow_null=True)
    product = MemberScopedField(selectors.products_for_member, required=False)
    servings = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_SERVINGS,
        required=False,
    )

    class Meta:
        model = IntakeLog
        fields = list(IntakeLog.SHOWN_FIELDS)
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        creating = self.instance is None
        if creating and attrs.get("regimen") is None and attrs.get("product") is None:
            raise serializers.ValidationError(
                {"product": ["Name the product, or the regimen the dose belongs to."]},
                code="required",
            )
        if not creating:
            attrs.pop("id", None)
        return attrs


class StockEventSerializer(ModelSerializer):
    id = serializers.UUIDField(
        required=False, help_text="Client-generated id; re-sending it is safe."
    )
    regimen = MemberScopedField(selectors.regimens_for_member)
    at = serializers.DateTimeField(required=False, help_text="When; now if left out.")

    class Meta:
        model = StockEvent
        fields = ["id", "regimen", "kind", "servings", "at", "note", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class IntakeListQuerySerializer(serializers.Serializer):
    """The intake list's filters."""

    regimen = serializers.UUIDField(required=False)
    product = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=IntakeStatus.choices, required=False)
    taken_after = serializers.DateTimeField(required=False, help_text="At or after this time.")
    taken_before = serializers.DateTimeField(required=False, help_text="Before this time.")


def intake_row(row: tuple) -> dict:
    """IntakeLogSerializer's representation of a selectors.intake_page() row, left as UUIDs
    and datetimes for the renderer to write (as the serializer would: ISO 8601, UTC "Z")."""
    shown = dict(zip(IntakeLog.SHOWN_FIELDS, row, strict=True))
    shown["servings"] = float(shown["servings"])
    return shown


class AdherenceMetricsSerializer(serializers.ModelSerializer):
    """One week's numbers, for one regimen or overall. Percentages 0 to 100, or null."""

    class Meta:
        model = AdherenceSnapshot
        fields = list(AdherenceSnapshot.VALUE_FIELDS)


class RegimenAdherenceSerializer(AdherenceMetricsSerializer):
    regimen = serializers.UUIDField(source="regimen_id")
    product_name = serializers.CharField(source="regimen.product.name")

    class Meta(AdherenceMetricsSerializer.Meta):
        fields = ["regimen", "product_name", *AdherenceMetricsSerializer.Meta.fields]


class AdherenceWeekSerializer(serializers.Serializer):
    iso_year = serializers.IntegerField()
    iso_week = serializers.IntegerField()
    week_start = serializers.DateField()
    overall = AdherenceMetricsSerializer(allow_null=True)
    regimens = RegimenAdherenceSerializer(many=True)


class AdherenceSerializer(serializers.Serializer):
    timezone = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    weeks = AdherenceWeekSerializer(many=True)


class AdherenceQuerySerializer(serializers.Serializer):
    weeks = serializers.IntegerField(min_value=1, max_value=104, default=12)


class FlagSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)
    acknowledged_by = serializers.SerializerMethodField()

    class Meta:
        model = Flag
        fields = [
            "id",
            "code",
            "subject",
            "severity",
            "title",
            "explanation",
            "evidence",
            "source",
            "audience",
            "active",
            "first_seen_at",
            "resolved_at",
            "acknowledged_at",
            "acknowledged_by",
        ]
        read_only_fields = fields

    def get_acknowledged_by(self, flag: Flag) -> str | None:
        person = flag.acknowledged_by
        if person is None:
            return None
        return "you" if person.id == flag.member_id else (person.display_name or "your dietitian")


# --- The day planner and plan-time checks ---------------------------------------------------
class FindingSerializer(serializers.Serializer):
    """A finding about the member's day: informs, cites its source; a critical one is saved
    only once confirmed (its code in the plan's confirmed_findings)."""

    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["info", "warning", "critical"])
    title = serializers.CharField()
    explanation = serializers.CharField()
    source = serializers.CharField(help_text="Source keys (docs/domain.md#sources).")
    subject = serializers.CharField(help_text="Usually the plan's id.")
    evidence = serializers.DictField()
    needs_confirmation = serializers.SerializerMethodField()

    def get_needs_confirmation(self, finding) -> bool:
        return finding.severity == "critical"


class WhySerializer(serializers.Serializer):
    text = serializers.CharField()
    source = serializers.CharField(help_text='Source keys; "" for Ossa\'s own reasons.')
    rule = serializers.CharField()


class PlacementSerializer(serializers.Serializer):
    regimen = serializers.CharField(source="regimen_id")
    product = serializers.CharField()
    servings = serializers.FloatField()
    why = WhySerializer(many=True)


class MomentSerializer(serializers.Serializer):
    at = serializers.CharField(help_text='Local time "HH:MM".')
    label = serializers.CharField()
    doses = PlacementSerializer(many=True)


class UnmetSerializer(serializers.Serializer):
    rule = serializers.CharField()
    explanation = serializers.CharField()
    compromise = serializers.CharField()
    source = serializers.CharField()
    regimens = serializers.ListField(source="regimen_ids", child=serializers.CharField())


class PlanChangeSerializer(serializers.Serializer):
    regimen = serializers.CharField(source="regimen_id")
    product = serializers.CharField()
    times = serializers.ListField(child=serializers.CharField())
    servings_per_dose = serializers.FloatField()
    current_times = serializers.ListField(child=serializers.CharField())
    current_servings_per_dose = serializers.FloatField()


class UsualDaySerializer(serializers.Serializer):
    wake = formats.ClockTimeField()
    breakfast = formats.ClockTimeField(allow_null=True)
    lunch = formats.ClockTimeField(allow_null=True)
    dinner = formats.ClockTimeField(allow_null=True)
    bed = formats.ClockTimeField()


class DayPlanSerializer(serializers.Serializer):
    date = serializers.DateField(source="day")
    usual_day = UsualDaySerializer()
    moments = MomentSerializer(many=True, help_text="The suggested day, by local time.")
    unmet = UnmetSerializer(many=True, help_text="Rules no placement could meet.")
    changes = PlanChangeSerializer(
        many=True, help_text="What applying the suggestion changes (POST /api/v1/plan/apply)."
    )
    findings = FindingSerializer(many=True, help_text="About the plans as they are now.")


class PlanDayQuerySerializer(serializers.Serializer):
    date = formats.DateField(required=False, help_text="A local date; the member's today.")


class PlanApplySerializer(serializers.Serializer):
    date = formats.DateField(required=False, help_text="The day whose suggestion to apply.")


class PlanCheckSerializer(RegimenSerializer):
    """A plan as it would be saved: a new one, or (with `regimen`) a change to one."""

    regimen = serializers.UUIDField(
        required=False, help_text="The plan to change; absent for a new plan."
    )

    class Meta(RegimenSerializer.Meta):
        fields = ["regimen", *(f for f in RegimenSerializer.Meta.fields if f != "findings")]


class PlanCheckResultSerializer(serializers.Serializer):
    findings = FindingSerializer(many=True, help_text="About the day with the plan saved.")
    needs_confirmation = FindingSerializer(
        many=True, help_text="Critical findings saving it would bring: confirm them to save."
    )


# --- Nutrient totals ---------------------------------------------------------------------
class TotalsQuerySerializer(serializers.Serializer):
    """?from=&to=&by=: `from` is a Python keyword, so the fields are named here."""

    def get_fields(self):
        return {
            "from": formats.DateField(
                required=False, help_text="First local date (default: six days before `to`)."
            ),
            "to": formats.DateField(required=False, help_text="Last local date (default: today)."),
            "by": serializers.ChoiceField(choices=["day", "week"], default="day"),
        }

    def validate(self, attrs):
        today = self.context["today"]
        end = attrs.get("to") or today
        start = attrs.get("from") or end - dt.timedelta(days=6)
        if start > end:
            raise serializers.ValidationError({"from": ["Comes on or before to."]})
        if (end - start).days + 1 > nutrients.MAX_DAYS:
            raise serializers.ValidationError(
                {"from": [f"At most {nutrients.MAX_DAYS} days in one request."]}
            )
        return {"start": start, "end": end, "by": attrs["by"]}


class NutrientTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = NutrientTarget
        fields = ["nutrient", "unit", "intake_kind", "intake", "upper_limit", "source", "note"]


class GroupTotalSerializer(serializers.Serializer):
    unit = serializers.CharField()
    total = serializers.FloatField()
    per_day = serializers.FloatField()
    parts = serializers.DictField(child=serializers.FloatField(), help_text="By nutrient code.")
    total_iu = serializers.FloatField(required=False, help_text="Vitamin D only.")
    per_day_iu = serializers.FloatField(required=False, help_text="Vitamin D only.")


class TotalsPeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    taken = serializers.DictField(child=GroupTotalSerializer(), help_text="From taken doses.")
    planned = serializers.DictField(
        child=GroupTotalSerializer(), help_text="If everything had been taken as planned."
    )


class TotalsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    by = serializers.CharField()
    units = serializers.CharField(
        help_text="The member's units: metric shows vitamin D in mcg first, imperial in IU."
    )
    targets = NutrientTargetSerializer(many=True)
    periods = TotalsPeriodSerializer(many=True)

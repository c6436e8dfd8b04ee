"""REST shapes for tracking. Validation of shape and scope here; rules in services."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from backend.serializers import ModelSerializer

from . import selectors
from .models import (
    MAX_SERVINGS,
    AdherenceSnapshot,
    Flag,
    Ingredient,
    IntakeLog,
    IntakeStatus,
    Nutrient,
    Product,
    Regimen,
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


class RegimenSerializer(ModelSerializer):
    product = MemberScopedField(selectors.products_for_member)
    servings_per_dose = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_SERVINGS,
        required=False,
    )
    times = serializers.ListField(child=serializers.CharField(max_length=5), required=False)
    weekdays = serializers.ListField(child=serializers.IntegerField(), required=False)
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
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


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

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action

from sync.admin_mixins import SyncableAdminMixin

from . import planning, services
from .dietitians import admin as dietitians_admin  # noqa: F401  (registers Client)
from .models import (
    AdherenceSnapshot,
    Flag,
    Ingredient,
    IntakeLog,
    MemberComputation,
    Nutrient,
    Product,
    ReferenceIntake,
    Regimen,
    RegimenSchedule,
)


@admin.register(Nutrient)
class NutrientAdmin(ModelAdmin):
    list_display = ["name", "code", "unit", "position"]
    ordering = ["position"]


class IngredientInline(TabularInline):
    model = Ingredient
    extra = 0
    autocomplete_fields: list[str] = []


@admin.register(Product)
class ProductAdmin(SyncableAdminMixin, ModelAdmin):
    list_display = ["name", "kind", "drug_class", "owner", "updated_at"]
    list_filter = ["kind", "drug_class", ("owner", admin.EmptyFieldListFilter)]
    search_fields = ["name", "brand", "owner__email"]
    list_select_related = ["owner"]
    inlines = [IngredientInline]
    readonly_fields = ["server_version", "deleted_at", "created_at", "updated_at"]
    raw_id_fields = ["owner"]


class RegimenScheduleInline(TabularInline):
    model = RegimenSchedule
    extra = 0
    can_delete = False
    fields = ["effective_from", "schedule_kind", "times", "weekdays", "day_of_month"]
    readonly_fields = fields
    verbose_name_plural = "Schedule history"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


PLAN_FIELDS = {
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
}


class RegimenAdminForm(forms.ModelForm):
    """The plan-time checks REST and sync run: a change bringing a critical finding is saved
    only once confirmed, and the confirmation is kept on the plan as it would be by the app."""

    confirm_findings = forms.BooleanField(
        required=False,
        label="Save despite the critical findings named above (the member confirmed them)",
    )

    class Meta:
        model = Regimen
        fields = ["member", *sorted(PLAN_FIELDS)]

    def clean(self):
        data = super().clean()
        if self.errors or data.get("member") is None:
            return data
        fields = {k: v for k, v in data.items() if k in PLAN_FIELDS}
        existing = self.instance if self.instance.pk else None
        try:
            candidate = services.candidate_regimen(data["member"], existing, fields)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None
        missing = planning.unconfirmed(candidate)
        if missing and not data.get("confirm_findings"):
            raise forms.ValidationError(
                [f"{f.title} ({f.source}). {f.explanation}" for f in missing]
                + ["Tick the confirmation below to save it as it is."]
            )
        codes = {f.code for f in missing}
        data["confirmed_findings"] = sorted({*(data.get("confirmed_findings") or []), *codes})
        return data


@admin.register(Regimen)
class RegimenAdmin(SyncableAdminMixin, ModelAdmin):
    form = RegimenAdminForm
    inlines = [RegimenScheduleInline]
    list_display = ["member", "product", "schedule_kind", "start_date", "end_date", "deleted_at"]
    list_filter = ["schedule_kind"]
    search_fields = ["member__email", "product__name"]
    list_select_related = ["member", "product"]
    readonly_fields = ["server_version", "deleted_at", "created_at", "updated_at"]
    raw_id_fields = ["member", "product"]

    def save_model(self, request, obj, form, change):
        # Through the services, as REST and sync: schedule history, reminders, recompute.
        services.save_regimen(obj)
        for finding in planning.about(obj, planning.findings(obj.member_id)):
            if finding.severity != "critical":
                messages.warning(request, f"{finding.title} ({finding.source})")

    def delete_model(self, request, obj):
        services.end_regimen(obj)


@admin.register(IntakeLog)
class IntakeLogAdmin(SyncableAdminMixin, ModelAdmin):
    list_display = ["member", "product", "status", "servings", "taken_at", "source", "deleted_at"]
    list_filter = ["status", "source"]
    search_fields = ["member__email", "product__name"]
    list_select_related = ["member", "product"]
    date_hierarchy = "taken_at"
    readonly_fields = ["server_version", "deleted_at", "created_at", "updated_at"]
    raw_id_fields = ["member", "regimen", "product"]


class ComputedAdmin(ModelAdmin):
    """Computed rows are read-only: the rules write them, people only look."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AdherenceSnapshot)
class AdherenceSnapshotAdmin(ComputedAdmin):
    list_display = [
        "member",
        "week_start",
        "regimen",
        "scheduled",
        "taken",
        "dose_taking_pct",
        "timing_pct",
        "pdc_pct",
        "streak_days",
    ]
    list_filter = ["week_start"]
    search_fields = ["member__email"]
    list_select_related = ["member", "regimen__product"]


@admin.register(Flag)
class FlagAdmin(ComputedAdmin):
    list_display = [
        "member",
        "code",
        "severity",
        "title",
        "first_seen_at",
        "resolved_at",
        "acknowledged_at",
    ]
    list_filter = ["severity", "code", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["member__email", "code", "title"]
    list_select_related = ["member"]
    actions = ["acknowledge"]

    @action(description="Acknowledge selected flags")
    def acknowledge(self, request, queryset):
        flags = list(queryset.filter(acknowledged_at__isnull=True))
        for flag in flags:
            services.acknowledge_flag(flag, request.user)
        self.message_user(request, f"Acknowledged {len(flags)} flags.", messages.SUCCESS)

    def has_change_permission(self, request, obj=None) -> bool:
        # Acknowledging is the one change allowed; the action needs change permission.
        return request.user.has_perm("tracking.change_flag")


@admin.register(ReferenceIntake)
class ReferenceIntakeAdmin(ComputedAdmin):
    list_display = ["nutrient", "kind", "sex", "condition", "age_from_months", "amount", "unit"]
    list_filter = ["version", "nutrient", "kind", "sex", "condition"]


@admin.register(MemberComputation)
class MemberComputationAdmin(ComputedAdmin):
    list_display = ["member", "computed_at", "runs"]
    search_fields = ["member__email"]
    list_select_related = ["member"]

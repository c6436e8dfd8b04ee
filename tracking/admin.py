from django.contrib import admin
from unfold.admin import ModelAdmin, TabularInline

from sync.admin_mixins import SyncableAdminMixin

from .models import Ingredient, IntakeLog, Nutrient, Product, Regimen


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


@admin.register(Regimen)
class RegimenAdmin(SyncableAdminMixin, ModelAdmin):
    list_display = ["member", "product", "schedule_kind", "start_date", "end_date", "deleted_at"]
    list_filter = ["schedule_kind"]
    search_fields = ["member__email", "product__name"]
    list_select_related = ["member", "product"]
    readonly_fields = ["server_version", "deleted_at", "created_at", "updated_at"]
    raw_id_fields = ["member", "product"]


@admin.register(IntakeLog)
class IntakeLogAdmin(SyncableAdminMixin, ModelAdmin):
    list_display = ["member", "product", "status", "servings", "taken_at", "source", "deleted_at"]
    list_filter = ["status", "source"]
    search_fields = ["member__email", "product__name"]
    list_select_related = ["member", "product"]
    date_hierarchy = "taken_at"
    readonly_fields = ["server_version", "deleted_at", "created_at", "updated_at"]
    raw_id_fields = ["member", "regimen", "product"]

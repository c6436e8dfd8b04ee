from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from .models import Flag, Product, Regimen


class ProductFilter(django_filters.FilterSet):
    mine = django_filters.BooleanFilter(
        method="filter_mine", label="Only my own products (true) or only the catalogue (false)"
    )

    class Meta:
        model = Product
        fields = ["kind", "drug_class", "drug"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(owner__isnull=not value)


class RegimenFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(method="filter_active", label="Running today")

    class Meta:
        model = Regimen
        fields = ["schedule_kind", "product"]

    def filter_active(self, queryset, name, value):
        today = timezone.localdate()
        running = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
        return queryset.filter(running) if value else queryset.exclude(running)


class FlagFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[("active", "Active"), ("resolved", "Resolved"), ("all", "All")],
        method="filter_status",
        empty_label=None,
        label="active (default), resolved or all",
    )

    class Meta:
        model = Flag
        fields = ["severity", "code"]

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(resolved_at__isnull=True)
        return super().filter_queryset(queryset)

    def filter_status(self, queryset, name, value):
        if value == "active":
            return queryset.filter(resolved_at__isnull=True)
        if value == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset

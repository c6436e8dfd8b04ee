from django.contrib import admin
from unfold.admin import ModelAdmin

from .models import SyncClock


@admin.register(SyncClock)
class SyncClockAdmin(ModelAdmin):
    list_display = ["member", "value"]
    search_fields = ["member__email"]
    readonly_fields = ["member", "value"]

    def has_add_permission(self, request):
        return False

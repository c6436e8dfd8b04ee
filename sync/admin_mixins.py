"""Admin writes follow the same rules as API writes: stamp the clock, delete by tombstone."""

from __future__ import annotations

from django.utils import timezone

from .clock import stamp


class SyncableAdminMixin:
    def save_model(self, request, obj, form, change):
        # The admin wraps each change form in a transaction, so the clock tick commits
        # together with the row.
        stamp(obj)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        obj.deleted_at = timezone.now()
        stamp(obj)
        obj.save(update_fields=["deleted_at", "server_version", "updated_at"])

    def get_actions(self, request):
        actions = super().get_actions(request)
        # A bulk delete would remove rows outright and leave devices holding ghosts.
        actions.pop("delete_selected", None)
        return actions

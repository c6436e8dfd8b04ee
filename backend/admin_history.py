"""Admin history pages must not tell staff whether an id exists.

Django's ModelAdmin.history_view looks the object up before it checks the view
permission, so staff without it (a dietitian, staff in no role) got 403 for an id that
exists and a redirect for one that does not — on tables with integer ids that also told
row counts. Checking the model-level permission first gives both the same 403. Applied to
every registered admin (ours and third-party ones) once autodiscovery has run.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied


def guard_history_views(site: admin.AdminSite = admin.site) -> None:
    for model_admin in site._registry.values():
        _guard(model_admin)


def _guard(model_admin: admin.ModelAdmin) -> None:
    looks_up_first = model_admin.history_view

    def history_view(request, object_id, extra_context=None):
        if not model_admin.has_view_or_change_permission(request):
            raise PermissionDenied
        return looks_up_first(request, object_id, extra_context)

    # The admin's URLs are built later (admin.site.urls), from this bound attribute.
    model_admin.history_view = history_view

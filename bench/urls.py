"""The application's URLs plus a bare Django view: the framework floor to compare against."""

from django.http import JsonResponse
from django.urls import include, path

from backend.urls import handler400, handler403, handler404, handler500  # noqa: F401

FLOOR_BODY = {"status": "ok", "service": "ossa", "version": 1}


def floor(request):
    """No DRF, no authentication, no database: what any Django view here costs at least."""
    return JsonResponse(FLOOR_BODY)


urlpatterns = [
    path("bench/floor", floor, name="bench-floor"),
    path("", include("backend.urls")),
]

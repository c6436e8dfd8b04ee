"""The application's URLs plus a bare Django view: the framework floor to compare against."""

from django.http import JsonResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.urls import handler400, handler403, handler404, handler500  # noqa: F401

FLOOR_BODY = {"status": "ok", "service": "ossa", "version": 1}


def floor(request):
    """No DRF, no authentication, no database: what any Django view here costs at least."""
    return JsonResponse(FLOOR_BODY)


class AuthenticatedFloor(APIView):
    """The API's authentication and no other work: what any member's request costs at
    least (JWT, the session query that makes signing out immediate, DRF dispatch)."""

    def get(self, request):
        return Response(FLOOR_BODY)


urlpatterns = [
    path("bench/floor", floor, name="bench-floor"),
    path("bench/floor/authenticated", AuthenticatedFloor.as_view(), name="bench-auth-floor"),
    path("", include("backend.urls")),
]

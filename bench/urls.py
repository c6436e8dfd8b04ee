"""The application's URLs plus the benchmark's own views, never served by the product: two
floors to compare against (a bare Django view, and the API's authentication with no other
work) and a textbook-DRF peer of the intake list."""

from django.http import JsonResponse
from django.urls import include, path
from rest_framework import serializers, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from backend.urls import handler400, handler403, handler404, handler500  # noqa: F401
from tracking.models import IntakeLog

FLOOR_BODY = {"status": "ok", "service": "ossa", "version": 1}


def floor(request):
    """No DRF, no authentication, no database: what any Django view here costs at least."""
    return JsonResponse(FLOOR_BODY)


class AuthenticatedFloor(APIView):
    """The API's authentication and no other work: what any member's request costs at
    least (JWT, the session query that makes signing out immediate, DRF dispatch)."""

    def get(self, request):
        return Response(FLOOR_BODY)


# --- The textbook peer of GET /api/v1/intakes -----------------------------------------
# The intake list as the DRF tutorial would write it, to hold the product's list against:
# a plain ModelSerializer, DRF's own JSON renderer and cursor pagination, simplejwt's stock
# authentication (a user query, no session check), the queryset scoped to the caller.
class TextbookIntakeSerializer(serializers.ModelSerializer):
    class Meta:
        model = IntakeLog
        fields = list(IntakeLog.SHOWN_FIELDS)


class TextbookCursorPagination(CursorPagination):
    ordering = "-taken_at"
    page_size = 50


class TextbookIntakeViewSet(viewsets.ModelViewSet):
    serializer_class = TextbookIntakeSerializer
    pagination_class = TextbookCursorPagination
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]

    def get_queryset(self):
        return IntakeLog.objects.filter(member=self.request.user, deleted_at__isnull=True)


urlpatterns = [
    path("bench/floor", floor, name="bench-floor"),
    path("bench/floor/authenticated", AuthenticatedFloor.as_view(), name="bench-auth-floor"),
    path(
        "bench/textbook/intakes",
        TextbookIntakeViewSet.as_view({"get": "list"}),
        name="bench-textbook-intakes",
    ),
    path("", include("backend.urls")),
]

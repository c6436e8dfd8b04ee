from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import (
    ErrorResponse401Serializer,
    ValidationErrorResponseSerializer,
)
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from . import care, data_export, deletion, selectors, serializers, services
from .models import AccessLog, CareLink, LoginSession


def _session_response(user, request, device_name: str, status_code: int) -> Response:
    session = services.start_session(
        user, device_name=device_name, user_agent=request.headers.get("User-Agent", "")
    )
    body = {**services.issue_tokens(session), "session": str(session.id)}
    return Response(body, status=status_code)


class RegisterView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=serializers.RegisterSerializer, responses={201: serializers.TokenPairSerializer}
    )
    def post(self, request):
        data = serializers.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        user = services.register_member(
            email=fields["email"],
            password=fields["password"],
            display_name=fields["display_name"],
            timezone_name=fields["timezone"],
        )
        return _session_response(user, request, fields["device_name"], status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=serializers.LoginSerializer, responses={200: serializers.TokenPairSerializer}
    )
    def post(self, request):
        data = serializers.LoginSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        return _session_response(fields["user"], request, fields["device_name"], status.HTTP_200_OK)


class RefreshView(TokenRefreshView):
    serializer_class = serializers.RefreshSerializer


class LogoutView(APIView):
    """Sign this device out: the refresh token is blacklisted and its session ends."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=serializers.LogoutSerializer, responses={204: None})
    def post(self, request):
        data = serializers.LogoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = RefreshToken(data.validated_data["refresh"])
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        token.blacklist()
        LoginSession.objects.filter(id=token.get("sid")).update(revoked_at=token.current_time)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LoginSessionViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The member's signed-in devices; deleting one signs that device out at once."""

    serializer_class = serializers.LoginSessionSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LoginSession.objects.none()
        return LoginSession.objects.filter(user=self.request.user, revoked_at__isnull=True)

    def perform_destroy(self, instance):
        services.revoke_session(instance)


class MeView(generics.RetrieveUpdateAPIView):
    serializer_class = serializers.UserSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user


class ProfileView(generics.RetrieveUpdateAPIView):
    serializer_class = serializers.ProfileSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user.profile

    def perform_update(self, serializer):
        services.update_profile(serializer.instance, serializer.validated_data)


class CareLinkViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Who may follow the member: invite by share code or e-mail, list, revoke (DELETE)."""

    serializer_class = serializers.CareLinkSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CareLink.objects.none()
        return selectors.care_links_for(self.request.user)

    @extend_schema(
        request=serializers.CareInviteSerializer,
        responses={201: serializers.CareLinkCreatedSerializer},
    )
    def create(self, request, *args, **kwargs):
        invite = serializers.CareInviteSerializer(data=request.data)
        invite.is_valid(raise_exception=True)
        if invite.validated_data["method"] == "code":
            link, code = care.create_share_code(request.user)
            link.code = code
        else:
            link = care.invite_by_email(request.user, invite.validated_data["email"])
            link.code = None
        body = serializers.CareLinkCreatedSerializer(link).data
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        link = care.revoke(self.get_object())
        return Response(serializers.CareLinkSerializer(link).data)


class AccessLogView(generics.ListAPIView):
    """Every time a dietitian viewed or exported the member's data."""

    serializer_class = serializers.AccessLogSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccessLog.objects.none()
        return selectors.access_log_for(self.request.user)


# --- Data rights: export and account deletion ----------------------------------------
class ExportFormatNegotiation(DefaultContentNegotiation):
    """On the export, ?format= names the export (json, csv, fhir), not a DRF renderer: the
    view picks the content type itself, and errors are rendered as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


EXPORT_FILES = (
    'An attachment named "ossa-export-YYYY-MM-DD" plus the extension of its format: '
    ".json for format=json (one document), .zip for format=csv (one UTF-8 CSV file with a "
    'header row per table), .fhir.json for format=fhir (a FHIR R4 Bundle of type "collection" '
    "with a Patient and MedicationStatements)."
)
NOT_SIGNED_IN = OpenApiResponse(ErrorResponse401Serializer, description="Not signed in.")


class DataExportView(APIView):
    """Download everything Ossa holds about you: JSON (default), a zip of CSV files or a
    FHIR R4 Bundle. Recorded in your access log. Dietitians' private notes are theirs and
    not included (see accounts.data_export)."""

    content_negotiation_class = ExportFormatNegotiation

    @extend_schema(
        parameters=[serializers.ExportQuerySerializer],
        responses={
            (200, "application/json"): OpenApiResponse(
                serializers.DataExportSerializer, description=EXPORT_FILES
            ),
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, EXPORT_FILES),
            (200, "application/fhir+json"): OpenApiResponse(OpenApiTypes.OBJECT, EXPORT_FILES),
            400: OpenApiResponse(
                ValidationErrorResponseSerializer, description="Unknown format (attr: format)."
            ),
            401: NOT_SIGNED_IN,
        },
    )
    def get(self, request):
        query = serializers.ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        export = data_export.export_for(request.user, query.validated_data["format"])
        response = HttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response


class AccountDeletionView(APIView):
    """Delete your account after a grace period: POST with your password schedules it
    (dietitians lose access at once, other devices are signed out, reminders stop), GET
    shows the schedule, DELETE cancels it."""

    @extend_schema(responses={200: serializers.DeletionStatusSerializer, 401: NOT_SIGNED_IN})
    def get(self, request):
        return self._status(request.user, status.HTTP_200_OK)

    @extend_schema(
        request=serializers.DeletionRequestSerializer,
        responses={
            202: OpenApiResponse(
                serializers.DeletionStatusSerializer, description="Deletion scheduled."
            ),
            200: OpenApiResponse(
                serializers.DeletionStatusSerializer,
                description="Already scheduled: the existing schedule, unchanged.",
            ),
            400: OpenApiResponse(
                ValidationErrorResponseSerializer,
                description="Wrong password (attr: password, code: wrong_password).",
            ),
            401: NOT_SIGNED_IN,
        },
    )
    def post(self, request):
        body = serializers.DeletionRequestSerializer(
            data=request.data, context={"request": request}
        )
        body.is_valid(raise_exception=True)
        _, created = deletion.request_deletion(
            request.user, keep_session_id=getattr(request.user, "login_session_id", None)
        )
        return self._status(
            request.user, status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        )

    @extend_schema(
        responses={
            204: OpenApiResponse(description="Cancelled (or nothing was scheduled)."),
            401: NOT_SIGNED_IN,
        }
    )
    def delete(self, request):
        deletion.cancel_deletion(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _status(self, user, status_code: int) -> Response:
        body = serializers.DeletionStatusSerializer(deletion.schedule_of(user)).data
        return Response(body, status=status_code)

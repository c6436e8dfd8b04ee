from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse429Serializer
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from backend import errors, throttling

from . import care, data_export, deletion, selectors, serializers, services, throttles
from .models import AccessLog, CareLink, LoginSession

THROTTLED = OpenApiResponse(
    ErrorResponse429Serializer,
    description='Too many attempts (code "throttled"): wait the seconds in Retry-After.',
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds until the limit resets.",
)


def _session_response(user, request, device_name: str, status_code: int) -> Response:
    session = services.start_session(
        user, device_name=device_name, user_agent=request.headers.get("User-Agent", "")
    )
    body = {**services.issue_tokens(session), "session": str(session.id)}
    return Response(body, status=status_code)


class RegisterView(APIView):
    """Create a member account and sign this device in. Limited per client address
    (THROTTLE_REGISTER_IP)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=serializers.RegisterSerializer,
        responses={201: serializers.TokenPairSerializer, 429: THROTTLED},
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        throttling.attempt(throttles.registration(request))
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
    """Sign in with e-mail and password. Limited per client address (every attempt) and
    per account (failed attempts only), see SECURITY.md."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=serializers.LoginSerializer,
        responses={200: serializers.TokenPairSerializer, 429: THROTTLED},
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        attempt = throttling.attempt(
            throttles.password_check(request, throttles.email_in(request.data))
        )
        data = serializers.LoginSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        attempt.succeeded()
        fields = data.validated_data
        return _session_response(fields["user"], request, fields["device_name"], status.HTTP_200_OK)


class BearerChallengeMixin:
    """401 (not 403) for token errors on views that authenticate nobody."""

    def get_authenticate_header(self, request) -> str:
        return f'{jwt_settings.AUTH_HEADER_TYPES[0]} realm="api"'


class RefreshView(BearerChallengeMixin, APIView):
    """Exchange a refresh token for a new access and refresh token. Each refresh token works
    once: presenting a used one again ends its whole session (every token of that sign-in,
    on every device holding one) with 401 refresh_token_reused."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=serializers.RefreshRequestSerializer,
        responses={
            200: serializers.RefreshResponseSerializer,
            401: OpenApiResponse(
                errors.ErrorResponse401Serializer,
                description="token_not_valid (bad or expired token), session_revoked (the "
                "session has ended) or refresh_token_reused (the token was already used; "
                "its session is now ended).",
            ),
            429: THROTTLED,
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        attempt = throttling.attempt(throttles.refresh_from(request))
        body = serializers.RefreshRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token = services.read_refresh_token(body.validated_data["refresh"])
        throttling.attempt(throttles.refresh_of(token["user_id"]))
        tokens = services.rotate_refresh_token(token)
        attempt.succeeded()
        return Response(tokens)


class PasswordChangeView(APIView):
    """Change your password. Every other device is signed out at once; this one stays
    signed in with the tokens it has. Limited like signing in."""

    @extend_schema(
        request=serializers.PasswordChangeSerializer,
        responses={
            204: OpenApiResponse(description="Changed; other devices are signed out."),
            400: OpenApiResponse(
                errors.ErrorResponse400Serializer,
                description="current_password wrong (code wrong_password), or new_password "
                "refused by the password rules (e.g. password_too_short, "
                "password_too_common).",
            ),
            429: THROTTLED,
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        user = request.user
        attempt = throttling.attempt(throttles.password_check(request, user.email))
        body = serializers.PasswordChangeSerializer(data=request.data, context={"request": request})
        if not body.is_valid():
            if "current_password" not in body.errors:
                attempt.succeeded()  # the password was right; only the new one was refused
            raise ValidationError(body.errors)
        attempt.succeeded()
        session_id = getattr(user, "login_session_id", None)
        services.change_password(
            user, body.validated_data["new_password"], keep_session_id=session_id
        )
        if session_id is None:
            # Signed in with the admin's cookie: keep this browser signed in.
            update_session_auth_hash(request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutView(BearerChallengeMixin, APIView):
    """Sign this device out: its session ends, with every token issued to it. Any refresh
    token of the session will do, even one already used."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=serializers.LogoutSerializer,
        responses={
            204: None,
            401: OpenApiResponse(
                errors.ErrorResponse401Serializer,
                description="token_not_valid: not a refresh token of ours, or expired.",
            ),
        },
    )
    def post(self, request):
        data = serializers.LogoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = services.read_refresh_token(data.validated_data["refresh"])
        services.log_out(token)
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

    @extend_schema(responses={200: serializers.CareLinkSerializer})
    def destroy(self, request, *args, **kwargs):
        """Revoke: the link, now revoked (revoking it again changes nothing)."""
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
NOT_SIGNED_IN = OpenApiResponse(errors.ErrorResponse401Serializer, description="Not signed in.")


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
                errors.ErrorResponse400Serializer, description="Unknown format (attr: format)."
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
                errors.ErrorResponse400Serializer,
                description="Wrong password (attr: password, code: wrong_password).",
            ),
            401: NOT_SIGNED_IN,
            429: THROTTLED,
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        attempt = throttling.attempt(throttles.password_check(request, request.user.email))
        body = serializers.DeletionRequestSerializer(
            data=request.data, context={"request": request}
        )
        body.is_valid(raise_exception=True)
        attempt.succeeded()
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

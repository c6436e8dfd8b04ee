from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from . import serializers, services
from .models import LoginSession


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

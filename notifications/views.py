from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as account_services
from accounts.models import User
from backend.errors import Conflict

from . import dose_reminders, selectors, serializers, services
from .unsubscribe import member_id_from


class PushSubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """This member's Web Push devices. Registering an endpoint again refreshes its keys."""

    serializer_class = serializers.PushSubscriptionSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.PushSubscription.objects.none()
        return selectors.push_subscriptions_for(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "allow_http": settings.DEBUG}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device, created = services.register_push_subscription(
            request.user, serializer.validated_data
        )
        body = self.get_serializer(device).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def perform_destroy(self, instance):
        services.remove_push_subscription(instance)


class VapidKeyView(APIView):
    """The server's VAPID public key, for PushManager.subscribe(applicationServerKey)."""

    @extend_schema(responses=serializers.VapidKeySerializer)
    def get(self, request):
        return Response({"public_key": settings.VAPID_PUBLIC_KEY})


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The member's inbox (also synced to the app)."""

    serializer_class = serializers.NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.Notification.objects.none()
        return selectors.inbox_for(self.request.user)

    @extend_schema(request=None, responses=serializers.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        if notification.read_at is None:
            services.mark_read(notification)
        return Response(self.get_serializer(notification).data)


class DoseReminderViewSet(viewsets.ReadOnlyModelViewSet):
    """The member's dose reminders, newest dose first (also synced to the app); snooze one
    from Today or from the notification."""

    serializer_class = serializers.DoseReminderSerializer
    filterset_fields = ["regimen", "state"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.DoseReminder.objects.none()
        return selectors.dose_reminders_for(self.request.user)

    @extend_schema(
        request=serializers.SnoozeSerializer, responses=serializers.DoseReminderSerializer
    )
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        reminder = self.get_object()
        asked = serializers.SnoozeSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            reminder = dose_reminders.snooze(reminder, timezone.now(), **asked.validated_data)
        except dose_reminders.SnoozeRefused as refused:
            raise Conflict(str(refused), code="snooze_refused") from refused
        return Response(self.get_serializer(reminder).data)


@method_decorator(csrf_exempt, name="dispatch")  # the signed token in the URL authenticates
class UnsubscribeView(View):
    """GET asks to confirm; POST (the button, or a mail client's RFC 8058 one-click POST)
    turns reminder e-mails off. No sign-in needed; the link is signed and expires."""

    def get(self, request, token: str):
        member = self._member(token)
        if member is None:
            return render(
                request, "notifications/unsubscribe.html", {"state": "invalid"}, status=400
            )
        context = {"state": "confirm", "email": member.email}
        return render(request, "notifications/unsubscribe.html", context)

    def post(self, request, token: str):
        member = self._member(token)
        if member is None:
            return render(
                request, "notifications/unsubscribe.html", {"state": "invalid"}, status=400
            )
        account_services.update_profile(member.profile, {"remind_by_email": False})
        return render(
            request, "notifications/unsubscribe.html", {"state": "done", "email": member.email}
        )

    def _member(self, token: str) -> User | None:
        try:
            member_id = member_id_from(token)
        except signing.BadSignature:
            return None
        return User.objects.filter(id=member_id, is_active=True).select_related("profile").first()


def _page(request, state: str, status: int = 200, email: str = ""):
    context = {"state": state, "email": email}
    return render(request, "notifications/unsubscribe.html", context, status=status)

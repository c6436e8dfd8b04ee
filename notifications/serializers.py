from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric import ec
from rest_framework import serializers

from .dose_reminders import SNOOZE_MINUTES
from .models import DoseReminder, Notification, PushSubscription


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=60)

    # Keys the push encryption cannot use would fail every send; refuse them up front.
    def validate_p256dh(self, value: str) -> str:
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _decoded(value))
        except ValueError as exc:
            raise serializers.ValidationError(
                "p256dh must be the browser's P-256 public key, URL-safe base64."
            ) from exc
        return value

    def validate_auth(self, value: str) -> str:
        try:
            secret = _decoded(value)
        except ValueError as exc:
            raise serializers.ValidationError("auth must be URL-safe base64.") from exc
        if len(secret) != 16:
            raise serializers.ValidationError("auth must be the browser's 16-byte secret.")
        return value


def _decoded(value: str) -> bytes:
    """URL-safe base64 with or without padding, as browsers and pywebpush write it."""
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


class PushSubscriptionSerializer(serializers.ModelSerializer):
    """The browser's PushSubscription.toJSON(): {endpoint, keys: {p256dh, auth}}."""

    keys = PushKeysSerializer(write_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = PushSubscription
        fields = ["id", "endpoint", "keys", "user_agent", "active", "created_at"]
        read_only_fields = ["id", "active", "created_at"]
        extra_kwargs = {"endpoint": {"validators": []}}

    def validate_endpoint(self, value: str) -> str:
        if not value.startswith("https://") and not self.context.get("allow_http"):
            raise serializers.ValidationError("A push endpoint must be an https:// URL.")
        return value


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "period", "title", "body", "data", "read_at", "created_at"]
        read_only_fields = fields


class DoseReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = DoseReminder
        fields = [
            "id",
            "regimen",
            "due_at",
            "state",
            "snoozed_until",
            "next_at",
            "sends",
            "follow_up_sent",
            "late",
        ]
        read_only_fields = fields


class SnoozeSerializer(serializers.Serializer):
    minutes = serializers.ChoiceField(choices=SNOOZE_MINUTES, required=False)
    next_meal = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if bool(attrs.get("minutes")) == bool(attrs["next_meal"]):
            raise serializers.ValidationError(
                {"minutes": ["Give minutes (10, 30 or 60) or next_meal: true, not both."]},
                code="required",
            )
        return attrs


class VapidKeySerializer(serializers.Serializer):
    public_key = serializers.CharField()

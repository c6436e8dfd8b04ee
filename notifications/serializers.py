from __future__ import annotations

from rest_framework import serializers

from .models import Notification, PushSubscription


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=60)


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


class VapidKeySerializer(serializers.Serializer):
    public_key = serializers.CharField()

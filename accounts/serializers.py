from __future__ import annotations

from django.contrib.auth import authenticate, password_validation
from rest_framework import serializers

from backend.serializers import ModelSerializer

from . import data_export
from .models import AccessLog, CareLink, LoginSession, Profile, User
from .timezones import validate_timezone


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "date_joined", "last_activity_at"]
        read_only_fields = ["id", "email", "date_joined", "last_activity_at"]


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )
    display_name = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )
    timezone = serializers.CharField(max_length=64, required=False, default="UTC")
    device_name = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )

    def validate_email(self, value: str) -> str:
        value = value.strip().lower()
        if User.objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError(
                "An account with this e-mail address already exists.", code="email_taken"
            )
        return value

    def validate_timezone(self, value: str) -> str:
        validate_timezone(value)
        return value

    def validate(self, attrs):
        password_validation.validate_password(attrs["password"], User(email=attrs["email"]))
        return attrs


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )
    device_name = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs):
        user = authenticate(
            self.context.get("request"),
            email=attrs["email"].strip().lower(),
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                "E-mail address or password is wrong.", code="invalid_credentials"
            )
        attrs["user"] = user
        return attrs


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    session = serializers.UUIDField()


class RefreshRequestSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class RefreshResponseSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(help_text="The new refresh token; the one sent is used up.")


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )
    new_password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )

    def validate_current_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError("The password is not correct.", code="wrong_password")
        return value

    def validate_new_password(self, value: str) -> str:
        # Django's validators; their messages and codes arrive under attr "new_password".
        password_validation.validate_password(value, self.context["request"].user)
        return value


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class LoginSessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = LoginSession
        fields = ["id", "device_name", "user_agent", "created_at", "last_used_at", "current"]

    def get_current(self, session: LoginSession) -> bool:
        request = self.context.get("request")
        return getattr(request.user, "login_session_id", None) == session.id


class ProfileSerializer(ModelSerializer):
    age = serializers.SerializerMethodField()

    class Meta:
        model = Profile
        fields = [
            "date_of_birth",
            "age",
            "sex",
            "menopause_status",
            "final_period_date",
            "pregnant",
            "lactating",
            "weight_kg",
            "timezone",
            "units",
            "reminder_weekday",
            "reminder_time",
            "remind_in_app",
            "remind_by_push",
            "remind_by_email",
            "quiet_hours_start",
            "quiet_hours_end",
            "wake_time",
            "breakfast_time",
            "lunch_time",
            "dinner_time",
            "bed_time",
            "follow_up_minutes",
            "reminder_zone",
            "phone_timezone",
            "dose_reminders_by_email",
            "updated_at",
        ]
        read_only_fields = ["age", "updated_at"]

    def get_age(self, profile: Profile) -> int | None:
        return profile.age


class CareLinkSerializer(serializers.ModelSerializer):
    dietitian = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True)
    invited_email = serializers.CharField(
        read_only=True, help_text="The address invited by e-mail; empty for a share code."
    )

    class Meta:
        model = CareLink
        fields = [
            "id",
            "status",
            "dietitian",
            "invited_email",
            "scopes",
            "created_at",
            "expires_at",
            "granted_at",
            "revoked_at",
        ]
        read_only_fields = fields

    def get_dietitian(self, link: CareLink) -> dict | None:
        if link.dietitian is None:
            return None
        return {"name": link.dietitian.display_name, "email": link.dietitian.email}


class CareInviteSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=["code", "email"])
    email = serializers.EmailField(required=False)

    def validate(self, attrs):
        if attrs["method"] == "email" and not attrs.get("email"):
            raise serializers.ValidationError({"email": ["Give the dietitian's e-mail address."]})
        return attrs


class CareLinkCreatedSerializer(CareLinkSerializer):
    code = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The share code, shown once: share it with them. Null for an e-mail invite.",
    )

    class Meta(CareLinkSerializer.Meta):
        fields = [*CareLinkSerializer.Meta.fields, "code"]
        read_only_fields = fields


class AccessLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessLog
        fields = ["id", "actor_name", "action", "detail", "at"]
        read_only_fields = fields


# --- Data rights: export and account deletion ----------------------------------------
class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=data_export.format_names(),
        default="json",
        help_text="json: one document; csv: a zip of one CSV per table; fhir: a FHIR R4 Bundle.",
    )


def _export_document_fields() -> dict[str, serializers.Field]:
    """The JSON export's shape for the schema, from the same table list that builds it."""
    nested: dict[str, list[str]] = {}
    for table in data_export.tables():
        if table.nested_in is not None:
            nested.setdefault(table.nested_in[0], []).append(table.nested_as)
    fields: dict[str, serializers.Field] = {
        "format": serializers.CharField(help_text='Always "ossa-export".'),
        "format_version": serializers.IntegerField(),
        "exported_at": serializers.DateTimeField(),
    }
    for table in data_export.tables():
        if table.nested_in is not None:
            continue
        columns = [*table.columns, *nested.get(table.name, [])]
        help_text = f"{table.description} Fields: {', '.join(columns)}."
        if table.single:
            fields[table.name] = serializers.DictField(help_text=help_text, allow_null=True)
        else:
            fields[table.name] = serializers.ListField(
                child=serializers.DictField(), help_text=help_text
            )
    return fields


DataExportSerializer = type(
    "DataExportSerializer", (serializers.Serializer,), _export_document_fields()
)


class DeletionRequestSerializer(serializers.Serializer):
    password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )

    def validate_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError("The password is not correct.", code="wrong_password")
        return value


class DeletionStatusSerializer(serializers.Serializer):
    scheduled_for = serializers.DateTimeField(
        allow_null=True, help_text="When the account will be deleted; null when not scheduled."
    )
    grace_days = serializers.IntegerField(
        help_text="Days between asking and deletion, during which it can be cancelled."
    )

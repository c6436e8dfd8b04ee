import logging

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.contrib.auth.forms import UserCreationForm as BaseUserCreationForm
from django.contrib.auth.views import PasswordChangeView
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist import admin as token_admin
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from unfold.admin import ModelAdmin, StackedInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from sync.admin_mixins import SyncableAdminMixin

from . import services
from .forms import ThrottledAdminLoginForm, ThrottledOwnPasswordChangeForm
from .models import AccessLog, CareLink, LoginSession, Profile, User

logger = logging.getLogger(__name__)

# The admin's sign-in is a password check like the API's: rate-limited the same way.
admin.site.login_form = ThrottledAdminLoginForm


class OwnPasswordChangeView(PasswordChangeView):
    form_class = ThrottledOwnPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


def own_password_change(request, extra_context=None):
    """The site's password_change (unfold's) with the rate-limited form: the site names
    its form inside the method, so the bound method is replaced, before its URLs exist."""
    site = admin.site
    request.current_app = site.name
    return OwnPasswordChangeView.as_view(
        success_url=reverse("admin:password_change_done", current_app=site.name),
        extra_context={**site.each_context(request), **(extra_context or {})},
    )(request)


admin.site.password_change = own_password_change


class MemberCreationForm(UserCreationForm):
    class Meta(BaseUserCreationForm.Meta):
        model = User
        fields = ("email",)


class MemberChangeForm(UserChangeForm):
    class Meta(BaseUserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes: dict[str, type[forms.Field]] = {}


class MemberPasswordForm(AdminPasswordChangeForm):
    """An operator setting (or disabling) a member's password signs out all their devices
    at once, as changing it in the app does: a reset after a break-in ends the intruder's
    sessions too."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            ended = services.end_sessions(user)
            logger.info("operator set user %s's password; %d sessions ended", user.pk, ended)
        return user


class ProfileInline(SyncableAdminMixin, StackedInline):
    model = Profile
    can_delete = False
    extra = 0
    exclude = ["deleted_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = MemberChangeForm
    add_form = MemberCreationForm
    change_password_form = MemberPasswordForm
    list_display = ["email", "display_name", "is_staff", "is_active", "last_activity_at"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "display_name"]
    ordering = ["email"]
    readonly_fields = ["last_login", "date_joined", "last_activity_at"]
    fieldsets = (
        (None, {"fields": ("email", "password", "display_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined", "last_activity_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_inlines(self, request, obj):
        return [ProfileInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            services.create_member_records(obj)


@admin.register(LoginSession)
class LoginSessionAdmin(ModelAdmin):
    list_display = ["user", "device_name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__email", "device_name"]
    list_select_related = ["user"]
    readonly_fields = ["user", "device_name", "user_agent", "created_at", "last_used_at"]
    actions = ["revoke"]

    @admin.action(description="Sign these devices out")
    def revoke(self, request, queryset):
        for session in queryset:
            services.revoke_session(session)


class OperatorsOnlyAdmin(ModelAdmin):
    """Consent and its audit trail: operators look, nobody edits by hand."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CareLink)
class CareLinkAdmin(OperatorsOnlyAdmin):
    list_display = ["member", "dietitian", "invited_email", "status", "granted_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["member__email", "dietitian__email", "invited_email"]
    list_select_related = ["member", "dietitian"]
    exclude = ["code_digest"]


@admin.register(AccessLog)
class AccessLogAdmin(OperatorsOnlyAdmin):
    list_display = ["at", "actor_name", "action", "member", "detail"]
    list_filter = ["action"]
    search_fields = ["member__email", "actor_name"]
    list_select_related = ["member"]
    date_hierarchy = "at"


class OutstandingTokenAdmin(token_admin.OutstandingTokenAdmin):
    """simplejwt's list of issued refresh tokens, without the tokens themselves: each is a
    bearer credential for JWT_REFRESH_DAYS, and nobody needs to read one off a page."""

    exclude = ["token"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [name for name in super().get_readonly_fields(request, obj) if name != "token"]


admin.site.unregister(OutstandingToken)
admin.site.register(OutstandingToken, OutstandingTokenAdmin)

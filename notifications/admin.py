from django.contrib import admin
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from unfold.admin import ModelAdmin, TabularInline

from .models import Delivery, Notification, PushSubscription


class DeliveryInline(TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "status", "attempts", "last_error", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ModelAdmin):
    list_display = ["member", "kind", "period", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["member__email", "period", "title"]
    list_select_related = ["member"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    inlines = [DeliveryInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ModelAdmin):
    list_display = ["notification", "channel", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["channel", "status"]
    search_fields = ["notification__member__email"]
    list_select_related = ["notification__member"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ModelAdmin):
    list_display = ["member", "user_agent", "created_at", "deactivated_at", "last_error"]
    list_filter = [("deactivated_at", admin.EmptyFieldListFilter)]
    search_fields = ["member__email", "endpoint"]
    list_select_related = ["member"]
    # The device's encryption keys stay out of sight, as in the member's own export.
    readonly_fields = ["member", "endpoint", "created_at"]
    exclude = ["p256dh", "auth"]


# Operators edit the beat schedules in the same unfold look as everything else.
# django-celery-beat's periodic task form template only adds an inline script (refused by
# the admin's Content-Security-Policy, backend/security.py) that writes a crontab's plain
# words into a help element unfold does not render: the standard form is used instead.
for model, base, attrs in (
    (PeriodicTask, beat_admin.PeriodicTaskAdmin, {"change_form_template": None}),
    (IntervalSchedule, beat_admin.IntervalScheduleAdmin, {}),
    (CrontabSchedule, beat_admin.CrontabScheduleAdmin, {}),
    (SolarSchedule, beat_admin.SolarScheduleAdmin, {}),
    (ClockedSchedule, beat_admin.ClockedScheduleAdmin, {}),
):
    admin.site.unregister(model)
    admin.site.register(model, type(f"{model.__name__}Admin", (base, ModelAdmin), attrs))

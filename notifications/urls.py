from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("push-subscriptions", views.PushSubscriptionViewSet, basename="push-subscription")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("dose-reminders", views.DoseReminderViewSet, basename="dose-reminder")

urlpatterns = [
    path("push/vapid-public-key", views.VapidKeyView.as_view(), name="vapid-public-key"),
    *router.urls,
]

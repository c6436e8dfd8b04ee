from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("auth/sessions", views.LoginSessionViewSet, basename="session")
router.register("care-links", views.CareLinkViewSet, basename="care-link")

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="register"),
    path("auth/token", views.LoginView.as_view(), name="token"),
    path("auth/token/refresh", views.RefreshView.as_view(), name="token-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="logout"),
    path("auth/password", views.PasswordChangeView.as_view(), name="password-change"),
    path("me", views.MeView.as_view(), name="me"),
    path("profile", views.ProfileView.as_view(), name="profile"),
    path("access-log", views.AccessLogView.as_view(), name="access-log"),
    path("me/export", views.DataExportView.as_view(), name="me-export"),
    path("me/deletion", views.AccountDeletionView.as_view(), name="me-deletion"),
    *router.urls,
]

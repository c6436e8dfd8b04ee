from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from health_check.views import HealthCheckView

from notifications.views import UnsubscribeView

from .health import HEALTH_CHECKS

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("tracking.urls")),
    path("", include("syncapi.urls")),
    path("", include("notifications.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # GET only: DRF's OPTIONS metadata has no template in the Swagger view (a 500).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", http_method_names=["get", "head"]),
        name="docs",
    ),
    path("unsubscribe/<str:token>", UnsubscribeView.as_view(), name="unsubscribe"),
    path("healthz", HealthCheckView.as_view(checks=HEALTH_CHECKS), name="healthz"),
    path("admin/", admin.site.urls),
]

handler400 = "backend.errors.bad_request"
handler403 = "backend.errors.permission_denied"
handler404 = "backend.errors.not_found"
handler500 = "backend.errors.server_error"

if settings.DEBUG:
    urlpatterns.append(path("api-auth/", include("rest_framework.urls")))

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("nutrients", views.NutrientViewSet, basename="nutrient")
router.register("products", views.ProductViewSet, basename="product")
router.register("regimens", views.RegimenViewSet, basename="regimen")
router.register("intakes", views.IntakeLogViewSet, basename="intake")
router.register("flags", views.FlagViewSet, basename="flag")
router.register("stock-events", views.StockEventViewSet, basename="stock-event")

urlpatterns = [
    path("adherence", views.AdherenceView.as_view(), name="adherence"),
    path("report.pdf", views.ReportView.as_view(), name="report"),
    path("totals", views.TotalsView.as_view(), name="totals"),
    path("plan/day", views.PlanDayView.as_view(), name="plan-day"),
    path("plan/check", views.PlanCheckView.as_view(), name="plan-check"),
    path("plan/apply", views.PlanApplyView.as_view(), name="plan-apply"),
    *router.urls,
]

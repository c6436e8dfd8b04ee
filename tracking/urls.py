from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("nutrients", views.NutrientViewSet, basename="nutrient")
router.register("products", views.ProductViewSet, basename="product")
router.register("regimens", views.RegimenViewSet, basename="regimen")
router.register("intakes", views.IntakeLogViewSet, basename="intake")

urlpatterns = router.urls

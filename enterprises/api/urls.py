from rest_framework.routers import SimpleRouter

from .views import EnterpriseViewSet, RegionViewSet

router = SimpleRouter()
router.register("regions", RegionViewSet, basename="api-region")
router.register("enterprises", EnterpriseViewSet, basename="api-enterprise")
urlpatterns = router.urls

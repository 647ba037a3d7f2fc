from rest_framework.routers import SimpleRouter

from .views import PilotViewSet

router = SimpleRouter()
router.register("pilots", PilotViewSet, basename="api-pilot")
urlpatterns = router.urls

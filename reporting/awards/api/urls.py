from rest_framework.routers import SimpleRouter

from .views import AwardRoundViewSet

router = SimpleRouter()
router.register("award-rounds", AwardRoundViewSet, basename="api-award-round")
urlpatterns = router.urls

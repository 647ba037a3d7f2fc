from rest_framework.routers import SimpleRouter

from .views import ChannelViewSet, DeliveryViewSet

router = SimpleRouter()
router.register("channels", ChannelViewSet, basename="api-channel")
router.register("deliveries", DeliveryViewSet, basename="api-delivery")
urlpatterns = router.urls

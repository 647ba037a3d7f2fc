from rest_framework.routers import SimpleRouter

from .views import BulletinViewSet

router = SimpleRouter()
router.register("bulletins", BulletinViewSet, basename="api-bulletin")
urlpatterns = router.urls

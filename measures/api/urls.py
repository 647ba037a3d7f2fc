from rest_framework.routers import SimpleRouter

from .views import DocumentViewSet, MeasureViewSet

router = SimpleRouter()
router.register("documents", DocumentViewSet, basename="api-document")
router.register("measures", MeasureViewSet, basename="api-measure")
urlpatterns = router.urls

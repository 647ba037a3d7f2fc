from rest_framework.routers import SimpleRouter

from .progress import EvidenceViewSet, ProgressViewSet
from .views import DocumentViewSet, MeasureViewSet

router = SimpleRouter()
router.register("documents", DocumentViewSet, basename="api-document")
router.register("measures", MeasureViewSet, basename="api-measure")
router.register("progress", ProgressViewSet, basename="api-progress")
router.register("evidence", EvidenceViewSet, basename="api-evidence")
urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from .views import AssignmentViewSet, VisitViewSet

router = SimpleRouter()
router.register("liaisons", AssignmentViewSet, basename="api-liaison")
router.register("visits", VisitViewSet, basename="api-visit")
urlpatterns = router.urls

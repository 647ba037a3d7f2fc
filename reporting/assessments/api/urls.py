from rest_framework.routers import SimpleRouter

from .views import AssessmentViewSet, PeriodViewSet

router = SimpleRouter()
router.register("assessment-periods", PeriodViewSet, basename="api-assessment-period")
router.register("assessments", AssessmentViewSet, basename="api-assessment")
urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from .changes import AssessmentChangeViewSet
from .reminders import EscalationViewSet, ReminderViewSet
from .views import AssessmentViewSet, PeriodViewSet

router = SimpleRouter()
router.register("assessment-periods", PeriodViewSet, basename="api-assessment-period")
router.register("assessments", AssessmentViewSet, basename="api-assessment")
router.register("reminders", ReminderViewSet, basename="api-reminder")
router.register("escalations", EscalationViewSet, basename="api-escalation")
router.register("assessment-changes", AssessmentChangeViewSet, basename="api-assessment-change")
urlpatterns = router.urls

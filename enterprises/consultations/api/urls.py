from rest_framework.routers import SimpleRouter

from .views import FaqViewSet, QuestionViewSet

router = SimpleRouter()
router.register("questions", QuestionViewSet, basename="api-question")
router.register("faq", FaqViewSet, basename="api-faq")
urlpatterns = router.urls

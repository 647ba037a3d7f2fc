from django.urls import include, path

from .views import RollupListView

urlpatterns = [
    path("rollups/", RollupListView.as_view(), name="api-rollups"),
    path("", include("reporting.assessments.api.urls")),
]

from django.urls import include, path

urlpatterns = [
    path("", include("reporting.assessments.api.urls")),
]

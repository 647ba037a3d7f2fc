from django.urls import include, path

app_name = "reporting"
urlpatterns = [
    path("assessments/", include("reporting.assessments.urls")),
]

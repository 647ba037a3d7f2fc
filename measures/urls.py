from django.urls import path

from . import views

app_name = "measures"
urlpatterns = [
    path("", views.document_list, name="documents"),
    path("documents/<slug:code>/", views.document_detail, name="document"),
    path("measures/<slug:code>/", views.measure_detail, name="measure"),
]

from django.urls import path

from . import views

app_name = "awards"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/decide/", views.round_decide, name="decide"),
    path("<int:pk>/export/", views.round_export, name="export"),
]

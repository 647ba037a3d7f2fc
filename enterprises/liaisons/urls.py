from django.urls import path

from . import views

app_name = "liaisons"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("assign/<int:enterprise_pk>/", views.assign, name="assign"),
    path("<int:pk>/end/", views.end, name="end"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/export/", views.visit_export, name="visit_export"),
    path("visits/new/<int:enterprise_pk>/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
]

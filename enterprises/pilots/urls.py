from django.urls import path

from . import views

app_name = "pilots"
urlpatterns = [
    path("", views.pilot_list, name="list"),
    path("export/", views.pilot_export, name="export"),
    path("find/", views.pilot_find, name="find"),
    path("designate/<int:enterprise_pk>/", views.pilot_designate, name="designate"),
    path("<int:pk>/", views.pilot_detail, name="detail"),
    path("<int:pk>/edit/", views.pilot_edit, name="edit"),
    path("<int:pk>/end/", views.pilot_end, name="end"),
    path("<int:pk>/funds/", views.pilot_fund_add, name="fund_add"),
]

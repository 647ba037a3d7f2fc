from django.urls import path

from . import views

app_name = "bulletins"
urlpatterns = [
    path("", views.bulletin_list, name="list"),
    path("new/", views.bulletin_create, name="create"),
    path("<int:pk>/", views.bulletin_detail, name="detail"),
    path("<int:pk>/edit/", views.bulletin_edit, name="edit"),
    path("<int:pk>/build/", views.bulletin_build, name="build"),
    path("<int:pk>/issue/", views.bulletin_issue, name="issue"),
    path("<int:pk>/download/<str:kind>/", views.bulletin_download, name="download"),
]

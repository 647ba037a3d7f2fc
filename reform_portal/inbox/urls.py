from django.urls import path

from . import views

app_name = "inbox"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/", views.notice_open_view, name="open"),
    path("read-all/", views.notices_read_all_view, name="read_all"),
]

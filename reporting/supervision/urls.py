from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("export/", views.order_export, name="export"),
    path("issue/", views.order_issue_by_filter, name="issue_by_filter"),
    path("issue/<int:enterprise_pk>/", views.order_issue, name="issue"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/reply/", views.order_reply, name="reply"),
    path("<int:pk>/decide/", views.order_decide, name="decide"),
    path("files/<int:pk>/", views.reply_file_download, name="file"),
]

from django.urls import path

from . import bulk_views, group_views, progress_workbook_views, views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("export/", views.enterprise_export, name="export"),
    path("new/", views.enterprise_create_view, name="create"),
    path("import/", views.enterprise_import, name="import"),
    path("import/template/", views.enterprise_import_template, name="import_template"),
    path("bulk-progress/", views.bulk_progress, name="bulk_progress"),
    path("bulk-by-filter/", bulk_views.bulk_by_filter, name="bulk_by_filter"),
    path("progress-workbook/", progress_workbook_views.progress_workbook_page, name="progress_workbook"),
    path(
        "progress-workbook/download/",
        progress_workbook_views.progress_workbook_download,
        name="progress_workbook_download",
    ),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/history/", views.enterprise_history, name="history"),
    path("<int:pk>/group-access/", group_views.group_access, name="group_access"),
]

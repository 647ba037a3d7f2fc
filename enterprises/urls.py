from django.urls import path

from measures import views as measure_views

from . import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("export/", views.enterprise_export, name="export"),
    path("new/", views.enterprise_create_view, name="create"),
    path("import/", views.enterprise_import, name="import"),
    path("import/template/", views.enterprise_import_template, name="import_template"),
    path("bulk-progress/", views.bulk_progress, name="bulk_progress"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/history/", views.enterprise_history, name="history"),
    # The officer's work on one enterprise's measures (views in measures/).
    path("progress/<int:pk>/", measure_views.progress_row, name="progress_row"),
    path("progress/<int:pk>/edit/", measure_views.progress_edit, name="progress_edit"),
    path("progress/<int:pk>/history/", measure_views.progress_history_view, name="progress_history"),
    path("evidence/<int:pk>/download/", measure_views.evidence_download, name="evidence_download"),
    path(
        "<int:enterprise_pk>/indicators/<int:indicator_pk>/",
        measure_views.indicator_value_edit,
        name="indicator_value",
    ),
    path(
        "<int:enterprise_pk>/indicators/<int:indicator_pk>/history/",
        measure_views.indicator_history_view,
        name="indicator_history",
    ),
]

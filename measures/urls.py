from django.urls import path

from . import views

# Mounted at the site root: the catalogue lives under catalogue/, the officer's work on one enterprise's
# measures (progress, evidence, indicator values) under enterprises/, next to the enterprise pages.
app_name = "measures"
urlpatterns = [
    path("catalogue/", views.document_list, name="documents"),
    path("catalogue/documents/<slug:code>/", views.document_detail, name="document"),
    path("catalogue/measures/<slug:code>/", views.measure_detail, name="measure"),
    path("enterprises/progress/<int:pk>/", views.progress_row, name="progress_row"),
    path("enterprises/progress/<int:pk>/edit/", views.progress_edit, name="progress_edit"),
    path("enterprises/progress/<int:pk>/history/", views.progress_history_view, name="progress_history"),
    path("enterprises/evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("enterprises/evidence/<int:pk>/withdraw/", views.evidence_withdraw_view, name="evidence_withdraw"),
    path(
        "enterprises/<int:enterprise_pk>/indicators/<int:indicator_pk>/",
        views.indicator_value_edit,
        name="indicator_value",
    ),
    path(
        "enterprises/<int:enterprise_pk>/indicators/<int:indicator_pk>/history/",
        views.indicator_history_view,
        name="indicator_history",
    ),
]

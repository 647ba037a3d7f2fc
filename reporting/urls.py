from django.urls import include, path

from . import views

app_name = "reporting"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/figure/", views.drilldown, name="drilldown"),
    path("dashboard/figure/export.xlsx", views.drilldown_export, name="drilldown_export"),
    path("dashboard/export.xlsx", views.export, name="export"),
    path("dashboard/refresh/", views.refresh, name="refresh"),
    path("dashboard/runs/", views.run_status, name="runs"),
    path("dashboard/pilots/", views.pilots_panel_fragment, name="pilots_panel"),  # the 试点企业 panel (htmx)
    path("dashboard/visits/", views.visits_panel_fragment, name="visits_panel"),  # 直通车走访 per prefecture (htmx)
    path("assessments/", include("reporting.assessments.urls")),
]

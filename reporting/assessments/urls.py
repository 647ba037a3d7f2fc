from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("", views.index, name="index"),
    path("periods/", views.period_list, name="periods"),
    path("periods/<int:pk>/update/", views.period_update, name="period_update"),
    path("periods/<int:period_pk>/start/", views.start, name="start"),
    path("periods/<int:period_pk>/remind/", views.remind, name="remind"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/items/<int:item_pk>/", views.item_save, name="item_save"),
    path("<int:pk>/items/<int:item_pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence_download"),
    path("<int:pk>/evidence/<int:evidence_pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("<int:pk>/indicators/<int:answer_pk>/", views.indicator_save, name="indicator_save"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/review/items/<int:item_pk>/", views.review_item, name="review_item"),
    path("<int:pk>/review/indicators/<int:answer_pk>/", views.review_indicator, name="review_indicator"),
    path("<int:pk>/return/", views.return_assessment, name="return"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/xlsx/", views.xlsx, name="xlsx"),
]

from django.urls import path

from .views import changes, evidence, exports, form, overview, page, periods, review, workbook

app_name = "assessments"
urlpatterns = [
    path("", overview.index, name="index"),
    path("periods/", periods.period_list, name="periods"),
    path("periods/<int:pk>/update/", periods.period_update, name="period_update"),
    path("periods/<int:period_pk>/start/", form.start, name="start"),
    path("periods/<int:period_pk>/remind/", overview.remind, name="remind"),
    path("<int:pk>/", page.detail, name="detail"),
    path("<int:pk>/items/<int:item_pk>/", form.item_save, name="item_save"),
    path("<int:pk>/items/<int:item_pk>/evidence/", evidence.evidence_upload, name="evidence_upload"),
    path("<int:pk>/evidence/<int:evidence_pk>/", evidence.evidence_download, name="evidence_download"),
    path("<int:pk>/evidence/<int:evidence_pk>/delete/", evidence.evidence_delete, name="evidence_delete"),
    path("<int:pk>/indicators/<int:answer_pk>/", form.indicator_save, name="indicator_save"),
    path("<int:pk>/submit/", form.submit, name="submit"),
    path("<int:pk>/review/items/<int:item_pk>/", review.review_item, name="review_item"),
    path("<int:pk>/review/indicators/<int:answer_pk>/", review.review_indicator, name="review_indicator"),
    path("<int:pk>/return/", review.return_assessment, name="return"),
    path("<int:pk>/accept/", review.accept, name="accept"),
    path("<int:pk>/forward/", review.forward, name="forward"),
    path("<int:pk>/return-to-reviewer/", review.return_to_reviewer, name="return_to_reviewer"),
    path("changes/", changes.change_list, name="changes"),
    path("changes/<str:kind>/<int:record_id>/", changes.change_decide, name="change_decide"),
    path("<int:pk>/pdf/", exports.pdf, name="pdf"),
    path("<int:pk>/xlsx/", exports.xlsx, name="xlsx"),
    path("<int:pk>/workbook/", workbook.workbook_download, name="workbook"),
    path("<int:pk>/workbook/upload/", workbook.workbook_upload, name="workbook_upload"),
]

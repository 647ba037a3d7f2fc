from django.urls import path

from . import views

app_name = "consultations"
urlpatterns = [
    path("", views.question_list, name="list"),
    path("ask/", views.question_ask, name="ask"),
    path("<int:pk>/", views.question_detail, name="detail"),
    path("<int:pk>/answer/", views.question_answer, name="answer"),
    path("<int:pk>/forward/", views.question_forward, name="forward"),
    path("<int:pk>/forward-liaison/", views.question_forward_liaison, name="forward_liaison"),
    path("<int:pk>/follow-up/", views.question_follow_up, name="follow_up"),
    path("<int:pk>/rate/", views.question_rate, name="rate"),
    path("<int:pk>/publish/", views.faq_publish, name="publish"),
    path("files/<int:pk>/", views.question_file, name="file"),
    path("faq/", views.faq_list, name="faq"),
    path("faq/<int:pk>/", views.faq_detail, name="faq_detail"),
    path("faq/<int:pk>/edit/", views.faq_edit, name="faq_edit"),
    path("faq/<int:pk>/withdraw/", views.faq_withdraw, name="faq_withdraw"),
]

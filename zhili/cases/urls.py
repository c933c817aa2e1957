from django.urls import path

from zhili.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("report/", views.report, name="report"),
    path("report/questions/", views.report_questions, name="report_questions"),
    path("inbox/", views.inbox, name="inbox"),
    path("coordination/", views.coordination, name="coordination"),
    path("joint-actions/", views.joint_actions, name="joint_actions"),
    path("joint-actions/new/", views.joint_action_new, name="joint_action_new"),
    path("joint-actions/<int:action_id>/", views.joint_action_detail, name="joint_action"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/photos/", views.add_photos, name="add_photos"),
    path("<int:case_id>/photos/<int:photo_id>/<slug:size>/", views.case_photo, name="photo"),
    path("<int:case_id>/<slug:act>/", views.case_act, name="act"),
]

from django.urls import path

from zhili.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.export_list, name="list"),
    path("<int:export_id>/", views.export_detail, name="detail"),
    path("<int:export_id>/download", views.export_download, name="download"),
]

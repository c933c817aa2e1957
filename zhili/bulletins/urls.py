from django.urls import path

from zhili.bulletins import views

app_name = "bulletins"
urlpatterns = [
    path("", views.bulletin_page, name="page"),
    path("export/", views.bulletin_export, name="export"),
]

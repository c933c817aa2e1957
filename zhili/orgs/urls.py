from django.urls import path

from zhili.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.department_list, name="list"),
    path("<int:department_id>/", views.department_detail, name="detail"),
]

from django.urls import path

from zhili.places import views

app_name = "places"
urlpatterns = [
    path("", views.place_list, name="list"),
    path("<int:place_id>/", views.place_detail, name="detail"),
    path("picker/", views.picker, name="picker"),
    path("pick/", views.pick, name="pick"),
]

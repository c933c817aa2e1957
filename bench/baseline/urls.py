from django.urls import path

from baseline import views
from zhili.urls import urlpatterns as zhili_urlpatterns

urlpatterns = [path("baseline/report", views.report), *zhili_urlpatterns]

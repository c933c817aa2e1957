"""The project's URLs with the bulletin's, until zhili/urls.py includes them itself."""

from django.urls import include, path

from zhili.urls import urlpatterns as project

urlpatterns = list(project)
if not any(getattr(p, "namespace", None) == "bulletins" for p in project):
    urlpatterns.insert(0, path("bulletins/", include("zhili.bulletins.urls")))

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from zhili.site import views as site_views

admin.site.site_header = settings.ZHILI_SITE_TITLE
admin.site.site_title = settings.ZHILI_SITE_TITLE

urlpatterns = [
    # The API first: programs call it many times a second, and each path is matched in order.
    path("api/v1/", include("zhili.api.urls")),
    path("", site_views.home, name="home"),
    path("login/", site_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", site_views.healthz, name="healthz"),
    path("places/", include("zhili.places.urls")),
    path("people/", include("zhili.people.urls")),
    path("departments/", include("zhili.orgs.urls")),
    path("exports/", include("zhili.exports.urls")),
    path("cases/", include("zhili.cases.urls")),
    path("notifications/", include("zhili.notifications.urls")),
    path("bulletins/", include("zhili.bulletins.urls")),
    path("open311/", include("zhili.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

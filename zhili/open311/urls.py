"""Open311 GeoReport v2, rooted at /open311/ (docs/open311.md). Every resource ends in its
format, .xml or .json; an unknown format is answered with an error list."""

from django.urls import re_path

from zhili.open311 import views

app_name = "open311"
FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^v2/services" + FMT, views.service_list, name="services"),
    re_path(r"^v2/services/(?P<code>[-\w]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^v2/requests" + FMT, views.request_list, name="requests"),
    re_path(r"^v2/requests/(?P<request_id>[-\w]+)" + FMT, views.request_detail, name="request"),
    re_path(r"^v2/tokens/(?P<token>[-\w]+)" + FMT, views.token_detail, name="token"),
    # Last: any other path under /open311/ is a 404 in the spec's error list.
    re_path(r"^(?P<path>.*)$", views.unknown_resource),
]

"""The one JSON API, versioned under /api/v1/. Each app contributes a router from its api.py;
this module only assembles them; zhili/api/errors.py turns errors into JSON with field details
and declares them in the OpenAPI document."""

from django.http import JsonResponse
from django.urls import path, re_path
from ninja import NinjaAPI

from zhili.api import errors
from zhili.api.auth import ApiTokenAuth, SignedInSession
from zhili.api.throttle import AccountRateThrottle
from zhili.cases.api import categories_router, joint_actions_router, reports_router
from zhili.cases.api import router as cases_router
from zhili.core.errors import NotFound
from zhili.orgs.api import router as orgs_router
from zhili.people.api import router as people_router
from zhili.places.api import router as places_router


class ZhiliAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return errors.document_errors(super().get_openapi_schema(**kwargs))


api = ZhiliAPI(
    title="Zhili API",
    version="1",
    description=(
        "Zhili grassroots governance: places, people, departments and the case loop. "
        "Programs send `Authorization: Bearer <token>` (tokens from `zhili api-token`); "
        "pages use the signed-in session. Both get the same role and scope checks. "
        'Every error is `{"code", "message", "fields"}` (docs/api.md).'
    ),
    urls_namespace="api-v1",
    # A token first: a program's POST then needs no CSRF cookie, which the session's has.
    auth=[ApiTokenAuth(), SignedInSession()],
    parser=errors.ObjectParser(),
    throttle=[AccountRateThrottle()],
    openapi_url="/openapi.json",
    docs_url="/docs",
)
errors.install(api)


# Paths are matched in this order; the intake first, as the busiest call (programs' reports).
api.add_router("/reports", reports_router)
api.add_router("/places", places_router)
api.add_router("/people", people_router)
api.add_router("/departments", orgs_router)
api.add_router("/cases", cases_router)
api.add_router("/joint-actions", joint_actions_router)
api.add_router("/categories", categories_router)


def unknown_path(request, rest=""):
    """Any other path under /api/v1/: a 404 in the API's error shape, not the site's page."""
    body, status = errors.error(NotFound.code, NotFound.default_message, 404)
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


urlpatterns = [path("", api.urls), re_path(r"^(?P<rest>.*)$", unknown_path)]

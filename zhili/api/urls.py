"""The one JSON API, versioned under /api/v1/. Each app contributes a router from its api.py;
this module only assembles them and turns errors into JSON with field details."""

from django.urls import path
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from zhili.api.auth import ApiTokenAuth
from zhili.cases.api import categories_router, joint_actions_router, reports_router
from zhili.cases.api import router as cases_router
from zhili.core.errors import DomainError, Forbidden, NotFound
from zhili.orgs.api import router as orgs_router
from zhili.people.api import router as people_router
from zhili.places.api import router as places_router

api = NinjaAPI(
    title="Zhili API",
    version="1",
    description=(
        "Zhili grassroots governance: places, people, departments and the case loop. "
        "Programs send `Authorization: Bearer <token>` (tokens from `zhili api-token`); "
        "pages use the signed-in session. Both get the same role and scope checks."
    ),
    urls_namespace="api-v1",
    # A token first: a program's POST then needs no CSRF cookie, which the session's has.
    auth=[ApiTokenAuth(), django_auth],
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _fields_from_ninja(errors: list[dict]) -> dict:
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        fields.setdefault(".".join(loc) or "request", []).append(err.get("msg", ""))
    return fields


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    return api.create_response(
        request,
        {
            "code": "invalid",
            "message": _("Please correct the errors below."),
            "fields": _fields_from_ninja(exc.errors),
        },
        status=400,
    )


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(
        request,
        {"code": "unauthenticated", "message": _("Please sign in first."), "fields": {}},
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # ninja's own messages are English ("CSRF check Failed"): answer in the caller's language.
    if exc.status_code == 403 and "csrf" in str(exc).lower():
        code, message = "csrf", _("The form has expired or came from elsewhere; reload the page.")
    elif exc.status_code == 403:
        code, message = Forbidden.code, Forbidden.default_message
    elif exc.status_code == 404:
        code, message = NotFound.code, NotFound.default_message
    else:
        code, message = "http", str(exc)
    return api.create_response(
        request, {"code": code, "message": str(message), "fields": {}}, status=exc.status_code
    )


# Paths are matched in this order; the intake first, as the busiest call (programs' reports).
api.add_router("/reports", reports_router)
api.add_router("/places", places_router)
api.add_router("/people", people_router)
api.add_router("/departments", orgs_router)
api.add_router("/cases", cases_router)
api.add_router("/joint-actions", joint_actions_router)
api.add_router("/categories", categories_router)

urlpatterns = [path("", api.urls)]

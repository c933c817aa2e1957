"""Every error of the API as one JSON shape, {"code", "message", "fields"}, and the statuses
each operation may answer, declared in the OpenAPI document (docs/api.md).

The handlers here turn what goes wrong into that shape: a domain error (its own status), a
parameter or body the schema refuses (400, with the field named and the common reasons in the
caller's language), a body Django cannot read (400) or will not hold (413), and no credentials
(401, with `WWW-Authenticate`)."""

import json
import math

from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from zhili.core.errors import DomainError, Forbidden, InvalidInput, NotFound

# What a 401 tells the client to send (RFC 9110 §11.6.1).
CHALLENGE = 'Bearer realm="zhili"'


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


_DESCRIPTIONS = {
    400: "A parameter or the body is invalid (its field named in `fields`), or the body "
    "cannot be read (`code` bad_request).",
    401: "No token and no signed-in session, or a token that is unknown or revoked.",
    403: "The caller's role does not allow this, or (a signed-in page) the CSRF token is missing.",
    404: "No such object, or not within the caller's area (the two look the same).",
    409: "The object changed since the `version` the caller sent, or the act no longer "
    "applies to it.",
    413: "The body is larger than the server takes (DATA_UPLOAD_MAX_MEMORY_SIZE).",
    429: "The account has made more than API_RATE_LIMIT calls this minute; `Retry-After` "
    "says how many seconds until the next minute.",
}
# Every operation may answer these; operations that take a body also 409 and 413.
_ALWAYS = (400, 401, 403, 404, 429)
_WITH_BODY = (409, 413)


def _error_response(status: int) -> dict:
    response = {
        "description": _DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {
                "description": "How to authenticate: a bearer token.",
                "required": True,
                "schema": {"type": "string"},
            }
        }
    if status == 429:
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before calling again.",
                "required": True,
                "schema": {"type": "integer"},
            }
        }
    return response


def document_errors(schema: dict) -> dict:
    """Adds the error statuses, and the shape of their body, to every operation."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ErrorOut.model_json_schema()
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            statuses = _ALWAYS + (_WITH_BODY if method in ("post", "put", "patch") else ())
            for status in statuses:
                operation["responses"].setdefault(status, _error_response(status))
    return schema


class NotAnObject(ValueError):
    """A JSON body that is a list, a string, a number or null."""


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400 reads as infinity
        raise ValueError(text)
    return number


def _no_constant(name: str):
    raise ValueError(name)  # NaN, Infinity: not JSON


class BadText(ValueError):
    """A string no database can keep: a NUL character (PostgreSQL refuses it) or half of a
    UTF-16 surrogate pair written as a JSON escape ("\\ud800": not text at all)."""

    def __init__(self, field: str):
        self.field = field or "request"
        super().__init__(self.field)


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(value, field: str = "") -> None:
    """Raise BadText naming the first string (key or value) in `value` that cannot be kept."""
    if isinstance(value, str):
        if not _storable(value):
            raise BadText(field)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{field}.{key}" if field else str(key)
            if isinstance(key, str) and not _storable(key):
                raise BadText(field)
            check_text(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_text(item, f"{field}.{index}" if field else str(index))


def bad_text_error(field: str) -> InvalidInput:
    return InvalidInput(
        fields={field: [_("Remove the control characters or broken characters from the text.")]}
    )


class ObjectParser(Parser):
    """A JSON body is an object of finite numbers and storable text; anything else is a 400
    before a schema reads it (ninja's schemas would read a list or a string as an object of
    defaults). Query and form values are checked for storable text too."""

    def parse_body(self, request):
        data = json.loads(request.body, parse_float=_finite, parse_constant=_no_constant)
        if not isinstance(data, dict):
            raise NotAnObject()
        check_text(data)
        return data

    def parse_querydict(self, data, list_fields, request):
        for key, values in data.lists():
            for value in values:
                if isinstance(value, str) and not _storable(value):
                    raise bad_text_error(key)
        return super().parse_querydict(data, list_fields, request)


def error(code: str, message, status: int) -> tuple[dict, int]:
    return {"code": code, "message": str(message), "fields": {}}, status


# pydantic's reasons that a client meets most, said in the caller's language; the others
# keep pydantic's English.
def _reason(err: dict) -> str:
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind == "less_than_equal":
        return _("Enter a number no greater than %(limit)s.") % {"limit": ctx.get("le")}
    if kind == "greater_than_equal":
        return _("Enter a number no less than %(limit)s.") % {"limit": ctx.get("ge")}
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("Send a JSON object.")
    return err.get("msg", "")


def fields_from_validation(errors: list[dict]) -> dict:
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        fields.setdefault(".".join(loc) or "request", []).append(_reason(err))
    return fields


def install(api: NinjaAPI) -> None:
    """Registers the handlers that turn every error into the API's JSON shape."""

    def answer(request, body_and_status, headers=None):
        body, status = body_and_status
        response = api.create_response(request, body, status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        body = {
            "code": "invalid",
            "message": _("Please correct the errors below."),
            "fields": fields_from_validation(exc.errors),
        }
        return api.create_response(request, body, status=400)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return answer(
            request,
            error("unauthenticated", _("Please sign in first."), 401),
            {"WWW-Authenticate": CHALLENGE},
        )

    @api.exception_handler(RequestDataTooBig)
    def too_large(request, exc):
        return answer(request, error("too_large", _("The request is too large."), 413))

    # A body Django cannot read: broken multipart, too many fields, a malformed request.
    @api.exception_handler(MultiPartParserError)
    @api.exception_handler(TooManyFieldsSent)
    @api.exception_handler(TooManyFilesSent)
    @api.exception_handler(BadRequest)
    def unreadable(request, exc):
        return answer(request, error("bad_request", _("The request could not be read."), 400))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        # ninja's own messages are English ("CSRF check Failed"): answer in the caller's
        # language.
        if exc.status_code == 403 and "csrf" in str(exc).lower():
            found = error(
                "csrf", _("The form has expired or came from elsewhere; reload the page."), 403
            )
        elif exc.status_code == 403:
            found = error(Forbidden.code, Forbidden.default_message, 403)
        elif exc.status_code == 400 and isinstance(exc.__cause__, NotAnObject):
            found = error("invalid", _("Send a JSON object."), 400)
        elif exc.status_code == 400 and isinstance(exc.__cause__, BadText):
            return api.create_response(
                request, bad_text_error(exc.__cause__.field).as_dict(), status=400
            )
        elif exc.status_code == 400:  # a body that is not JSON
            found = error("bad_request", _("The request could not be read."), 400)
        elif exc.status_code == 404:
            found = error(NotFound.code, NotFound.default_message, 404)
        elif exc.status_code == 429:  # the account's calls this minute (throttle.py)
            found = error("throttled", _("Too many calls this minute; try again shortly."), 429)
        else:
            found = error("http", str(exc), exc.status_code)
        return answer(request, found)

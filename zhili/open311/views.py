"""GeoReport v2 over HTTP: plain Django views, one renderer for XML and JSON.

Each view only reads its parameters, calls a selector or the one service, and renders. The
`endpoint` decorator does what every endpoint shares, in this order: the format, the method,
jurisdiction_id (404 when it names another jurisdiction), the api_key (required to POST;
checked whenever presented: 403) and its rate limit (429), and turning errors into the spec's
error list (docs/open311.md).
"""

import datetime as dt
import functools
import re
import urllib.parse

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from zhili.core.errors import DomainError, InvalidInput
from zhili.open311 import mapping, selectors
from zhili.open311.keys import KeyRefused, RateLimited, count_request, key_for
from zhili.open311.render import FORMATS, Many, render, render_errors, writable
from zhili.open311.services import file_request

# The changeset of the discovery document when no category has been changed in admin yet.
FIRST_CHANGESET = "2026-05-01T00:00:00+08:00"
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# "+08:00" arrives as " 08:00" when a client forgets to encode the plus sign.
_SPACE_FOR_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")
# W3C's shortest dates: a year (2026) or a year and month (2026-05), from their start.
# What reading a body or query string Django cannot read raises (too many fields, too big,
# broken multipart): a 400 in the error list.
_UNREADABLE = (
    BadRequest,
    MultiPartParserError,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
_YEAR_OR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
# Times a client may ask about: far enough out that no arithmetic on them overflows.
_EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


class Open311Error(Exception):
    """An answer other than 200: the status and the error descriptions."""

    def __init__(self, status: int, *descriptions, headers: dict | None = None):
        self.status = status
        self.descriptions = [str(d) for d in descriptions]
        self.headers = headers or {}
        super().__init__(status, *self.descriptions)


_KEY_REFUSALS = {
    "missing": lambda: _("api_key is required to file a request."),
    "unknown": lambda: _("Invalid api_key."),
    "revoked": lambda: _("This api_key has been revoked."),
}


def _echo(value: str) -> str:
    """A client's value quoted back in an error, cut short."""
    return value if len(value) <= 60 else value[:60] + "…"


def _param(request, name: str) -> str:
    """A parameter from the form body (POST) or the query string; "" when absent or empty,
    which GeoReport treats alike."""
    value = request.POST.get(name, "") if request.method == "POST" else ""
    return writable(value or request.GET.get(name, "")).strip()


def _check_jurisdiction(request) -> None:
    given = _param(request, "jurisdiction_id")
    ours = settings.OPEN311_JURISDICTION_ID
    if given and given.lower() != ours.lower():
        raise Open311Error(
            404,
            _("jurisdiction_id %(given)s not found: this server serves %(ours)s.")
            % {"given": _echo(given), "ours": ours},
        )


def _check_key(request):
    raw = _param(request, "api_key")
    if request.method != "POST" and not raw:
        return None
    try:
        key = key_for(raw)
        count_request(key)
    except KeyRefused as exc:
        raise Open311Error(403, _KEY_REFUSALS[str(exc)]()) from None
    except RateLimited as exc:
        raise Open311Error(
            429,
            _("Too many requests with this api_key: at most %(limit)d a minute.")
            % {"limit": settings.OPEN311_RATE_LIMIT},
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    return key


def _check_utf8(request) -> None:
    """GeoReport speaks UTF-8: a body declared in another charset, or whose bytes are not
    UTF-8, is refused (Django would read it as Latin-1, or put U+FFFD for what it cannot
    read, and file the garbled text as the citizen's words)."""
    if request.method != "POST":
        return
    refused = Open311Error(400, _("Send the request in UTF-8."))
    charset = request.content_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise refused
    if request.content_type == "application/x-www-form-urlencoded":
        try:
            urllib.parse.parse_qsl(
                request.body.decode("utf-8"), keep_blank_values=True, errors="strict"
            )
        except UnicodeDecodeError:
            raise refused from None


def endpoint(*methods: str):
    """The checks every Open311 endpoint shares, and its errors as the spec's error list."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        # No Open311 endpoint reads a cookie or a session (the POST authenticates by its
        # api_key alone), so there is no request to forge; without the CSRF check, a method
        # an endpoint does not take is a 405 in the error list, whatever the client.
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            if fmt not in FORMATS:
                return render_errors(
                    "xml",
                    404,
                    [_("Unknown format %(format)s: use .xml or .json.") % {"format": _echo(fmt)}],
                )
            if request.method not in allowed:
                return render_errors(
                    fmt,
                    405,
                    [_("This endpoint does not accept %(method)s.") % {"method": request.method}],
                    headers={"Allow": ", ".join(sorted(allowed))},
                )
            try:
                _check_utf8(request)
                _check_jurisdiction(request)
                key = _check_key(request)
                return view(request, fmt, key=key, **kwargs)
            except Open311Error as exc:
                return render_errors(fmt, exc.status, exc.descriptions, headers=exc.headers)
            except InvalidInput as exc:
                descriptions = [
                    f"{field}: {message}"
                    for field, messages in exc.fields.items()
                    for message in messages
                ] or [str(exc.message)]
                return render_errors(fmt, 400, descriptions)
            except DomainError as exc:
                return render_errors(fmt, exc.status, [str(exc.message)])
            except _UNREADABLE:
                # A body or query Django cannot read (too many fields, broken multipart).
                return render_errors(fmt, 400, [_("The request could not be read.")])

        return wrapper

    return decorate


@csrf_exempt
def unknown_resource(request, path: str):
    """Any other path under /open311/: a 404 in the spec's error list, in JSON when the path
    ends in .json, else in XML."""
    fmt = "json" if path.lower().endswith(".json") else "xml"
    return render_errors(
        fmt, 404, [_("No such Open311 resource: %(path)s.") % {"path": _echo(path)}]
    )


# --- Discovery and services -----------------------------------------------------------------


@endpoint("GET")
def discovery(request, fmt, key):
    changed = selectors.services_changed_at()
    changeset = mapping.w3c(changed) if changed else FIRST_CHANGESET
    services_url = reverse("open311:services", kwargs={"fmt": "xml"})
    root = request.build_absolute_uri(services_url.removesuffix("/services.xml"))
    document = {
        "changeset": changeset,
        "contact": _("Contact the governance centre of %(site)s.")
        % {"site": settings.ZHILI_SITE_TITLE},
        "key_service": _(
            "Keys are issued by this installation's administrators (zhili open311-key NAME)."
        ),
        "endpoints": Many(
            "endpoint",
            [
                {
                    "specification": mapping.SPECIFICATION,
                    "url": root,
                    "changeset": changeset,
                    "type": "test" if settings.DEBUG else "production",
                    "formats": Many("format", ["text/xml", "application/json"]),
                }
            ],
        ),
    }
    return render(fmt, "discovery", document)


@endpoint("GET")
def service_list(request, fmt, key):
    entries = [mapping.service_entry(c) for c in selectors.services()]
    return render(fmt, "services", Many("service", entries))


@endpoint("GET")
def service_definition(request, fmt, key, code: str):
    category = selectors.service(code)
    if category is None:
        raise Open311Error(404, _("service_code %(code)s not found.") % {"code": _echo(code)})
    return render(fmt, "service_definition", mapping.service_definition(category))


# --- Requests -------------------------------------------------------------------------------


@endpoint("GET", "POST")
def request_list(request, fmt, key):
    if request.method == "POST":
        return _post_request(request, fmt, key)
    return _list_requests(request, fmt)


@endpoint("GET")
def request_detail(request, fmt, key, request_id: str):
    case = selectors.with_details(selectors.public_cases().filter(number=request_id)).first()
    if case is None:
        raise Open311Error(
            404, _("service_request_id %(id)s not found.") % {"id": _echo(request_id)}
        )
    return _render_requests(fmt, [case])


@endpoint("GET")
def token_detail(request, fmt, key, token: str):
    submission = selectors.submission_for_token(token)
    if submission is None:
        raise Open311Error(404, _("token %(token)s not found.") % {"token": _echo(token)})
    entry = {"service_request_id": submission.case.number, "token": submission.token}
    return render(fmt, "service_requests", Many("request", [entry]))


def _render_requests(fmt, cases) -> object:
    notices = mapping.service_notices(c.category_id for c in cases)
    followed_as = selectors.survivors(cases)
    entries = [mapping.request_entry(c, followed_as[c.pk], notices) for c in cases]
    return render(fmt, "service_requests", Many("request", entries))


def _parse_time(name: str, raw: str) -> dt.datetime:
    value = _SPACE_FOR_PLUS.sub(r"\1+\2", raw)
    short = _YEAR_OR_MONTH.match(value)
    if short:
        value = f"{short.group(1)}-{short.group(2) or '01'}-01"
    try:
        moment = dt.datetime.fromisoformat(value)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        if not _EARLIEST <= moment <= _LATEST:
            raise ValueError(value)
    except (ValueError, OverflowError):
        raise Open311Error(
            400,
            _("%(name)s must be a W3C date and time, e.g. 2010-01-01T00:00:00Z.") % {"name": name},
        ) from None
    return moment


def _list_requests(request, fmt):
    limit = settings.OPEN311_MAX_RESULTS
    cases = selectors.public_cases()
    ids = [i.strip() for i in _param(request, "service_request_id").split(",") if i.strip()]
    if ids:  # "This overrides all other arguments."
        ids = list(dict.fromkeys(ids))[:limit]
        found = {c.number: c for c in selectors.with_details(cases.filter(number__in=ids))}
        return _render_requests(fmt, [found[i] for i in ids if i in found])
    days = dt.timedelta(days=settings.OPEN311_DEFAULT_DAYS)
    start_raw, end_raw = _param(request, "start_date"), _param(request, "end_date")
    start = _parse_time("start_date", start_raw) if start_raw else None
    end = _parse_time("end_date", end_raw) if end_raw else None
    if start and end:
        if start > end:
            raise Open311Error(400, _("start_date must not come after end_date."))
        if end - start > days:
            raise Open311Error(
                400,
                _("start_date and end_date may span at most %(days)d days.")
                % {"days": settings.OPEN311_DEFAULT_DAYS},
            )
    elif start:
        end = start + days
    elif end:
        start = end - days
    else:
        end = timezone.now()
        start = end - days
    cases = cases.filter(reported_at__gte=start, reported_at__lte=end)
    codes = [c.strip() for c in _param(request, "service_code").split(",") if c.strip()]
    if codes:
        cases = cases.filter(category__code__in=codes)
    statuses = {s.strip().lower() for s in _param(request, "status").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status must be open or closed (or both, comma-separated)."))
    if statuses == {"open"}:
        cases = cases.filter(selectors.open_q())
    elif statuses == {"closed"}:
        cases = cases.exclude(selectors.open_q())
    rows = list(selectors.with_details(cases).order_by("-reported_at", "-id")[:limit])
    return _render_requests(fmt, rows)


def _answers(request) -> dict:
    """attribute[CODE]=value, and attribute[CODE][]=value once per value of a list."""
    answers: dict = {}
    for name in request.POST:
        match = _ATTRIBUTE.match(name)
        if not match:
            continue
        code, many = match.group(1), bool(match.group(2))
        values = [writable(v) for v in request.POST.getlist(name) if v != ""]
        if many or len(values) > 1:
            answers[code] = [*answers.get(code, []), *values]
        elif values:
            answers[code] = values[0]
    return answers


def _post_request(request, fmt, key):
    code = _param(request, "service_code")
    if not code:  # a 400 like every other parameter's: "service_code: …"
        raise InvalidInput(fields={"service_code": [_("This field is required.")]})
    category = selectors.service(code)
    if category is None:
        raise Open311Error(404, _("service_code %(code)s not found.") % {"code": _echo(code)})
    latitude, longitude = _point(request)
    submission = file_request(
        api_key=key,
        category=category,
        description=_param(request, "description"),
        longitude=longitude,
        latitude=latitude,
        address_id=_param(request, "address_id"),
        address=_param(request, "address_string"),
        answers=_answers(request),
        first_name=_param(request, "first_name"),
        last_name=_param(request, "last_name"),
        reporter_phone=_param(request, "phone"),
        email=_param(request, "email"),
        device_id=_param(request, "device_id"),
        account_id=_param(request, "account_id"),
        media_url=_param(request, "media_url"),
        idempotency_header=request.headers.get("Idempotency-Key", ""),
    )
    notices = mapping.service_notices([category.pk])
    entry = {
        "service_request_id": submission.case.number,
        "token": submission.token,
        "service_notice": notices[category.pk],
        "account_id": submission.account_id or None,
    }
    return render(fmt, "service_requests", Many("request", [entry]))


def _point(request) -> tuple[float | None, float | None]:
    """(lat, long) as sent, both or neither; a 400 on lat/long when they are not degrees."""
    lat_raw, long_raw = _param(request, "lat"), _param(request, "long")
    if not (lat_raw or long_raw):
        return None, None
    try:
        latitude, longitude = float(lat_raw), float(long_raw)
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError
    except ValueError:
        raise InvalidInput(
            fields={"lat/long": [_("Send lat and long together, as WGS84 degrees.")]}
        ) from None
    return latitude, longitude

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

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from zhili.audit.models import AuditRecord
from zhili.cases.models import Category
from zhili.core.errors import DomainError, InvalidInput
from zhili.open311 import mapping, selectors
from zhili.open311.keys import KeyRefused, RateLimited, count_request, key_for
from zhili.open311.models import Submission
from zhili.open311.render import FORMATS, Many, render, render_errors, writable
from zhili.open311.services import file_request

# The changeset of the discovery document when no category has been changed in admin yet.
FIRST_CHANGESET = "2026-05-01T00:00:00+08:00"
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# "+08:00" arrives as " 08:00" when a client forgets to encode the plus sign.
_SPACE_FOR_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")
_MEDIA_URL = URLValidator(schemes=["http", "https"])


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


def endpoint(*methods: str):
    """The checks every Open311 endpoint shares, and its errors as the spec's error list."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
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

        return wrapper

    return decorate


# --- Discovery and services -----------------------------------------------------------------


def _changeset() -> str:
    """When the services last changed: the latest audited change to a category in admin."""
    latest = (
        AuditRecord.objects.filter(content_type=ContentType.objects.get_for_model(Category))
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return mapping.w3c(latest) if latest else FIRST_CHANGESET


@endpoint("GET")
def discovery(request, fmt, key):
    changeset = _changeset()
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


@csrf_exempt  # the POST authenticates by its api_key alone; no cookie acts here
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
    submission = Submission.objects.select_related("case").filter(token=token).first()
    if submission is None:
        raise Open311Error(404, _("token %(token)s not found.") % {"token": _echo(token)})
    entry = {"service_request_id": submission.case.number, "token": submission.token}
    return render(fmt, "service_requests", Many("request", [entry]))


def _render_requests(fmt, cases) -> object:
    notices = mapping.service_notices(c.category_id for c in cases)
    entries = [mapping.request_entry(c, selectors.followed_as(c), notices) for c in cases]
    return render(fmt, "service_requests", Many("request", entries))


def _parse_time(name: str, raw: str) -> dt.datetime:
    value = _SPACE_FOR_PLUS.sub(r"\1+\2", raw)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Open311Error(
            400,
            _("%(name)s must be a W3C date and time, e.g. 2010-01-01T00:00:00Z.") % {"name": name},
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
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
    errors: dict[str, list] = {}
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = selectors.service(code)
    if category is None:
        raise Open311Error(404, _("service_code %(code)s not found.") % {"code": _echo(code)})
    lat_raw, long_raw = _param(request, "lat"), _param(request, "long")
    latitude = longitude = place = None
    address = _param(request, "address_string")
    address_id = _param(request, "address_id")
    if lat_raw or long_raw:
        try:
            latitude, longitude = float(lat_raw), float(long_raw)
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError
        except ValueError:
            errors["lat/long"] = [_("Send lat and long together, as WGS84 degrees.")]
    elif address_id:
        place = selectors.place_for_code(address_id)
        if place is None:
            errors["address_id"] = [_("No place of this jurisdiction has this code.")]
    elif address:
        place = selectors.place_for_address(address)
        if place is None:
            errors["address_string"] = [
                _("This address could not be placed; send lat and long or address_id.")
            ]
    else:
        errors["lat/long"] = [_("Give the location: lat and long, address_string or address_id.")]
    email = _param(request, "email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    media_url = _param(request, "media_url")
    if media_url:
        try:
            if len(media_url) > 2000:
                raise ValidationError("too long")
            _MEDIA_URL(media_url)
        except ValidationError:
            errors["media_url"] = [_("Send an http or https URL of at most 2,000 characters.")]
    if errors:
        raise InvalidInput(fields=errors)
    submission = file_request(
        api_key=key,
        category=category,
        description=_param(request, "description"),
        longitude=longitude,
        latitude=latitude,
        place=place,
        address=address,
        answers=_answers(request),
        reporter_name=_reporter_name(_param(request, "first_name"), _param(request, "last_name")),
        reporter_phone=_param(request, "phone"),
        email=email,
        device_id=_param(request, "device_id")[:200],
        account_id=_param(request, "account_id"),
        media_url=media_url,
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


def _reporter_name(first: str, last: str) -> str:
    """Chinese names read family name first, without a space (王 + 小明 → 王小明)."""
    if any("\u3400" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)

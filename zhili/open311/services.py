"""Open311 writes: issuing and revoking keys, and filing a service request as a case."""

import datetime as dt
import hashlib
import json
import re
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.audit.services import record_audit
from zhili.cases.models import Case, Category, Channel
from zhili.cases.services.report import report_case
from zhili.core import permissions
from zhili.core.errors import InvalidInput
from zhili.core.permissions import Cap, Role
from zhili.open311 import selectors
from zhili.open311.keys import PREFIX, hash_key
from zhili.open311.models import ApiKey, Submission
from zhili.people.models import User
from zhili.people.services import create_account, grant_role
from zhili.places.models import Place

# report_case's field names, as the Open311 client sent them.
_PARAMETERS = {
    "category": "service_code",
    "longitude": "lat/long",
    "latitude": "lat/long",
    "place": "address_id",
    "reporter_phone": "phone",
    "description": "description",
}
_NOT_IN_USERNAME = re.compile(r"[^\w.@+-]")
_MEDIA_URL = URLValidator(schemes=["http", "https"])
MAX_MEDIA_URL = 2000  # Submission.media_url's length


def _service_account(*, actor, name: str) -> User:
    """A new account that files as the client named `name`, opened by people.services
    (checked and audited): it cannot sign in. Its username shows the client's name
    (open311-乐平随手拍)."""
    base = ("open311-" + _NOT_IN_USERNAME.sub("-", name))[:140]
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    return create_account(actor=actor, username=username, password=None, full_name=name[:50])


def _root() -> Place | None:
    """The top of the place tree (the city), over which every key files."""
    return Place.objects.filter(parent__isnull=True).order_by("path").first()


def key_errors(name: str) -> dict[str, list]:
    """Why a key cannot be issued under this name now, as field errors ("__all__" for what
    is not the name's fault). The admin form shows them; issue_key raises them."""
    name = (name or "").strip()
    errors: dict[str, list] = {}
    if not name or len(name) > 100:
        errors["name"] = [_("Name the client in at most 100 characters.")]
    elif ApiKey.objects.filter(name=name, revoked_at__isnull=True).exists():
        errors["name"] = [_("A live key has this name; revoke it first or choose another.")]
    if not Place.objects.filter(parent__isnull=True).exists():
        errors["__all__"] = [_("Import the places first: a key files cases within the city.")]
    return errors


@transaction.atomic
def issue_key(*, actor, name: str, raw: str | None = None) -> tuple[ApiKey, str]:
    """Issue a key for the Open311 client `name`; returns the row and the key, which is
    stored only as its SHA-256. Who may: administrators (accounts.manage over the city) and
    operators at the shell. A name already revoked gets its earlier service account back, so
    that one client stays one reporter across keys; a live key of the same name is a field
    error on "name". `raw` fixes the key (the demo's documented key); otherwise it is random.
    """
    permissions.require(actor, Cap.INTEGRATIONS_MANAGE)
    name = (name or "").strip()
    errors = key_errors(name)
    if errors:
        raise InvalidInput(errors.get("__all__", [None])[0], fields=errors)
    root = _root()
    permissions.require(actor, Cap.INTEGRATIONS_MANAGE, root.path)
    earlier = ApiKey.objects.filter(name=name).select_related("account").order_by("-pk").first()
    account = earlier.account if earlier else _service_account(actor=actor, name=name)
    # The role that may only report, over the whole city (docs/open311.md); granted once.
    grant_role(actor=actor, user=account, role=Role.API_CLIENT, place=root)
    raw = raw or PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(name=name, key_hash=hash_key(raw), account=account)
    record_audit(
        actor=actor,
        action="open311_key.issue",
        obj=key,
        place_path=root.path,
        changes={"name": [None, name], "account": [None, account.username]},
    )
    return key, raw


@transaction.atomic
def revoke_key(*, actor, key: ApiKey) -> bool:
    """Stop a key from working; False when it was revoked already. Who may: administrators
    (over the city, as for issuing) and operators at the shell. Its cases stay, filed by its
    service account."""
    root = _root()
    root_path = root.path if root else None
    permissions.require(actor, Cap.INTEGRATIONS_MANAGE, root_path)
    count = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if count:
        key.refresh_from_db()
        record_audit(
            actor=actor,
            action="open311_key.revoke",
            obj=key,
            # Filed over the city like the issue, so that the audit list shows both.
            place_path=root_path or "",
            changes={"revoked_at": [None, key.revoked_at.isoformat()]},
        )
    return bool(count)


def _fingerprint(values: dict) -> str:
    return hashlib.sha256(
        json.dumps(values, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def idempotency_keys(*, header: str, content: dict, now: dt.datetime) -> tuple[str, str | None]:
    """The idempotency key for report_case, and an earlier one still to honour.

    With an `Idempotency-Key` header, that header (hashed), for good. Without one, the
    submission itself: the same fields from the same key on the same day (Asia/Shanghai)
    are one case; yesterday's key is honoured for 24 hours, so that a retry across midnight
    finds its case too."""
    if header.strip():
        return "h:" + hashlib.sha256(header.strip().encode()).hexdigest()[:62], None
    digest = _fingerprint(content)[:56]
    today = timezone.localdate(now)
    yesterday = today - dt.timedelta(days=1)
    return f"c{today:%y%m%d}:{digest}", f"c{yesterday:%y%m%d}:{digest}"


def reporter_name(first: str, last: str) -> str:
    """The citizen's name from GeoReport's two fields. Chinese names read family name first,
    without a space (王 + 小明 → 王小明); others "first last"."""
    first, last = (first or "").strip(), (last or "").strip()
    if any("\u3400" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


def _place_errors(
    longitude: float | None, address_id: str, address: str
) -> tuple[Place | None, dict[str, list]]:
    """The place a request without a point is filed in (address_id, else the address
    string), or the field error saying why there is none. A point is placed by report_case."""
    if longitude is not None:
        return None, {}
    if address_id:
        place = selectors.place_for_code(address_id)
        if place is None:
            return None, {"address_id": [_("No place of this jurisdiction has this code.")]}
        return place, {}
    if address:
        place = selectors.place_for_address(address)
        if place is None:
            message = _("This address could not be placed; send lat and long or address_id.")
            return None, {"address_string": [message]}
        return place, {}
    return None, {"lat/long": [_("Give the location: lat and long, address_string or address_id.")]}


def _contact_errors(email: str, media_url: str) -> dict[str, list]:
    errors: dict[str, list] = {}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    if media_url:
        try:
            if len(media_url) > MAX_MEDIA_URL:
                raise ValidationError("too long")
            _MEDIA_URL(media_url)
        except ValidationError:
            errors["media_url"] = [_("Send an http or https URL of at most 2,000 characters.")]
    return errors


@transaction.atomic
def file_request(
    *,
    api_key: ApiKey,
    category: Category,
    description: str,
    longitude: float | None = None,
    latitude: float | None = None,
    address_id: str = "",
    address: str = "",
    answers: dict | None = None,
    first_name: str = "",
    last_name: str = "",
    reporter_phone: str = "",
    email: str = "",
    device_id: str = "",
    account_id: str = "",
    media_url: str = "",
    idempotency_header: str = "",
) -> Submission:
    """File an Open311 service request as a case, through report_case (the report form's
    function) with channel "api" and the key's service account as the reporter. The case
    lies at the point (longitude, latitude), else at the place coded `address_id`, else at
    the place the `address` names. The citizen's name and phone go into the case's reporter
    fields (the phone encrypted); e-mail and device id onto the Submission (encrypted).
    `media_url` is kept as text, never fetched. A retried request (see idempotency_keys)
    returns the first Submission. Raises InvalidInput with the client's parameter names."""
    actor = api_key.account
    now = timezone.now()
    place, errors = _place_errors(longitude, (address_id or "").strip(), address)
    errors.update(_contact_errors(email, media_url))
    if errors:
        raise InvalidInput(fields=errors)
    name = reporter_name(first_name, last_name)
    device_id, account_id = device_id[:200], account_id[:100]
    content = {
        "service_code": category.code,
        "description": description,
        "lat": latitude,
        "long": longitude,
        "address_id": place.code if place else "",
        "address_string": address,
        "attribute": answers or {},
        "name": name,
        "phone": reporter_phone,
        "email": email,
        "device_id": device_id,
        "account_id": account_id,
        "media_url": media_url,
    }
    key, earlier_key = idempotency_keys(header=idempotency_header, content=content, now=now)
    if earlier_key:
        earlier = Submission.objects.filter(
            case__reporter=actor,
            case__idempotency_key=earlier_key,
            case__reported_at__gte=now - dt.timedelta(hours=24),
        ).first()
        if earlier is not None:
            return earlier
    try:
        case: Case = report_case(
            actor=actor,
            category=category,
            description=description,
            longitude=longitude,
            latitude=latitude,
            place=place,
            address=address,
            answers=answers or {},
            channel=Channel.API,
            idempotency_key=key,
            reporter_name=name,
            reporter_phone=reporter_phone,
        )
    except InvalidInput as exc:
        fields: dict[str, list] = {}
        for field, messages in exc.fields.items():
            if field.startswith("attributes."):
                theirs = f"attribute[{field.removeprefix('attributes.')}]"
            else:
                theirs = _PARAMETERS.get(field, field)
            fields.setdefault(theirs, [])
            fields[theirs] += [m for m in messages if m not in fields[theirs]]
        raise InvalidInput(exc.message, fields=fields) from None
    existing = Submission.objects.filter(case=case).first()
    if existing is not None:  # the same request again: its first answer
        return existing
    return Submission.objects.create(
        case=case,
        api_key=api_key,
        token=secrets.token_urlsafe(16),
        email=email,
        device_id=device_id,
        account_id=account_id,
        media_url=media_url,
        created_at=now,
    )

"""Reporting a problem: the whistle (吹哨). The page, the API and Open311 all call this."""

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases.models import Case, CaseFollower, Category, Channel, PhotoKind, Step, Urgency
from zhili.cases.selectors import find_duplicates
from zhili.cases.services.common import due, record_step
from zhili.cases.services.deadlines import note_deadline
from zhili.cases.services.photos import prepare_photos, store_photos
from zhili.core import permissions
from zhili.core.errors import InvalidInput, invalid
from zhili.core.permissions import Cap, Role
from zhili.core.personal import validate_phone
from zhili.places.models import Place
from zhili.places.selectors import Location, locate_point

MAX_DESCRIPTION = 2000
_CHANNEL_BY_ROLE = {
    Role.COURIER: Channel.COURIER,
    Role.GRID_OFFICER: Channel.GRID,
    Role.DISPATCHER: Channel.CENTRE,
}


def check_answers(category: Category, answers: dict) -> tuple[dict, dict]:
    """The answers to the category's extra questions, cleaned, and the field errors."""
    cleaned, errors = {}, {}
    for question in category.attributes or []:
        code = question.get("code")
        value = (answers or {}).get(code)
        field = f"attributes.{code}"
        if value in (None, "", []):
            if question.get("required"):
                errors[field] = [_("Please answer: %(q)s") % {"q": question.get("label", code)}]
            continue
        kind = question.get("datatype", "string")
        allowed = {str(v.get("key")) for v in question.get("values", [])}
        if kind == "number":
            try:
                value = float(value)
            except (TypeError, ValueError):
                errors[field] = [_("Enter a number.")]
                continue
        elif kind == "singlevaluelist" and str(value) not in allowed:
            errors[field] = [_("Choose one of the listed answers.")]
            continue
        elif kind == "multivaluelist":
            values = value if isinstance(value, list) else [value]
            if not {str(v) for v in values} <= allowed:
                errors[field] = [_("Choose among the listed answers.")]
                continue
            value = [str(v) for v in values]
        else:
            value = str(value)[:500]
        cleaned[code] = value
    return cleaned, errors


def check_report_fields(
    *, category, description: str, urgency: str, answers: dict | None, located: bool
) -> tuple[str, dict, dict]:
    """The checks of a report that need no map: the description (cleaned), the answers to the
    category's questions (cleaned) and the field errors. `located`: a point or a place was
    given (whether the point lies in a place is for report_case, which places it)."""
    errors: dict[str, list] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Say what the problem is.")]
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = [_("At most %(n)d characters.") % {"n": MAX_DESCRIPTION}]
    if not isinstance(category, Category) or not category.is_active:
        errors["category"] = [_("Choose a category from the list.")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Choose an urgency from the list.")]
    if not located:
        errors["longitude"] = [
            _("Give the location: share it from the phone, pick it on the map, or choose a place.")
        ]
    answers_clean = {}
    if isinstance(category, Category):
        answers_clean, answer_errors = check_answers(category, answers or {})
        errors.update(answer_errors)
    return description, answers_clean, errors


def named_place(place_id: int | None, places: dict | None = None) -> Place | None:
    """The place a client named by its id, or None if it named none; an unknown id is a field
    error on "place". `places`: {id: place} read already for many reports."""
    if place_id is None:
        return None
    if places is None:
        place = Place.objects.filter(pk=place_id).first()
    else:
        place = places.get(place_id)
    if place is None:
        raise invalid("place", _("Choose a place from the list."))
    return place


@transaction.atomic
def report_case(
    *,
    actor,
    category: Category,
    description: str,
    urgency: str = Urgency.NORMAL,
    longitude: float | None = None,
    latitude: float | None = None,
    place: Place | None = None,
    address: str = "",
    answers: dict | None = None,
    channel: str | None = None,
    idempotency_key: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    photos=(),
    reported_at=None,
) -> Case:
    """File a case. Who may: anyone holding cases.report. A point is placed in its grid; a
    point outside every place, or no point and no place, is a field error. The same
    `idempotency_key` from the same reporter returns the first case instead of a second.
    `photos` (uploaded files, at most CASE_MAX_PHOTOS) are checked and cleaned before anything
    is written: a bad photo is a field error on "photos" and files nothing. The reporter
    follows the case; a nearby open case of the same category is noted as a possible
    duplicate (possible_duplicate_of). `reported_at` (default now) is when the reporter sent
    it: the intake's filer passes its receipt's time, so that the clock starts then."""
    permissions.require(actor, Cap.CASES_REPORT)
    reporter = actor if getattr(actor, "pk", None) else None
    key = (idempotency_key or "").strip()[:64]
    if key:
        earlier = Case.objects.filter(reporter=reporter, idempotency_key=key).first()
        if earlier is not None:
            return earlier
    located = longitude is not None and latitude is not None
    description, answers_clean, errors = check_report_fields(
        category=category,
        description=description,
        urgency=urgency,
        answers=answers,
        located=located or place is not None,
    )
    if located:
        place = point_place(locate_point(longitude, latitude), errors)
    if reporter_phone:
        try:
            reporter_phone = validate_phone(reporter_phone)
        except ValidationError as exc:
            errors["reporter_phone"] = list(exc.messages)
    prepared = []
    try:
        prepared = prepare_photos(photos)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(fields=errors)
    if channel is None:
        channel = channel_for(actor)
    now = reported_at or timezone.now()
    case = new_case(
        category=category,
        urgency=urgency,
        description=description,
        attributes=answers_clean,
        longitude=longitude,
        latitude=latitude,
        address=address,
        place=place,
        channel=channel,
        reporter=reporter,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        idempotency_key=key,
        reported_at=now,
        step_deadline=due(category, urgency, Step.ACCEPT, now),
    )
    if key:
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError:  # the same key arrived twice at once: the first one stands
            return Case.objects.get(reporter=reporter, idempotency_key=key)
    else:  # nothing to collide with: no savepoint (two round trips fewer)
        case.save()
    case.number = case_number(case)
    duplicates = find_duplicates(case)
    case.possible_duplicate_of = duplicates[0] if duplicates else None
    Case.objects.filter(pk=case.pk).update(
        number=case.number, possible_duplicate_of=case.possible_duplicate_of
    )
    if reporter is not None:
        CaseFollower.objects.create(case=case, user=reporter)
    note_deadline(case=case, step=Step.ACCEPT, start=now, due_at=case.step_deadline)
    stored = (
        store_photos(actor=actor, case=case, photos=prepared, kind=PhotoKind.REPORT)
        if prepared
        else []
    )
    record_step(
        actor=actor,
        case=case,
        action="report",
        to_status=case.status,
        changes=report_changes(case, photos=len(stored)),
        at=now,
    )
    return case


# --- The steps of a report, shared with the intake's batch filer (services/filing.py) ---------


def point_place(location: Location | None, errors: dict) -> Place | None:
    """The place a located point is filed in: its grid, else the most specific place holding
    it; a point outside every place is a field error on "longitude" (added to `errors`)."""
    if location is None or location.most_specific is None:
        errors["longitude"] = [_("This point lies outside every place we know.")]
        return None
    return location.grid or location.most_specific


def channel_for(actor) -> str:
    """The channel a report comes by, from the reporter's roles."""
    return next(
        (
            _CHANNEL_BY_ROLE[r]
            for r in permissions.HOME_ORDER
            if r in permissions.roles(actor) and r in _CHANNEL_BY_ROLE
        ),
        Channel.RESIDENT,
    )


def new_case(
    *, place: Place, address: str, reporter_name: str, reported_at, step_deadline, **fields
) -> Case:
    """The case a report files, not saved yet: at the accept step, under a temporary number
    (case_number gives the readable one once the row has its id)."""
    return Case(
        number=f"T{uuid.uuid4().hex[:19]}",
        address=(address or "").strip()[:200],
        place=place,
        place_path=place.path,
        reporter_name=(reporter_name or "").strip()[:50],
        reported_at=reported_at,
        step=Step.ACCEPT,
        step_deadline=step_deadline,
        **fields,
    )


def case_number(case: Case) -> str:
    """A number people can read out on the phone: the report's date and the case's id."""
    return f"{timezone.localtime(case.reported_at):%Y%m%d}{case.pk:06d}"


def report_changes(case: Case, *, photos: int = 0) -> dict:
    """What the report's audit record says changed."""
    changes = {"category": [None, str(case.category)], "place": [None, str(case.place)]}
    if photos:
        changes["photos"] = [None, photos]
    if case.possible_duplicate_of is not None:
        changes["possible_duplicate_of"] = [None, case.possible_duplicate_of.number]
    return changes

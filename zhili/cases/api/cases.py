"""/api/v1/cases: list, detail with the timeline, report, each act as POST /{id}/{act}, and
photos added later. Validation only; the services decide (through zhili.cases.offers, the
same table the case page uses)."""

import datetime as dt
import json

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhili.cases.api.schemas import (
    REPORT_FIELDS_AS_SENT,
    CaseDetailOut,
    CaseOut,
    ReportIn,
    name_as_sent,
)
from zhili.cases.models import (
    Case,
    Category,
)
from zhili.cases.offers import ACTS, ADD_PHOTOS, perform
from zhili.cases.selectors import (
    access_case,
    case_list,
)
from zhili.cases.services.report import named_place, report_case
from zhili.core import permissions
from zhili.core.bounds import BoundedLimitOffset, Count, Id
from zhili.core.errors import InvalidInput, NotFound, invalid
from zhili.core.permissions import Cap
from zhili.orgs.models import Department

router = Router(tags=["cases"])


def _report(request, payload: ReportIn, photos) -> Case:
    actor = request.user
    try:
        return report_case(
            actor=actor,
            category=Category.objects.filter(pk=payload.category_id).first(),
            description=payload.description,
            urgency=payload.urgency,
            longitude=payload.longitude,
            latitude=payload.latitude,
            place=named_place(payload.place_id),
            address=payload.address,
            answers=payload.attributes,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            photos=photos,
        )
    except InvalidInput as exc:
        exc.fields = name_as_sent(exc.fields, REPORT_FIELDS_AS_SENT)
        raise


@router.get("/", response=list[CaseOut])
@paginate(BoundedLimitOffset)
def list_cases(
    request,
    status: str = "",
    category: Id | None = None,
    urgency: str = "",
    overdue: bool = False,
    place: Id | None = None,
    channel: str = "",
    number: str = "",
):
    """The cases the caller may see, most urgent deadline first (selectors.case_list, as the
    workbench). `status` is a status or "open"; `place` narrows to the subtree of a place
    in the caller's area (another is 404, as one that does not exist); `number` names one
    case, whatever the other filters say."""
    return case_list(
        request.user,
        number=number,
        status=status,
        category=category,
        urgency=urgency,
        channel=channel,
        overdue=overdue,
        place=place,
    )


@router.post("/", response={201: CaseDetailOut})
def report(request, payload: ReportIn):
    """File a report (JSON). Send `Idempotency-Key` to make a retry return the first case.
    With photos, POST multipart to /report-with-photos instead."""
    permissions.require(request.user, Cap.CASES_REPORT)
    return Status(201, _report(request, payload, photos=()))


@router.post("/report-with-photos", response={201: CaseDetailOut})
def report_with_photos(request, payload: Form[str], photos: File[list[UploadedFile]] = None):
    """File a report with photos: multipart, the report's JSON in the `payload` field and
    each photo in a `photos` field."""
    permissions.require(request.user, Cap.CASES_REPORT)
    try:
        values = ReportIn(**json.loads(payload))
    except (ValueError, TypeError) as exc:
        raise invalid("payload", _("Send the report as JSON in the payload field.")) from exc
    return Status(201, _report(request, values, photos=photos or ()))


# Declared after /report-with-photos, whose path would otherwise read as a case id.
@router.get("/{case_id}", response=CaseDetailOut)
def get_case(request, case_id: Id):
    return access_case(request.user, case_id)


# --- Acts -------------------------------------------------------------------------------------


# What each act reads; a field its service cannot do without is required in the schema.


class ActIn(Schema):
    version: Count | None = None  # the version the caller saw; a stale one answers 409
    task: Id | None = None  # the caller's order on the case, when its departments have several
    note: str = ""


class ReasonIn(ActIn):
    reason: str


class DispatchIn(ActIn):
    lead_id: Id
    co_department_ids: list[Id] = []


class ReassignIn(DispatchIn):
    reason: str


class DecideObjectionIn(ActIn):
    upheld: bool  # true: take the order back; false: keep it (a `reason` is then required)
    reason: str = ""


class ReworkIn(ActIn):
    note: str  # what is still wrong


class HandleIn(ActIn):
    result: str


class VerifyIn(ActIn):
    passed: bool


class RateIn(ActIn):
    rating: str
    comment: str = ""


class HoldIn(ReasonIn):
    review_on: dt.date


class ExtensionIn(ReasonIn):
    until: dt.datetime  # the new handle-by time


class RecategoriseIn(ActIn):
    category_id: Id


class MergeIn(ActIn):
    into_id: Id  # merge into this case


def _departments(payload: DispatchIn) -> dict:
    values = {}
    found = Department.objects.in_bulk([payload.lead_id, *payload.co_department_ids])
    if payload.lead_id not in found:
        raise invalid("lead_id", _("Choose the lead department."))
    missing = [i for i in payload.co_department_ids if i not in found]
    if missing:
        raise invalid("co_department_ids", _("Choose departments from the list."))
    values["lead"] = found[payload.lead_id]
    values["co_departments"] = [found[i] for i in payload.co_department_ids]
    return values


def _act(request, case_id: int, name: str, payload: ActIn, photos=()):
    actor = request.user
    case = access_case(actor, case_id)
    values = payload.dict()
    values["photos"] = photos
    if name in ("dispatch", "reassign"):
        values.update(_departments(payload))
    if name == "recategorise":
        values["category"] = Category.objects.filter(pk=payload.category_id).first()
    if name == "merge":
        try:
            values["into"] = access_case(actor, payload.into_id)
        except NotFound:
            raise invalid("into_id", _("No case with this number in your area.")) from None
    perform(ACTS[name], actor=actor, case=case, values=values)
    return access_case(actor, case_id)


# One endpoint per act, each a line: the act itself is in zhili.cases.offers.


@router.post("/{case_id}/accept", response=CaseDetailOut)
def accept(request, case_id: Id, payload: ActIn):
    """Accept a reported case (立案): the centre. Send `version` to be refused if it moved."""
    return _act(request, case_id, "accept", payload)


@router.post("/{case_id}/reject", response=CaseDetailOut)
def reject(request, case_id: Id, payload: ReasonIn):
    """Reject a report with a `reason`: the centre."""
    return _act(request, case_id, "reject", payload)


@router.post("/{case_id}/dispatch", response=CaseDetailOut)
def dispatch(request, case_id: Id, payload: DispatchIn):
    """Dispatch to `lead_id` and any `co_department_ids`: the centre, or the street for a
    coordinated case."""
    return _act(request, case_id, "dispatch", payload)


@router.post("/{case_id}/reassign", response=CaseDetailOut)
def reassign(request, case_id: Id, payload: ReassignIn):
    """Reassign (改派) a case the departments have to `lead_id` and any
    `co_department_ids`, with a `reason`: orders of departments left off are cancelled,
    continuing ones kept, new ones dispatched. The centre, or the street for a coordinated
    case."""
    return _act(request, case_id, "reassign", payload)


@router.post("/{case_id}/object", response=CaseDetailOut)
def object_to_order(request, case_id: Id, payload: ReasonIn):
    """Object to the caller's department's order (派单异议) with a `reason`, before taking it:
    the centre reviews it."""
    return _act(request, case_id, "object", payload)


@router.post("/{case_id}/decide_objection", response=CaseDetailOut)
def decide_objection(request, case_id: Id, payload: DecideObjectionIn):
    """The centre's review of an objection (`task` names the order if several): `upheld`
    true takes the order back; false keeps it with the department, with a `reason`."""
    return _act(request, case_id, "decide_objection", payload)


@router.post("/{case_id}/take", response=CaseDetailOut)
def take(request, case_id: Id, payload: ActIn):
    """Take the caller's department's order (接单); `task` names it if there are several."""
    return _act(request, case_id, "take", payload)


@router.post("/{case_id}/return", response=CaseDetailOut)
def return_order(request, case_id: Id, payload: ReasonIn):
    """Return the caller's department's order as not its remit (退单), with a `reason`."""
    return _act(request, case_id, "return", payload)


@router.post("/{case_id}/verify", response=CaseDetailOut)
def verify(request, case_id: Id, payload: VerifyIn):
    """The on-the-spot check: `passed` true, or false with a `note` (rework)."""
    return _act(request, case_id, "verify", payload)


@router.post("/{case_id}/rework", response=CaseDetailOut)
def rework(request, case_id: Id, payload: ReworkIn):
    """Send a handled or verified case back for rework (返工) with a `note`: a verifier."""
    return _act(request, case_id, "rework", payload)


@router.post("/{case_id}/close", response=CaseDetailOut)
def close(request, case_id: Id, payload: ActIn):
    """Close a verified case: the centre."""
    return _act(request, case_id, "close", payload)


@router.post("/{case_id}/rate", response=CaseDetailOut)
def rate(request, case_id: Id, payload: RateIn):
    """The reporter's `rating` (satisfied, basically, dissatisfied) and `comment`, once."""
    return _act(request, case_id, "rate", payload)


@router.post("/{case_id}/hold", response=CaseDetailOut)
def hold(request, case_id: Id, payload: HoldIn):
    """Put on hold (挂账) with a `reason` until `review_on`: the centre."""
    return _act(request, case_id, "hold", payload)


@router.post("/{case_id}/void", response=CaseDetailOut)
def void(request, case_id: Id, payload: ReasonIn):
    """Void a case filed in error (作废) with a `reason`: the centre."""
    return _act(request, case_id, "void", payload)


@router.post("/{case_id}/extension", response=CaseDetailOut)
def request_extension(request, case_id: Id, payload: ExtensionIn):
    """Ask for more time (延期) on the caller's order: `until` and `reason`."""
    return _act(request, case_id, "extension", payload)


@router.post("/{case_id}/grant_extension", response=CaseDetailOut)
def grant_extension(request, case_id: Id, payload: ActIn):
    """Grant a pending request for more time (`task` names the order if several ask)."""
    return _act(request, case_id, "grant_extension", payload)


@router.post("/{case_id}/refuse_extension", response=CaseDetailOut)
def refuse_extension(request, case_id: Id, payload: ReasonIn):
    """Refuse a pending request for more time, with a `reason`."""
    return _act(request, case_id, "refuse_extension", payload)


@router.post("/{case_id}/recategorise", response=CaseDetailOut)
def recategorise(request, case_id: Id, payload: RecategoriseIn):
    """Change the category to `category_id` (the centre): re-routes and restarts the clock."""
    return _act(request, case_id, "recategorise", payload)


@router.post("/{case_id}/coordinate", response=CaseDetailOut)
def coordinate(request, case_id: Id, payload: ActIn):
    """Hand the case to the street to coordinate (街道吹哨): the centre or the street."""
    return _act(request, case_id, "coordinate", payload)


@router.post("/{case_id}/merge", response=CaseDetailOut)
def merge(request, case_id: Id, payload: MergeIn):
    """Merge this case into `into_id` (并单): the centre."""
    return _act(request, case_id, "merge", payload)


@router.post("/{case_id}/resume", response=CaseDetailOut)
def resume(request, case_id: Id, payload: ActIn):
    """Take a case off hold on review: the centre."""
    return _act(request, case_id, "resume", payload)


@router.post("/{case_id}/reopen", response=CaseDetailOut)
def reopen(request, case_id: Id, payload: ReasonIn):
    """Not fixed: the reporter reopens a closed case with a `reason`, within the window."""
    return _act(request, case_id, "reopen", payload)


@router.post("/{case_id}/handle", response=CaseDetailOut)
def handle_case(
    request, case_id: Id, payload: Form[HandleIn], photos: File[list[UploadedFile]] = None
):
    """Report the caller's order handled: form fields (result, task, version) and any number
    of evidence `photos` (multipart)."""
    return _act(request, case_id, "handle", payload, photos=photos or ())


# --- Photos added later ------------------------------------------------------------------------


class PhotosIn(Schema):
    task: Id | None = None  # the caller's order, when its departments have several on the case
    version: Count | None = None  # the version the caller saw; a stale one answers 409


@router.post("/{case_id}/photos", response={200: CaseDetailOut, 201: CaseDetailOut})
def add_photos(
    request, case_id: Id, payload: Form[PhotosIn], photos: File[list[UploadedFile]] = None
):
    """Add photos to an open case later (multipart, each photo in a `photos` field, at most
    CASE_MAX_PHOTOS): its reporter, a department with its order in hand (as evidence of that
    order), the centre or a verifier over its place. A bad photo is a field error on `photos`
    and adds none; 201 when photos were added, 200 when each was on the case already."""
    actor = request.user
    case = access_case(actor, case_id)
    values = payload.dict()
    values["photos"] = photos or ()
    added = perform(ADD_PHOTOS, actor=actor, case=case, values=values)
    return Status(201 if added else 200, access_case(actor, case_id))

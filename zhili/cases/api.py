"""The case loop over JSON (/api/v1/cases): list, detail with the timeline, report, each act
as POST /{id}/{act}, and photos added later; and the street's joint enforcement actions
(/api/v1/joint-actions, `joint_actions_router`). Validation only; the services decide
(through zhili.cases.offers, the same table the case page uses), and their errors become JSON
in zhili/api/urls.py."""

import datetime as dt
import json
from typing import Annotated

from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhili.cases import coordination_selectors as joint
from zhili.cases.models import (
    Case,
    Category,
    Receipt,
    ReceiptStatus,
    Urgency,
)
from zhili.cases.offers import ACTS, ADD_PHOTOS, perform
from zhili.cases.selectors import (
    access_case,
    case_list,
    cases_for,
    deadline_note,
    exact_deadline_note,
    is_overdue,
)
from zhili.cases.services import intake
from zhili.cases.services.coordination import record_joint_action
from zhili.cases.services.report import named_place, report_case
from zhili.core import permissions
from zhili.core.bounds import MAX_BIGINT, BoundedLimitOffset, Count, Id
from zhili.core.errors import Forbidden, InvalidInput, NotFound, invalid
from zhili.core.permissions import Cap
from zhili.orgs.models import Department
from zhili.places.models import Place

router = Router(tags=["cases"])
# Mounted at /api/v1/joint-actions by zhili/api/urls.py.
joint_actions_router = Router(tags=["joint enforcement actions"])
# Mounted at /api/v1/reports: the fast intake (services/intake.py).
reports_router = Router(tags=["report intake"])
# Mounted at /api/v1/categories: what a report's category_id may name.
categories_router = Router(tags=["cases"])


class TaskOut(Schema):
    id: int
    department_id: int
    department: str
    role: str
    status: str
    take_deadline: dt.datetime | None
    handle_deadline: dt.datetime | None
    # Non-empty when the order's running deadline was counted on a provisional calendar.
    deadline_note: str
    result: str
    return_reason: str
    # The department's objection (派单异议): none, pending, kept or upheld.
    objection_status: str
    objection_reason: str
    objection_answer: str

    @staticmethod
    def resolve_department(obj):
        return obj.department.short_name

    @staticmethod
    def resolve_deadline_note(obj):
        return exact_deadline_note(task=obj)


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor: str
    at: dt.datetime
    note: str
    task_id: int | None

    @staticmethod
    def resolve_actor(obj):
        return obj.actor_label


class PhotoOut(Schema):
    id: int
    kind: str
    url: str
    thumbnail_url: str
    added_by: str
    added_at: dt.datetime

    @staticmethod
    def resolve_added_by(obj):
        return obj.uploaded_by.get_username() if obj.uploaded_by_id else ""

    @staticmethod
    def resolve_added_at(obj):
        return obj.created_at

    @staticmethod
    def resolve_url(obj):
        return reverse("cases:photo", args=[obj.case_id, obj.pk, "full"])

    @staticmethod
    def resolve_thumbnail_url(obj):
        return reverse("cases:photo", args=[obj.case_id, obj.pk, "thumb"])


class CaseOut(Schema):
    id: int
    number: str
    category_id: int
    category: str
    urgency: str
    description: str
    status: str
    version: int
    step: str
    step_deadline: dt.datetime | None
    # Non-empty when step_deadline was counted on a year's provisional calendar (its holiday
    # notice not entered yet): 暂按常规工作周推算，待录入2027年放假安排后重算.
    step_deadline_note: str
    overdue: bool
    place_id: int
    place: str
    longitude: float | None
    latitude: float | None
    address: str
    channel: str
    reported_at: dt.datetime
    closed_at: dt.datetime | None
    # The verify-and-close deadline, set when the departments report it handled.
    close_deadline: dt.datetime | None
    reassign_count: int
    rating: str

    @staticmethod
    def resolve_category(obj):
        return obj.category.name

    @staticmethod
    def resolve_step_deadline_note(obj):
        return deadline_note(obj.step_deadline) if obj.is_open else ""

    @staticmethod
    def resolve_place(obj):
        return obj.place.name

    @staticmethod
    def resolve_overdue(obj):
        # Computed when asked: a stored flag would be stale by the time anyone reads it.
        return is_overdue(obj)


class DepartmentRefOut(Schema):
    id: int
    name: str
    short_name: str


class CaseRefOut(Schema):
    id: int
    number: str
    status: str


class JointActionOut(Schema):
    id: int
    date: dt.date
    place_id: int
    place: str
    departments: list[DepartmentRefOut]
    cases_solved: int
    notes: str
    recorded_at: dt.datetime

    @staticmethod
    def resolve_place(obj):
        return obj.place.name

    @staticmethod
    def resolve_departments(obj):
        return list(obj.departments.all())

    @staticmethod
    def resolve_recorded_at(obj):
        return obj.created_at


class JointActionDetailOut(JointActionOut):
    cases: list[CaseRefOut]

    @staticmethod
    def resolve_cases(obj):
        return list(obj.cases.all())  # prefetched newest first by access_joint_action


class CaseDetailOut(CaseOut):
    attributes: dict
    reason: str
    rating_comment: str
    tasks: list[TaskOut]
    timeline: list[EventOut]
    photos: list[PhotoOut]
    joint_actions: list[JointActionOut]

    @staticmethod
    def resolve_tasks(obj):
        return list(obj.tasks.select_related("department"))

    @staticmethod
    def resolve_step_deadline_note(obj):
        return exact_deadline_note(case=obj)  # one case: by its own rows

    @staticmethod
    def resolve_timeline(obj):
        return list(obj.events.all())

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.select_related("uploaded_by"))

    @staticmethod
    def resolve_joint_actions(obj):
        return joint.case_joint_actions(obj)


class ReportIn(Schema):
    category_id: Id
    description: str
    urgency: str = Urgency.NORMAL
    longitude: float | None = None
    latitude: float | None = None
    place_id: Id | None = None
    address: str = ""
    attributes: dict = {}


# report_case's field names → the names the API's clients send.
REPORT_FIELDS_AS_SENT = {"category": "category_id", "place": "place_id"}


def _name_as_sent(fields: dict, names: dict[str, str]) -> dict:
    """The service's field errors renamed as the API's clients send the fields."""
    return {names.get(field, field): found for field, found in fields.items()}


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
        exc.fields = _name_as_sent(exc.fields, REPORT_FIELDS_AS_SENT)
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


# --- Joint enforcement actions (联合执法) -----------------------------------------------------


class JointActionIn(Schema):
    date: dt.date
    place_id: Id
    department_ids: list[Id] = []
    case_ids: list[Id] = []
    cases_solved: Annotated[int, Field(le=MAX_BIGINT)] = 0  # below 0: the service's error
    notes: str = ""


# The service's field names as the API's clients send them.
_JOINT_ACTION_FIELDS = {"place": "place_id", "departments": "department_ids", "cases": "case_ids"}


@joint_actions_router.get("", response=list[JointActionOut])
@paginate(BoundedLimitOffset)
def list_joint_actions(request, case: Id | None = None):
    """The joint enforcement actions in the caller's area, newest first; `case` narrows to
    those linked to one case."""
    permissions.require(request.user, Cap.CASES_VIEW)
    actions = joint.area_joint_actions(request.user)
    if case is not None:
        actions = actions.filter(cases__id=case)
    return actions


@joint_actions_router.post("", response={201: JointActionDetailOut})
def create_joint_action(request, payload: JointActionIn):
    """Record a joint enforcement action (联合执法) and link it to its cases: the street
    (cases.coordinate over the place). The cases must lie within the place and be neither
    rejected nor voided; the date is today or earlier; the departments serve the place."""
    actor = request.user
    permissions.require(actor, Cap.CASES_COORDINATE)
    errors: dict[str, list] = {}
    place = Place.objects.filter(pk=payload.place_id).first()
    if place is None:
        errors["place_id"] = [_("Choose a place from the list.")]
    departments = Department.objects.in_bulk(payload.department_ids)
    if len(departments) != len(set(payload.department_ids)):
        errors["department_ids"] = [_("Choose departments from the list.")]
    cases = list(cases_for(actor).filter(pk__in=payload.case_ids))
    missing = sorted(set(payload.case_ids) - {c.pk for c in cases})
    if missing:
        errors["case_ids"] = [
            _("Not in your area, or no such case: %(ids)s")
            % {"ids": ", ".join(str(i) for i in missing)}
        ]
    if errors:
        raise InvalidInput(fields=errors)
    try:
        action = record_joint_action(
            actor=actor,
            date=payload.date,
            place=place,
            departments=list(departments.values()),
            cases=cases,
            cases_solved=payload.cases_solved,
            notes=payload.notes,
        )
    except InvalidInput as exc:
        exc.fields = _name_as_sent(exc.fields, _JOINT_ACTION_FIELDS)
        raise
    return Status(201, joint.access_joint_action(actor, action.pk))


@joint_actions_router.get("/{action_id}", response=JointActionDetailOut)
def get_joint_action(request, action_id: Id):
    """One joint enforcement action of the caller's area, with its cases."""
    permissions.require(request.user, Cap.CASES_VIEW)
    return joint.access_joint_action(request.user, action_id)


# --- The fast intake ----------------------------------------------------------------------------


class ReceiptOut(Schema):
    """A receipt as its reporter follows it (receipt_answer builds it)."""

    id: int
    status: str
    status_label: str
    received_at: dt.datetime
    decided_at: dt.datetime | None
    case_id: int | None
    case_number: str
    case_url: str | None
    errors: dict


def receipt_answer(receipt: Receipt) -> dict:
    """The receipt as ReceiptOut describes it. `errors`: why it was refused, as any error of
    this API ({"code", "message", "fields"}, the fields named as sent); empty unless refused
    or failed."""
    errors = {}
    if receipt.errors:
        errors = dict(receipt.errors)
        errors["fields"] = _name_as_sent(errors.get("fields", {}), REPORT_FIELDS_AS_SENT)
    return {
        "id": receipt.pk,
        "status": receipt.status,
        "status_label": str(ReceiptStatus(receipt.status).label),
        "received_at": receipt.received_at,
        "decided_at": receipt.decided_at,
        "case_id": receipt.case_id,
        "case_number": receipt.case.number if receipt.case_id else "",
        "case_url": reverse("api-v1:get_case", args=[receipt.case_id]) if receipt.case_id else None,
        "errors": errors,
    }


@reports_router.post("/", response={200: ReceiptOut, 202: ReceiptOut})
def receive(request, payload: ReportIn):
    """Take a report in and answer at once (202, `Location`: the receipt); a filer in the
    background then files it as a case. Follow the receipt until its status is `filed` (the
    case's number and URL) or `refused` (field errors, as any error of this API). Errors that
    need no map (category, description, urgency, no location, answers) come back here at
    once, as 400. The same `Idempotency-Key` from the same account answers 200 with the first
    receipt. For the case at once, or with photos, POST to /api/v1/cases/ instead."""
    try:
        receipt, new = intake.receive_report(
            actor=request.user,
            report=payload.dict(),
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
    except InvalidInput as exc:
        exc.fields = _name_as_sent(exc.fields, REPORT_FIELDS_AS_SENT)
        raise
    # Answered as built, without a second pass through ReceiptOut: this is the API's busiest
    # call, and GET /{receipt_id} passes the same answer through the schema (tested equal).
    response = JsonResponse(
        receipt_answer(receipt),
        status=202 if new else 200,
        content_type="application/json; charset=utf-8",  # as the API's other answers
    )
    response["Location"] = reverse("api-v1:get_receipt", args=[receipt.pk])
    return response


@reports_router.get("/{receipt_id}", response=ReceiptOut, url_name="get_receipt")
def get_receipt(request, receipt_id: Id):
    """One of the caller's receipts: pending, filed (with its case), refused or failed."""
    receipt = intake.receipt_for(request.user, receipt_id)
    if receipt is None:
        raise NotFound()
    return receipt_answer(receipt)


# --- Categories ---------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None
    description: str
    attributes: list


@categories_router.get("/", response=list[CategoryOut])
def list_categories(request):
    """The active categories a report may name (`category_id`), each with its extra
    questions (`attributes`: code, label, datatype, required, values), which a report answers
    in its `attributes` as {code: answer}. For those who report or see cases."""
    if not (
        permissions.can(request.user, Cap.CASES_REPORT)
        or permissions.can(request.user, Cap.CASES_VIEW)
    ):
        raise Forbidden()
    return Category.objects.filter(is_active=True).order_by("code")

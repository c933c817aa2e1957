"""What the case API answers and reads: the shapes shared by its routers."""

import datetime as dt

from django.urls import reverse
from ninja import Schema

from zhili.cases import coordination_selectors as joint
from zhili.cases.models import (
    Urgency,
)
from zhili.cases.selectors import (
    deadline_note,
    exact_deadline_note,
    is_overdue,
)
from zhili.core.bounds import Id


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


def name_as_sent(fields: dict, names: dict[str, str]) -> dict:
    """The service's field errors renamed as the API's clients send the fields."""
    return {names.get(field, field): found for field, found in fields.items()}
